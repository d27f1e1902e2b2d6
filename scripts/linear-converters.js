'use strict';
// Post-processing of the code `cdk8s import` generates (scripts/import-crds.mjs): each generated
// `toJson_*` converter ends by dropping the undefined members of the object it built, as
//
//   return Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {});
//
// which copies the growing result once per member (quadratic in the members, and garbage for each).
// It becomes one loop that copies each defined member once, in the same order (`for…in` and
// `Object.entries` list an object literal's own keys alike; test/imports.test.ts compares the two).
// Measured in CPU profiles of a 300-tenant synth (two runs each): the imported kinds' converters
// 0.50–0.54 s → 0.21–0.25 s, garbage collection 1.25–1.29 s → 1.07–1.15 s, of 9–10 s; the output is
// byte-identical. cdk8s-plus-28's k8s.js (the Kubernetes kinds) has the same copy, about as costly;
// it is a dependency's file and stays as shipped on disk (lib/core/k8s-linear.ts rewrites it as it
// loads). The map members' copies (MAP_QUADRATIC below) were linearized in both later: a 300-tenant
// render 3.23-3.37 s -> 3.18-3.19 s (three alternating runs each), same bytes.

/** The generated line, exactly as cdk8s-cli writes it (two spaces of indentation). */
const QUADRATIC = '  return Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {});';

/** What replaces it. */
const LINEAR = [
  '  const out: { [key: string]: any } = {};',
  '  for (const key in result) {',
  '    const value = (result as { [key: string]: any })[key];',
  '    if (value !== undefined) out[key] = value;',
  '  }',
  '  return out;',
].join('\n');

/**
 * Each member typed as a map (labels, annotations, selectors, quota amounts, headers) is copied the
 * same way, its values as they are or converted:
 *
 *   Object.entries(obj.labels).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {})
 *
 * (values `i[1]`, `i[1]?.value`, `i[1]?.map(y => y)`, `i[1]?.map(y => toJson_<Type>(y))` or `toJson_<Type>(i[1])`; the map `obj.<member>`,
 * or `i[1]` for a map inside a map). Each becomes a call of {@link MAP_HELPER}, which copies each member
 * once, in the same order, keeping a member whose value converts to undefined as the spread does, and a
 * member named `__proto__` as an own member. A map converted otherwise stays as generated.
 */
const MAP_QUADRATIC =
  /Object\.entries\((obj\.[A-Za-z0-9_$]+|i\[1\])\)\.reduce\(\(r, i\) => \(i\[1\] === undefined\) \? r : \(\{ \.\.\.r, \[i\[0\]\]: (i\[1\]|i\[1\]\?\.value|i\[1\]\?\.map\(y => y\)|i\[1\]\?\.map\(y => toJson_[A-Za-z0-9_$]+\(y\)\)|toJson_[A-Za-z0-9_$]+\(i\[1\]\)) \}\), \{\}\)/g;

/**
 * Each kind's constructor, `manifest` and `toJson` start their object literal with the kind's GVK
 * spread, one member per line (`      ...Cluster.GVK,`), and V8 builds a literal with two spreads
 * through its slowest path. The line becomes the same two members named, in the same order
 * (`apiVersion: Cluster.GVK.apiVersion, kind: Cluster.GVK.kind,`): the same object when a GVK's own
 * members are exactly `apiVersion` then `kind`, as every generated kind's is (test/imports.test.ts).
 * The same rewrite as lib/core/k8s-linear.ts makes in cdk8s-plus-28's kinds (tested equal): a
 * 300-tenant render 2.90 s -> 2.65-2.70 s, same bytes.
 */
const GVK_SPREAD = /^( +)\.\.\.([A-Za-z_$][A-Za-z0-9_$]*)\.GVK,$/gm;
/** What replaces a {@link GVK_SPREAD} line. */
const GVK_MEMBERS = '$1apiVersion: $2.GVK.apiVersion, kind: $2.GVK.kind,';

/** The helper's name in a generated module. */
const MAP_HELPER = 'definedMembers';

/** The helper, appended to a module that calls it. */
const MAP_HELPER_SOURCE = [
  '',
  "/** A map's defined members, each through `convert` when given (scripts/linear-converters.js). */",
  `function ${MAP_HELPER}<T>(map: { [key: string]: T }, convert?: (value: T) => any): { [key: string]: any } {`,
  '  const out: { [key: string]: any } = {};',
  '  for (const key of Object.keys(map)) {',
  '    const value = map[key];',
  '    if (value === undefined) continue;',
  '    const converted = convert === undefined ? value : convert(value);',
  "    if (key === '__proto__') Object.defineProperty(out, key, { value: converted, enumerable: true, writable: true, configurable: true });",
  '    else out[key] = converted;',
  '  }',
  '  return out;',
  '}',
  '',
].join('\n');

/** `text` with each map copy {@link MAP_QUADRATIC} matches made a call of `helper`. */
function linearMaps(text, helper) {
  return text.replace(MAP_QUADRATIC, (_, map, value) => (value === 'i[1]' ? `${helper}(${map})` : `${helper}(${map}, (v) => ${value.replace('i[1]', 'v')})`));
}

/** `text` (a generated module) with every converter's final copy and map copies made linear, and its GVK spreads named. */
function linearConverters(text) {
  const linear = linearMaps(text.split(QUADRATIC).join(LINEAR), MAP_HELPER).replace(GVK_SPREAD, GVK_MEMBERS);
  return linear === text || !linear.includes(`${MAP_HELPER}(`) || linear.includes(`function ${MAP_HELPER}<T>`) ? linear : linear + MAP_HELPER_SOURCE;
}

module.exports = { QUADRATIC, LINEAR, MAP_QUADRATIC, MAP_HELPER_SOURCE, GVK_SPREAD, GVK_MEMBERS, linearMaps, linearConverters };
