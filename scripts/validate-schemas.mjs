#!/usr/bin/env node
// Validates every Kubernetes object in dist/ against the upstream schema of its kind: the
// Kubernetes 1.28 API definitions for built-in kinds, the CRDs for custom kinds. A developer and CI
// tool (`npm run validate`): it reads the schemas from ../shared/crds (or $CRDS_DIR), which users of
// the project do not have, so nothing at synth or test time depends on it.
//
// Semantics follow the API server with kubectl's default strict field validation: unknown fields are
// errors, except below `x-kubernetes-preserve-unknown-fields`; `x-kubernetes-int-or-string` accepts
// both; `nullable` accepts null; only served CRD versions exist.
//
//   node scripts/validate-schemas.mjs [dist-dir]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { parseAllDocuments } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const crdsDir = resolve(root, process.env.CRDS_DIR ?? '../shared/crds');
const dist = resolve(root, process.argv[2] ?? 'dist');
if (!existsSync(crdsDir)) {
  console.error(`no schemas at ${crdsDir}: set CRDS_DIR to the folder holding k8s-1.28-definitions.json and the CRDs`);
  process.exit(2);
}

// Folders no Argo CD Application syncs: material for people and other tools (an audit policy for an
// edge API server, istioctl input, reports). Objects there without a schema are listed, not failed.
const UNSYNCED = new Set(['edge', 'istioctl', 'reports', 'bootstrap']);
// Kinds the platform renders whose CRD is not among the pinned schemas: listed as unverified, not
// failed. CloudNativePG's ScheduledBackup (base backups of tenant databases) ships in the operator's
// chart but not in ../shared/crds, so no typed import exists either; keep this list short.
const UNVERIFIED_KINDS = new Set(['postgresql.cnpg.io/v1|ScheduledBackup']);
const OBJECT_META = 'k8s#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** Makes object schemas strict (unknown fields are errors) where Kubernetes would refuse or prune them. */
function tighten(schema, { crd }) {
  if (Array.isArray(schema)) return schema.map((s) => tighten(s, { crd }));
  if (!schema || typeof schema !== 'object') return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'properties' || k === 'definitions' || k === 'patternProperties') {
      out[k] = Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, tighten(pv, { crd })]));
    } else if (k === 'enum' || k === 'required' || k === 'default' || k === 'example') {
      out[k] = v;
    } else {
      out[k] = tighten(v, { crd });
    }
  }
  if (crd && out['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (crd && out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  const preserve = out['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = out['x-kubernetes-embedded-resource'] === true;
  if (out.properties && out.additionalProperties === undefined && !preserve && !embedded) out.additionalProperties = false;
  return out;
}

// CRD patterns are Go RE2: translate the inline case-insensitive flag; a pattern JavaScript cannot
// compile is not checked (and reported) rather than failing the whole run.
const uncheckedPatterns = new Set();
function goRegExp(source, flags) {
  let src = source;
  let f = flags;
  const inline = /^(\^?)\(\?i\)/.exec(src);
  if (inline) {
    src = inline[1] + src.slice(inline[0].length);
    f += 'i';
  }
  try {
    return new RegExp(src, f);
  } catch {
    uncheckedPatterns.add(source);
    return /[\s\S]*/u;
  }
}
goRegExp.code = 'goRegExp';

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp } });

// Built-in kinds.
const k8s = JSON.parse(readFileSync(join(crdsDir, 'k8s-1.28-definitions.json'), 'utf8'));
ajv.addSchema({ $id: 'k8s', definitions: tighten(k8s.definitions, { crd: false }) });
const validators = new Map();
for (const [name, def] of Object.entries(k8s.definitions)) {
  for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
    const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
    validators.set(`${apiVersion}|${gvk.kind}`, { ref: `k8s#/definitions/${name}`, source: 'k8s-1.28' });
  }
}

// Custom kinds: every served version of every CRD.
for (const file of readdirSync(crdsDir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
  for (const doc of parseAllDocuments(readFileSync(join(crdsDir, file), 'utf8'))) {
    const crd = doc.toJS();
    if (crd?.kind !== 'CustomResourceDefinition') continue;
    for (const v of crd.spec.versions ?? []) {
      if (v.served === false || !v.schema?.openAPIV3Schema) continue;
      const schema = tighten(v.schema.openAPIV3Schema, { crd: true });
      // ObjectMeta is validated by the API server itself, as strictly as for built-in kinds.
      schema.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, ...schema.properties, metadata: { $ref: OBJECT_META } };
      validators.set(`${crd.spec.group}/${v.name}|${crd.spec.names.kind}`, { schema, source: file });
    }
  }
}

function yamlFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(e)) out.push(p);
  }
  return out;
}

const compiled = new Map();
const failures = [];
const noSchema = [];
const counts = new Map();
for (const file of yamlFiles(dist)) {
  const rel = relative(root, file);
  const folder = relative(dist, file).split('/')[1];
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const obj = doc.toJS();
    if (!obj || typeof obj !== 'object' || !obj.apiVersion || !obj.kind) continue;
    const id = `${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name ?? '(unnamed)'}`;
    const key = `${obj.apiVersion}|${obj.kind}`;
    const entry = validators.get(key);
    if (!entry) {
      noSchema.push(`${rel}: ${id} (${obj.apiVersion})`);
      if (!UNSYNCED.has(folder) && !UNVERIFIED_KINDS.has(key)) failures.push(`${rel}: ${id}: no served schema for ${obj.apiVersion} ${obj.kind}`);
      continue;
    }
    let validate = compiled.get(key);
    if (!validate) {
      validate = entry.ref ? ajv.getSchema(entry.ref) : ajv.compile(entry.schema);
      compiled.set(key, validate);
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (!validate(obj)) {
      for (const e of validate.errors) {
        const extra = e.keyword === 'additionalProperties' ? `: unknown field "${e.params.additionalProperty}"` : '';
        failures.push(`${rel}: ${id}: ${e.instancePath || '/'}: ${e.message}${extra}`);
      }
    }
  }
}

console.log('Objects checked, by kind:');
for (const [key, n] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) console.log(`  ${String(n).padStart(5)}  ${key.replace('|', ' ')}`);
if (noSchema.length) {
  console.log(`Without a schema (${noSchema.length}; allowed only outside synced folders and for ${[...UNVERIFIED_KINDS].map((k) => k.replace('|', ' ')).join(', ')}):`);
  for (const n of noSchema) console.log(`  ${n}`);
}
if (uncheckedPatterns.size) console.log(`Patterns JavaScript cannot compile, not checked: ${[...uncheckedPatterns].join(', ')}`);
if (failures.length) {
  console.error(`\n${failures.length} schema violation${failures.length === 1 ? '' : 's'}:`);
  for (const f of [...new Set(failures)]) console.error(`  - ${f}`);
  process.exit(1);
}
console.log(`\nall ${[...counts.values()].reduce((a, b) => a + b, 0)} objects match their upstream schemas`);
