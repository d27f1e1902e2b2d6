/** Deterministic JSON for Terraform stacks: sorted keys, cdktf's `//` metadata removed, trailing newline. */

/** A copy of `value` with object keys sorted (arrays keep their order) and `//` metadata keys dropped. */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as Record<string, unknown>).sort()) {
      if (key === '//') continue;
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeysDeep(v);
    }
    return out;
  }
  return value;
}

export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value), null, 2) + '\n';
}
