import { emitYamlDocument, emitYamlStream } from './yaml-emitter';

/**
 * Serialization shared by the synth and the benchmark's floor, so that both measure the same thing.
 *
 * YAML 1.1 rules are used for quoting because kubectl and Argo CD read manifests with go-yaml, which
 * takes unquoted `yes`, `on`, `off` for booleans; no anchors/aliases (reused objects are written out);
 * no line folding (long strings stay on one line, which keeps diffs readable).
 *
 * The emitter is our own (./yaml-emitter.ts). `CERES_YAML_EMITTER=legacy` selects the `yaml`
 * library's `stringify` it replaced, for one release, so that whole dist/ trees can be compared.
 */
const LEGACY_OPTIONS = {
  version: '1.1',
  aliasDuplicateObjects: false,
  lineWidth: 0,
  minContentWidth: 0,
  indentSeq: true,
} as const;

/**
 * The `yaml` library (its reader, and the legacy writer), loaded on first use: rendering does not
 * need it, and it is some seventy modules that every test file and every synth would load.
 */
export function yamlLibrary(): typeof import('yaml') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('yaml') as typeof import('yaml');
}

/** The `yaml` library's serialization the synth used before its own emitter (same options). */
export function legacyYamlDocument(value: unknown): string {
  return yamlLibrary().stringify(value, LEGACY_OPTIONS);
}

export type YamlEmitter = 'ceres' | 'legacy';

function yamlEmitterFromEnv(v: string | undefined): YamlEmitter {
  if (v === undefined || v === '' || v === 'ceres') return 'ceres';
  if (v === 'legacy') return 'legacy';
  throw new Error(`CERES_YAML_EMITTER must be "legacy" or "ceres" (or unset), not ${JSON.stringify(v)}`);
}

let emitter: YamlEmitter = yamlEmitterFromEnv(process.env.CERES_YAML_EMITTER);

/** The emitter in use: `CERES_YAML_EMITTER=legacy` selects the `yaml` library, otherwise ours. */
export function yamlEmitter(): YamlEmitter {
  return emitter;
}

/** Switches the emitter (for comparisons in tests and benchmarks); returns the previous one. */
export function useYamlEmitter(next: YamlEmitter): YamlEmitter {
  const previous = emitter;
  emitter = yamlEmitterFromEnv(next);
  return previous;
}

/** One YAML document (no `---` marker), keys in the order given. */
export function toYamlDocument(value: unknown): string {
  return emitter === 'legacy' ? legacyYamlDocument(value) : emitYamlDocument(value);
}

/** A multi-document YAML stream: documents separated by `---`. */
export function toYamlStream(values: readonly unknown[]): string {
  return emitter === 'legacy' ? values.map(legacyYamlDocument).join('---\n') : emitYamlStream(values);
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
