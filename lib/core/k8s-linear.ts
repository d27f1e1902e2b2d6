/**
 * The Kubernetes kinds (`cdk8s-plus-28`'s generated `k8s` module), loaded with each converter's final
 * copy made linear. Every `toJson_*` converter of that module ends by dropping the undefined members
 * of the object it built with a spread per member,
 *
 *     return Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {});
 *
 * which copies the growing object once per member (quadratic, and garbage for each copy), for every
 * object and every nested object of every manifest. `imports/` has the same line made one loop when
 * it is generated (scripts/linear-converters.js); this module is a dependency's file and stays as
 * shipped on disk. Instead, when Node's CommonJS loader compiles it, that exact line becomes one
 * loop that copies each defined member once, in the same order (same line count, so stack traces
 * point where they did), and each map member's copy, made the same way, a call of one linear helper
 * ({@link K8S_MAP_QUADRATIC}); nothing else of the file changes. Where the line is not found (another
 * version of cdk8s-plus-28), the module was loaded before this one, or `CERES_K8S_AS_SHIPPED=1`, it
 * runs as shipped: same output, slower. Loaders that do not use Node's (jest) load it as shipped.
 *
 * The platform imports the Kubernetes kinds from `./k8s`, which loads this first, never from
 * `cdk8s-plus-28/lib/imports/k8s` directly (an ESLint rule says so), so that the hook is in place
 * before the module first loads.
 * test/core/k8s-linear.test.ts checks the copies agree with the shipped ones on every kind of member
 * and that the rewrite touches only those lines.
 */
import { Module } from 'node:module';

/** The line as `cdk8s-plus-28`'s build writes it (four spaces of indentation). */
export const K8S_QUADRATIC = '    return Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {});';

/** What replaces it: one line, so that the file keeps its line numbers. */
export const K8S_LINEAR = '    const out = {}; for (const key in result) { const value = result[key]; if (value !== undefined) out[key] = value; } return out;';

/**
 * Each member typed as a map (labels, annotations, selectors, quota amounts) is copied the same way,
 * its values as they are or converted (`i[1]?.value` for quantities):
 *
 *     Object.entries(obj.labels).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {})
 *
 * Each becomes a call of {@link K8S_MAP_HELPER}, defined on the module's first line after its
 * `"use strict";` (so the line count stays): it copies each member once, in the same order, keeps a
 * member whose value converts to undefined as the spread does, and a member named `__proto__` as an
 * own member. The same rewrite as scripts/linear-converters.js makes in imports/ (lib/ loads nothing
 * of scripts/, so the pattern is written in both; test/core/k8s-linear.test.ts checks they are equal).
 */
export const K8S_MAP_QUADRATIC =
  /Object\.entries\((obj\.[A-Za-z0-9_$]+|i\[1\])\)\.reduce\(\(r, i\) => \(i\[1\] === undefined\) \? r : \(\{ \.\.\.r, \[i\[0\]\]: (i\[1\]|i\[1\]\?\.value|i\[1\]\?\.map\(y => y\)|i\[1\]\?\.map\(y => toJson_[A-Za-z0-9_$]+\(y\)\)|toJson_[A-Za-z0-9_$]+\(i\[1\]\)) \}\), \{\}\)/g;

/** The helper the map copies call, in one line (a name no generated module uses). */
export const K8S_MAP_HELPER =
  "function __ceresDefinedMembers(map, convert) { const out = {}; for (const key of Object.keys(map)) { const value = map[key]; if (value === undefined) continue; const converted = convert === undefined ? value : convert(value); if (key === '__proto__') Object.defineProperty(out, key, { value: converted, enumerable: true, writable: true, configurable: true }); else out[key] = converted; } return out; }";

/**
 * Each kind's constructor, `manifest` and `toJson` build their object literal starting with the
 * kind's group, version and kind spread, one member per line,
 *
 *     super(scope, id, {
 *         ...KubeNetworkPolicy.GVK,
 *         ...props,
 *     });
 *
 * and V8 builds a literal with two spreads through its slowest path (measured: a 300-tenant render
 * 2.90 s -> 2.65-2.70 s, same bytes, nearly all of it in the constructors). The line becomes the same
 * two members named, in the same order, on the same line: `{ ...GVK, ...props }` and
 * `{ apiVersion: GVK.apiVersion, kind: GVK.kind, ...props }` are the same object when a GVK's own
 * members are exactly `apiVersion` then `kind`, as every generated kind's is (tested). The same
 * rewrite as scripts/linear-converters.js makes in imports/ (the two patterns are tested equal).
 */
export const K8S_GVK_SPREAD = /^( +)\.\.\.([A-Za-z_$][A-Za-z0-9_$]*)\.GVK,$/gm;
/** What replaces a {@link K8S_GVK_SPREAD} line (`$1` its indentation, `$2` the class). */
export const K8S_GVK_MEMBERS = '$1apiVersion: $2.GVK.apiVersion, kind: $2.GVK.kind,';

/** The module's first line, exactly: the helper goes after it. */
const STRICT = '"use strict";';

/** `text` (the k8s module's source) with every converter's final copy and map copies made linear, and the kinds' GVK spreads named. */
export function linearK8sSource(text: string): string {
  const linear = text.split(K8S_QUADRATIC).join(K8S_LINEAR).replace(K8S_GVK_SPREAD, K8S_GVK_MEMBERS);
  // Without the directive first, the helper has no place that keeps the module strict and its lines: the maps stay as shipped.
  if (!linear.startsWith(`${STRICT}\n`)) return linear;
  const maps = linear.replace(K8S_MAP_QUADRATIC, (_, map: string, value: string) =>
    value === 'i[1]' ? `__ceresDefinedMembers(${map})` : `__ceresDefinedMembers(${map}, (v) => ${value.replace('i[1]', 'v')})`,
  );
  return maps === linear ? linear : `${STRICT} ${K8S_MAP_HELPER}${maps.slice(STRICT.length)}`;
}

/** The module this applies to, by file name (any install location, any path separator). */
const K8S_MODULE = /[\\/]cdk8s-plus-28[\\/]lib[\\/]imports[\\/]k8s\.js$/;

/** Marks the installed hook on Module.prototype (one per process, however often this module loads). */
const HOOK = Symbol.for('ceres.k8s.linear-converters');

type Compile = (this: unknown, content: string, filename: string, ...rest: unknown[]) => unknown;
const proto = Module.prototype as unknown as Record<symbol, { rewritten: number }> & { _compile: Compile };
// CERES_K8S_AS_SHIPPED=1 loads the module as shipped (to compare; the output is the same).
if (!proto[HOOK] && typeof proto._compile === 'function' && process.env.CERES_K8S_AS_SHIPPED !== '1') {
  const state = { rewritten: 0 };
  const original = proto._compile;
  proto._compile = function (this: unknown, content: string, filename: string, ...rest: unknown[]) {
    if (typeof content === 'string' && typeof filename === 'string' && K8S_MODULE.test(filename)) {
      const linear = linearK8sSource(content);
      if (linear !== content) state.rewritten++;
      return original.call(this, linear, filename, ...rest);
    }
    return original.call(this, content, filename, ...rest);
  };
  proto[HOOK] = state;
}

/** How many times this process loaded the k8s module with linear converters (0: as shipped). */
export function linearK8sLoads(): number {
  return proto[HOOK]?.rewritten ?? 0;
}
