import { stringify } from 'yaml';

/**
 * Serialization shared by the synth and the benchmark's floor, so that both measure the same thing.
 *
 * YAML 1.1 rules are used for quoting because kubectl and Argo CD read manifests with go-yaml, which
 * takes unquoted `yes`, `on`, `off` for booleans; no anchors/aliases (reused objects are written out);
 * no line folding (long strings stay on one line, which keeps diffs readable).
 */
const OPTIONS = {
  version: '1.1',
  aliasDuplicateObjects: false,
  lineWidth: 0,
  minContentWidth: 0,
  indentSeq: true,
} as const;

/** One YAML document (no `---` marker), keys in the order given. */
export function toYamlDocument(value: unknown): string {
  return stringify(value, OPTIONS);
}

/** A multi-document YAML stream: documents separated by `---`. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map(toYamlDocument).join('---\n');
}

/** A copy of a JSON-like value with object keys sorted recursively (for values not built by cdk8s). */
export function sortKeysDeep<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeysDeep) as unknown as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeysDeep(v);
    }
    return out as T;
  }
  return value;
}
