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
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import jsyaml from 'js-yaml';
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
// API Priority and Fairness is served as flowcontrol.apiserver.k8s.io/v1 since Kubernetes 1.29 (the
// v1beta3 of the pinned 1.28 definitions is gone in 1.32); its schema is not among the pinned ones.
// The volume snapshot API comes with the cloud (the EKS snapshot-controller add-on, AKS, GKE), not
// with a chart of ours, and its CRD is not among the pinned schemas either.
// The External Secrets Operator's ClusterSecretStore and ExternalSecret (chart external-secrets 2.9.0)
// are not in ../shared/crds yet; they validate against external-secrets helm-chart-2.9.0
// config/crds/bases/external-secrets.io_{clustersecretstores,externalsecrets}.yaml (CRDS_DIR with them
// added): drop these two entries once ../shared/crds has them. The Keycloak operator's Keycloak and
// KeycloakRealmImport (keycloak/keycloak-k8s-resources 26.0.0, kubernetes/keycloaks.k8s.keycloak.org-v1.yml
// and keycloakrealmimports.k8s.keycloak.org-v1.yml) are not there either; with those two files added to
// CRDS_DIR every Keycloak object of dist/ validates (checked 2026-12-03): drop them with the others.
const UNVERIFIED_KINDS = new Set([
  'k8s.keycloak.org/v2alpha1|Keycloak',
  'k8s.keycloak.org/v2alpha1|KeycloakRealmImport',
  'external-secrets.io/v1|ClusterSecretStore',
  'external-secrets.io/v1|ExternalSecret',
  'postgresql.cnpg.io/v1|ScheduledBackup',
  'flowcontrol.apiserver.k8s.io/v1|FlowSchema',
  'flowcontrol.apiserver.k8s.io/v1|PriorityLevelConfiguration',
  'snapshot.storage.k8s.io/v1|VolumeSnapshotClass',
]);
const OBJECT_META = 'k8s#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

const COMBINATORS = new Set(['allOf', 'anyOf', 'oneOf', 'not']);
// The API server parses every Quantity (built-in kinds: a string or a number in the definitions).
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const QUANTITY_PATTERN = '^[+-]?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/**
 * Makes object schemas strict (unknown fields are errors) where Kubernetes would refuse or prune them.
 * Only the structural skeleton is tightened: the branches of allOf/anyOf/oneOf/not are value
 * validations (structural schemas), so an object there may well carry fields the branch does not list.
 */
function tighten(schema, { crd, inCombinator = false }) {
  if (Array.isArray(schema)) return schema.map((s) => tighten(s, { crd, inCombinator }));
  if (!schema || typeof schema !== 'object') return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'properties' || k === 'definitions' || k === 'patternProperties') {
      out[k] = Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, tighten(pv, { crd, inCombinator })]));
    } else if (k === 'enum' || k === 'required' || k === 'default' || k === 'example' || k === 'x-kubernetes-validations') {
      out[k] = v;
    } else {
      out[k] = tighten(v, { crd, inCombinator: inCombinator || COMBINATORS.has(k) });
    }
  }
  if (crd && out['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (crd && out.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    if (out.anyOf) out.anyOf = [...out.anyOf, { type: 'null' }];
  }
  const preserve = out['x-kubernetes-preserve-unknown-fields'] === true;
  if (crd && out['x-kubernetes-embedded-resource'] === true) {
    // An embedded object is a resource of its own: apiVersion, kind and metadata are implicit.
    out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { $ref: OBJECT_META }, ...out.properties };
  }
  if (out.properties && out.additionalProperties === undefined && !preserve && !inCombinator) out.additionalProperties = false;
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
    try {
      // RE2 allows escapes the unicode mode of JavaScript does not (\_, \-, …).
      return new RegExp(src, f.replace('u', ''));
    } catch {
      uncheckedPatterns.add(source);
      return /[\s\S]*/u;
    }
  }
}
goRegExp.code = 'goRegExp';

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp } });

// Built-in kinds.
const k8s = JSON.parse(readFileSync(join(crdsDir, 'k8s-1.28-definitions.json'), 'utf8'));
const k8sDefinitions = tighten(k8s.definitions, { crd: false });
if (k8sDefinitions[QUANTITY]) k8sDefinitions[QUANTITY] = { oneOf: [{ type: 'string', pattern: QUANTITY_PATTERN }, { type: 'number' }] };
ajv.addSchema({ $id: 'k8s', definitions: k8sDefinitions });
const validators = new Map();
for (const [name, def] of Object.entries(k8s.definitions)) {
  for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
    const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
    validators.set(`${apiVersion}|${gvk.kind}`, { ref: `k8s#/definitions/${name}`, source: 'k8s-1.28' });
  }
}

// Custom kinds: every served version of every CRD. The CRD files are parsed the way kubectl (go-yaml)
// does, with js-yaml: some upstream files are not strict YAML 1.2 (see ../shared/crds/SOURCES.md).
for (const file of readdirSync(crdsDir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()) {
  let docs;
  try {
    docs = jsyaml.loadAll(readFileSync(join(crdsDir, file), 'utf8'));
  } catch (e) {
    console.error(`${join(crdsDir, file)}: cannot parse: ${e.message.split('\n')[0]}`);
    process.exit(2);
  }
  for (const crd of docs) {
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

if (!existsSync(dist)) {
  console.error(`no manifests at ${dist}`);
  process.exit(2);
}
const compiled = new Map();
const failures = [];
const noSchema = [];
const noSchemaKinds = new Map();
const counts = new Map();
for (const file of statSync(dist).isDirectory() ? yamlFiles(dist) : [dist]) {
  const rel = relative(process.cwd(), file);
  // dist/<env>/<folder>/<file>.yaml: the folder is what one Argo CD Application syncs.
  const synced = !UNSYNCED.has(basename(dirname(file)));
  parseAllDocuments(readFileSync(file, 'utf8')).forEach((doc, index) => {
    for (const e of doc.errors) failures.push(`${rel}: document ${index + 1}: invalid YAML: ${e.message.split('\n')[0]}`);
    if (doc.errors.length) return;
    const obj = doc.toJS();
    if (obj === null || obj === undefined) return; // an empty document
    if (typeof obj !== 'object' || Array.isArray(obj) || !obj.apiVersion || !obj.kind) {
      // Not a Kubernetes object (e.g. Falco rules): nothing to validate it against.
      noSchema.push(`${rel}: document ${index + 1} (no apiVersion/kind)`);
      noSchemaKinds.set('(not a Kubernetes object)', (noSchemaKinds.get('(not a Kubernetes object)') ?? 0) + 1);
      if (synced) failures.push(`${rel}: document ${index + 1}: not a Kubernetes object (no apiVersion and kind) in a synced folder`);
      return;
    }
    const id = `${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name ?? '(unnamed)'}`;
    const key = `${obj.apiVersion}|${obj.kind}`;
    const entry = validators.get(key);
    if (!entry) {
      noSchema.push(`${rel}: ${id} (${obj.apiVersion})`);
      noSchemaKinds.set(key, (noSchemaKinds.get(key) ?? 0) + 1);
      if (synced && !UNVERIFIED_KINDS.has(key)) failures.push(`${rel}: ${id}: no served schema for ${obj.apiVersion} ${obj.kind}`);
      return;
    }
    let validate = compiled.get(key);
    if (!validate) {
      validate = entry.ref ? ajv.getSchema(entry.ref) : ajv.compile(entry.schema);
      compiled.set(key, validate);
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (!validate(obj)) {
      // One line per problem: the errors of a oneOf/anyOf's branches at the same path go into its line.
      const branches = new Set();
      const combined = new Map();
      for (const e of validate.errors.filter((x) => x.keyword === 'oneOf' || x.keyword === 'anyOf')) {
        const inner = validate.errors.filter((x) => x !== e && x.instancePath === e.instancePath && x.schemaPath.startsWith(`${e.schemaPath}/`));
        inner.forEach((x) => branches.add(x));
        combined.set(e, inner.map((x) => x.message).join('; '));
      }
      for (const e of validate.errors) {
        if (branches.has(e)) continue;
        const extra =
          e.keyword === 'additionalProperties' ? `: unknown field "${e.params.additionalProperty}"` : combined.get(e) ? ` (${combined.get(e)})` : '';
        failures.push(`${rel}: ${id}: ${e.instancePath || '/'}: ${e.message}${extra}`);
      }
    }
  });
}

console.log('Objects checked, by kind:');
for (const [key, n] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) console.log(`  ${String(n).padStart(5)}  ${key.replace('|', ' ')}`);
if (noSchema.length) {
  console.log('Kinds without a schema:');
  for (const [key, n] of [...noSchemaKinds].sort(([a], [b]) => (a < b ? -1 : 1))) console.log(`  ${String(n).padStart(5)}  ${key.replace('|', ' ')}`);
  console.log(
    `Objects without a schema (${noSchema.length}; allowed only outside synced folders and for ${[...UNVERIFIED_KINDS].map((k) => k.replace('|', ' ')).join(', ')}):`,
  );
  for (const n of noSchema) console.log(`  ${n}`);
}
if (uncheckedPatterns.size) console.log(`Patterns JavaScript cannot compile, not checked: ${[...uncheckedPatterns].join(', ')}`);
const problems = [...new Set(failures)];
if (problems.length) {
  console.error(`\n${problems.length} schema violation${problems.length === 1 ? '' : 's'}:`);
  for (const f of problems) console.error(`  - ${f}`);
  process.exit(1);
}
console.log(`\nall ${[...counts.values()].reduce((a, b) => a + b, 0)} objects match their upstream schemas`);
