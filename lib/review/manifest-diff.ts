import { parseAllDocuments } from 'yaml';
import { ArgoAnnotations, CASCADE_FINALIZER } from '../core/argocd';
import { KubeManifest } from '../core/checks';
import { detached } from '../core/collections';
import { toYamlDocument } from '../core/yaml';
import { lineDiff } from './line-diff';
import { TerraformObject, terraformChangeRisk, terraformObjects, terraformRemovalRisk } from './terraform-diff';

/** Identity of a rendered object across two versions of dist/. */
export interface ObjectId {
  /** The environment (`prod`), or `terraform/<stack>` for Terraform resources. */
  readonly environment: string;
  /** API group ('' for core); `terraform` for Terraform resources. */
  readonly group: string;
  /** Kubernetes kind, or Terraform resource type. */
  readonly kind: string;
  /** Namespace of the object; '' for cluster-scoped objects and Terraform resources. */
  readonly namespace: string;
  /** Object name, or the Terraform resource name. */
  readonly name: string;
}

interface IndexedObject {
  readonly id: ObjectId;
  readonly file: string;
  /** The Kubernetes manifest; undefined for Terraform objects. */
  readonly manifest?: KubeManifest;
  /** The Terraform object; undefined for manifests. */
  readonly terraform?: ReturnType<typeof terraformObjects>[number];
  readonly text: string;
}

export type ChangeType = 'added' | 'removed' | 'changed';

export interface ObjectChange {
  /** Whether the object was added, removed or changed. */
  readonly type: ChangeType;
  /** Which object. */
  readonly id: ObjectId;
  /** File (relative to dist/) in the new version, or the old one for removals. */
  readonly file: string;
  /** Line diff of the object's YAML (changed objects only). */
  readonly diff: readonly string[];
  /** Why applying this loses data or protection; undefined when it does not. */
  readonly destructive?: string;
}

export interface DistDiff {
  /** Every added, removed or changed object, by environment, then type, then identity. */
  readonly changes: readonly ObjectChange[];
  /** The changes that lose data or protection (those with `destructive` set). */
  readonly destructive: readonly ObjectChange[];
  /** Files that are neither manifests nor Terraform stacks (reports, READMEs), compared as a whole. */
  readonly files: { readonly added: readonly string[]; readonly removed: readonly string[]; readonly changed: readonly string[] };
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

export function objectKey(id: ObjectId): string {
  // Joined, not concatenated: `join` makes one flat string, where V8 keeps a concatenation as a tree
  // of its parts, and a name read from a file's lines is a slice that keeps the whole file's text
  // alive (a review keys some 200,000 objects).
  return [id.environment, id.group, id.kind, id.namespace, id.name].join('|');
}

/**
 * The object as synth and diff print it, and as `approved-deletions.yaml` names it:
 * `prod:Namespace/tenant-a`, `prod@ceres-prod-aws:Application.argoproj.io/argocd/prod-core` (a
 * cluster's own folders), `terraform/prod-aws:aws_s3_bucket.backups_bucket_5DB31D01`.
 */
export function objectRef(id: ObjectId): string {
  if (isTerraformScope(id.environment)) return `${id.environment}:${id.name ? `${id.kind}.${id.name}` : id.kind}`;
  const kind = id.group ? `${id.kind}.${id.group}` : id.kind;
  return `${id.environment}:${kind}/${id.namespace ? `${id.namespace}/` : ''}${id.name}`;
}

/** Same as {@link objectRef}. */
export const describeId = objectRef;

const isTerraformScope = (environment: string) => environment.startsWith('terraform/');

/**
 * Whether a dist path holds Kubernetes manifests: `<env>/<folder>/<file>.yaml` (environment-wide) or
 * `<env>/clusters/<cluster>/<folder>/<file>.yaml` (one cluster's own folders), not Terraform.
 */
export function isManifestPath(path: string): boolean {
  const parts = path.split('/');
  if (parts[0] === 'terraform' || !path.endsWith('.yaml')) return false;
  return parts.length === 3 || (parts.length === 5 && parts[1] === CLUSTERS);
}

const CLUSTERS = 'clusters';

/**
 * The scope objects of a manifest path are identified in: the environment for environment-wide
 * folders (`prod`), `<env>@<cluster>` for a cluster's own folders (`prod@ceres-prod-aws`), where
 * the same Application name exists once per cluster.
 */
export function scopeOf(path: string): string {
  const parts = path.split('/');
  return parts[1] === CLUSTERS && parts.length >= 4 ? `${parts[0]}@${parts[2]}` : parts[0];
}

/** Whether a dist path is a Terraform stack (`terraform/<stack>/cdk.tf.json`). */
export function isStackPath(path: string): boolean {
  return /^terraform\/[^/]+\/[^/]+\.tf\.json$/.test(path);
}

/** The review area of a dist path: `<env>/<folder>`, `<env>/clusters/<cluster>/<folder>`, or `terraform/<stack>`. */
export function areaOf(path: string): string {
  const parts = path.split('/');
  return parts.slice(0, parts[1] === CLUSTERS && parts.length >= 5 ? 4 : 2).join('/');
}

/**
 * The documents of a manifest stream, each ending with a newline: the stream split at its lines that
 * are exactly `---` (in a block scalar a line at column 0 would end the scalar, so such a line always
 * separates documents). Undefined when the stream has directives, `...` markers or anything on a
 * `---` line (a tag, content, a carriage return), which is then parsed whole.
 */
function splitDocuments(content: string): string[] | undefined {
  if (/^(?:%|\.\.\.|---[ \t]*[^ \t\n])/m.test(content)) return undefined;
  return content
    .split(/^---[ \t]*(?:\n|$)/m)
    .filter((d) => d !== '')
    .map((d) => (d.endsWith('\n') ? d : `${d}\n`));
}

/**
 * Two versions of a manifest file without the documents they have in common (the same text, counted
 * as often as it occurs): objects whose text did not change in the same file are no change, so only
 * the rest needs parsing. Undefined when either is not split ({@link splitDocuments}).
 */
export function withoutCommonDocuments(before: string, after: string): [string, string] | undefined {
  const b = splitDocuments(before);
  const a = splitDocuments(after);
  if (!b || !a) return undefined;
  const counts = new Map<string, number>();
  for (const d of b) counts.set(d, (counts.get(d) ?? 0) + 1);
  const restAfter: string[] = [];
  for (const d of a) {
    const n = counts.get(d) ?? 0;
    if (n > 0) counts.set(d, n - 1);
    else restAfter.push(d);
  }
  const restBefore: string[] = [];
  for (const d of b) {
    const n = counts.get(d) ?? 0;
    if (n > 0) {
      restBefore.push(d);
      counts.set(d, n - 1);
    }
  }
  return [restBefore.join('---\n'), restAfter.join('---\n')];
}

/** The identity fields of a manifest document, as {@link scanIdentity} reads them. */
export interface ManifestHead {
  /** `apiVersion` (`v1`, `argoproj.io/v1alpha1`). */
  readonly apiVersion: string;
  /** `kind`. */
  readonly kind: string;
  /** `metadata.name`; '' when absent. */
  readonly name: string;
  /** `metadata.namespace`; '' when absent (cluster-scoped). */
  readonly namespace: string;
}

/** A plain scalar that reads as the same string in YAML 1.1 and 1.2 (no boolean, null, number or timestamp, no quoting). */
const SAFE_PLAIN = /^[A-Za-z][A-Za-z0-9._/-]*$/;
const NOT_A_STRING = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;
const safePlain = (v: string) => SAFE_PLAIN.test(v) && !NOT_A_STRING.test(v);
/** A top-level line: a simple key, then nothing or a value ({@link TOP_VALUE} says which values). */
const TOP_LINE = /^([A-Za-z_][A-Za-z0-9_]*):(?:$| (.*)$)/;
/**
 * What a top-level value may be for the document to be read by lines: nothing (a block follows), a
 * block scalar's header, an empty flow collection, a quoted scalar closed on its line, or a plain
 * scalar (whose continuation lines, if any, are indented).
 */
const TOP_VALUE = /^(?:|[|>][-+0-9]*|\{\}|\[\]|"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[A-Za-z0-9./_-].*)$/;
const METADATA_LINE = /^ {2}([A-Za-z][A-Za-z0-9]*):(?:$| (.*)$)/;

/**
 * Two versions of a Terraform stack without the resources and data sources they have in common (the
 * same type and name, the same value: {@link sameJson}), and without the settings (every other
 * section) when those are the same: what is left is what the review compares, with the same result
 * (an object only on one side, or changed, is kept on both). Undefined when either is not a JSON object.
 */
export function withoutCommonResources(before: string, after: string): [string, string] | undefined {
  let b: unknown;
  let a: unknown;
  try {
    b = JSON.parse(before);
    a = JSON.parse(after);
  } catch {
    return undefined;
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(b) || !isObject(a)) return undefined;
  const split = (doc: Record<string, unknown>) => {
    const settings: Record<string, unknown> = {};
    const objects: Record<string, Record<string, Record<string, unknown>>> = {};
    for (const [section, body] of Object.entries(doc)) {
      if ((section === 'resource' || section === 'data') && body && typeof body === 'object')
        objects[section] = body as Record<string, Record<string, unknown>>;
      else settings[section] = body;
    }
    return { settings, objects };
  };
  const x = split(b);
  const y = split(a);
  for (const section of ['resource', 'data']) {
    const bs = x.objects[section];
    const as = y.objects[section];
    if (!bs || !as) continue;
    for (const type of Object.keys(bs)) {
      const bt = bs[type];
      const at = as[type];
      if (!bt || !at || typeof bt !== 'object' || typeof at !== 'object') continue;
      for (const name of Object.keys(bt)) {
        if (Object.prototype.hasOwnProperty.call(at, name) && sameJson(bt[name], at[name])) {
          delete bt[name];
          delete at[name];
        }
      }
    }
  }
  const sameSettings = sameJson(x.settings, y.settings);
  const join = (side: ReturnType<typeof split>) => JSON.stringify({ ...(sameSettings ? {} : side.settings), ...side.objects });
  return [join(x), join(y)];
}

/**
 * What the review compares of two versions of a file: a manifest file without the documents both
 * have, a stack without the resources both have ({@link withoutCommonDocuments},
 * {@link withoutCommonResources}); undefined for other files, or when a version cannot be split (then
 * the whole texts). The same review as of the whole texts.
 */
export function withoutCommonParts(path: string, before: string, after: string): [string, string] | undefined {
  if (isManifestPath(path)) return withoutCommonDocuments(before, after);
  if (isStackPath(path)) return withoutCommonResources(before, after);
  return undefined;
}

/**
 * A manifest document's apiVersion, kind, metadata.name and metadata.namespace read from its lines
 * without parsing it, when the document is in the plain block form synth writes (every line at the
 * top level a simple `key:` or `key: value`, `metadata:` a block mapping, the four values plain
 * scalars that are strings in YAML 1.1 and 1.2, none of them twice); undefined for anything else,
 * which is then parsed. Reviewing a synth reads every object's identity, and most objects only that
 * (an added object is listed, not compared): parsing all of them was most of a synth at 1000 tenants.
 */
export function scanIdentity(doc: string): ManifestHead | undefined {
  // Line breaks other than \n (some readers break lines at them) are left to the parser.
  if (/[\r\u0085\u2028\u2029]/.test(doc)) return undefined;
  const found: Record<string, string> = {};
  const take = (key: string, value: string | undefined): boolean => {
    if (value === undefined || !safePlain(value) || key in found) return false;
    found[key] = value;
    return true;
  };
  let inMetadata = false;
  let sawMetadata = false;
  let metadataKeys = false;
  let start = 0;
  while (start < doc.length) {
    let end = doc.indexOf('\n', start);
    if (end < 0) end = doc.length;
    const line = doc.slice(start, end);
    start = end + 1;
    if (line === '') continue;
    const c = line.charCodeAt(0);
    if (c === 0x20 /* space */) {
      if (!inMetadata) continue;
      const notTwo = line.charCodeAt(1) !== 0x20 || line.charCodeAt(2) === 0x20;
      // metadata's keys are indented by two (its first line says; deeper lines are its values').
      if (notTwo && !metadataKeys) return undefined;
      metadataKeys = true;
      if (notTwo) continue;
      const m = METADATA_LINE.exec(line);
      if (!m) return undefined;
      if ((m[1] === 'name' || m[1] === 'namespace') && !take(m[1], m[2])) return undefined;
      continue;
    }
    if (c === 0x23 /* # */) continue;
    inMetadata = false;
    const m = TOP_LINE.exec(line);
    if (!m) return undefined;
    const [, key, value] = m;
    if (value !== undefined && !TOP_VALUE.test(value)) return undefined;
    if (key === 'apiVersion' || key === 'kind') {
      if (!take(key, value)) return undefined;
    } else if (key === 'metadata') {
      if (sawMetadata || (value !== undefined && value !== '')) return undefined;
      sawMetadata = inMetadata = true;
    }
  }
  if (!found.apiVersion || !found.kind) return undefined;
  return { apiVersion: found.apiVersion, kind: found.kind, name: found.name ?? '', namespace: found.namespace ?? '' };
}

/**
 * A manifest of a dist tree: its identity read without parsing when it can be, the rest parsed on
 * first use. The text a change is shown and compared in is the document as written when it is in
 * synth's plain form (what the emitter writes for the parsed object too), else the parsed object
 * written again.
 */
class IndexedManifest implements IndexedObject {
  private parsed?: KubeManifest;
  /** Whether the identity was read from the lines (the document is in synth's plain form). */
  private readonly scanned: boolean;
  constructor(
    public readonly id: ObjectId,
    public readonly file: string,
    private readonly source: string,
    parsed?: KubeManifest,
  ) {
    this.parsed = parsed;
    this.scanned = parsed === undefined;
  }
  get manifest(): KubeManifest {
    return (this.parsed ??= parseAllDocuments(this.source, { version: '1.1' })[0].toJS() as KubeManifest);
  }
  private formatted?: string;
  get text(): string {
    return (this.formatted ??= this.scanned ? this.source : toYamlDocument(this.manifest));
  }
  /**
   * Whether {@link changeRisk} can find something in a change from this object (the old one): it is
   * an Application, it was parsed, or its text names a Prune=false or Delete=false sync option or has
   * an escape (a double-quoted `\x3d` may spell one). Otherwise the change is not parsed at all: at
   * 1000 tenants a display name changes the platform realm, one document of 5 MB per environment.
   */
  mayLoseProtection(): boolean {
    if (this.id.group === 'argoproj.io' || !this.scanned) return true;
    return this.source.includes('\\') || this.source.includes('Prune=false') || this.source.includes('Delete=false');
  }
}

/**
 * A Terraform resource of a stack: its text (the value as indented JSON) made when asked for. At a
 * thousand tenants a stack change is some 45,000 resources on each side, nearly all unchanged, and
 * compared by value ({@link sameObject}).
 */
class IndexedResource implements IndexedObject {
  constructor(
    readonly id: ObjectId,
    readonly file: string,
    readonly terraform: TerraformObject,
  ) {}
  private formatted?: string;
  get text(): string {
    return (this.formatted ??= `${JSON.stringify(this.terraform.value, null, 2)}\n`);
  }
}

/**
 * Whether two values parsed from JSON print as the same JSON: the same members in the same order, the
 * same scalars (`===`, as `0` and `-0` print alike; JSON has no NaN).
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const y = b as unknown[];
    if (a.length !== y.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], y[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  if (kx.length !== ky.length) return false;
  for (let i = 0; i < kx.length; i++) if (kx[i] !== ky[i] || !sameJson(x[kx[i]], y[kx[i]])) return false;
  return true;
}

/** Whether an object's content is the same on both sides: Terraform resources by value, manifests by text. */
function sameObject(before: IndexedObject, after: IndexedObject): boolean {
  if (before.terraform && after.terraform) return sameJson(before.terraform.value, after.terraform.value);
  return before.text === after.text;
}

/**
 * An object only listed (`indexObjects`' `listOnly`): an added object is named in the review, never
 * shown or compared, so nothing of its file is kept.
 */
class ListedObject implements IndexedObject {
  readonly id: ObjectId;
  constructor(
    id: ObjectId,
    readonly file: string,
  ) {
    // Copies: a name read from the file's lines is a slice, which keeps the whole file's text alive.
    this.id = {
      environment: detached(id.environment),
      group: detached(id.group),
      kind: detached(id.kind),
      namespace: detached(id.namespace),
      name: detached(id.name),
    };
  }
  get text(): string {
    throw new Error(`${objectRef(this.id)} was only listed: its text was not kept`);
  }
}

/** Adds the objects of a parsed stream (or document) to `out`. */
function addParsed(out: Map<string, IndexedObject>, environment: string, file: string, source: string, listOnly?: (key: string) => boolean): void {
  for (const doc of parseAllDocuments(source, { version: '1.1' })) {
    const manifest = doc.toJS() as KubeManifest | null;
    if (!manifest || typeof manifest !== 'object' || !manifest.kind || !manifest.apiVersion) continue;
    const id: ObjectId = {
      environment,
      group: groupOf(manifest.apiVersion),
      kind: manifest.kind,
      namespace: manifest.metadata?.namespace ?? '',
      name: manifest.metadata?.name ?? '',
    };
    const key = objectKey(id);
    out.set(key, listOnly?.(key) ? new ListedObject(id, file) : new IndexedManifest(id, file, source, manifest));
  }
}

/**
 * Every object of a dist tree by key: manifests and Terraform resources. Linear in the size of the
 * tree. A manifest in the form synth writes is identified from its lines ({@link scanIdentity}) and
 * parsed only when its content is asked for (a changed or removed object); any other is parsed here.
 * Only the files `only` names are read (each once, when `files` reads lazily); an object whose key
 * `listOnly` takes is only listed (its id and file: nothing of its text is kept).
 */
export function indexObjects(files: Tree, only?: ReadonlySet<string>, listOnly?: (key: string) => boolean): Map<string, IndexedObject> {
  const out = new Map<string, IndexedObject>();
  for (const file of files.keys()) {
    if (only && !only.has(file)) continue;
    const content = files.get(file)!;
    if (isStackPath(file)) {
      const environment = areaOf(file);
      for (const t of terraformObjects(content)) {
        const id: ObjectId = { environment, group: 'terraform', kind: t.type, namespace: '', name: t.name };
        const key = objectKey(id);
        out.set(key, listOnly?.(key) ? new ListedObject(id, file) : new IndexedResource(id, file, t));
      }
      continue;
    }
    if (!isManifestPath(file)) continue;
    const environment = scopeOf(file);
    const docs = splitDocuments(content);
    if (!docs) {
      addParsed(out, environment, file, content, listOnly);
      continue;
    }
    for (const doc of docs) {
      const head = scanIdentity(doc);
      if (!head) {
        addParsed(out, environment, file, doc, listOnly);
        continue;
      }
      const id: ObjectId = { environment, group: groupOf(head.apiVersion), kind: head.kind, namespace: head.namespace, name: head.name };
      const key = objectKey(id);
      out.set(key, listOnly?.(key) ? new ListedObject(id, file) : new IndexedManifest(id, file, doc));
    }
  }
  return out;
}

/**
 * What {@link indexObjects} and {@link diffDist} read of a tree (path → text): its paths, and a text
 * when asked for. A map whose texts are read on `get` (apps/synth's staged tree) is read only for the
 * paths that differ, each when it is indexed.
 */
export type Tree = Pick<ReadonlyMap<string, string>, 'keys' | 'get' | 'has'>;

/** `base` with the texts `over` has instead (same paths, same order). */
function overlaid(base: Tree, over: ReadonlyMap<string, string>): Tree {
  return { keys: () => base.keys(), get: (p) => over.get(p) ?? base.get(p), has: (p) => base.has(p) };
}

function syncOptions(m: KubeManifest): string[] {
  return (m.metadata?.annotations?.[ArgoAnnotations.syncOptions] ?? '').split(',').map((s) => s.trim());
}

/** An Application that holds data: it never prunes, or it is itself protected from deletion. */
function isStatefulApplication(m: KubeManifest): boolean {
  return syncOptions(m).includes('Delete=false') || m.spec?.syncPolicy?.automated?.prune === false;
}

/** Whether deleting this Application deletes what it manages (Argo CD's cascading finalizer). */
function cascades(m: unknown): boolean {
  const finalizers = (m as { metadata?: { finalizers?: unknown } } | undefined)?.metadata?.finalizers;
  return (Array.isArray(finalizers) ? (finalizers as string[]) : []).some((f) => f === CASCADE_FINALIZER || f.startsWith(`${CASCADE_FINALIZER}/`));
}

/** Why removing this object loses data, or undefined. */
export function removalRisk(m: KubeManifest): string | undefined {
  const group = groupOf(m.apiVersion);
  if (group === '' && m.kind === 'Namespace') return 'removing a namespace deletes everything in it';
  if (group === '' && m.kind === 'PersistentVolumeClaim') return 'removing a PersistentVolumeClaim can delete its volume';
  if (group === '' && m.kind === 'PersistentVolume') return 'removing a PersistentVolume can delete its data';
  if (group === 'postgresql.cnpg.io' && m.kind === 'Cluster') return 'removing a CloudNativePG Cluster deletes the database';
  if (group === 'apiextensions.k8s.io' && m.kind === 'CustomResourceDefinition') return 'removing a CRD deletes every object of that kind';
  if (group === 'apps' && m.kind === 'StatefulSet' && (m.spec?.volumeClaimTemplates?.length ?? 0) > 0)
    return 'removing a StatefulSet orphans or loses its volumes';
  if (group === 'argoproj.io' && m.kind === 'Application' && isStatefulApplication(m)) return 'removing a stateful Application (its folder holds data)';
  if (group === 'argoproj.io' && m.kind === 'Application' && cascades(m)) {
    return 'deleting the Application deletes everything it deployed (resources-finalizer): an operator add-on takes its CRDs and their objects with it';
  }
  if (group === 'argoproj.io' && m.kind === 'ApplicationSet' && m.spec?.syncPolicy?.preserveResourcesOnDeletion !== true) {
    return `deleting the ApplicationSet deletes the Applications it generated${cascades(m.spec?.template) ? ' and, through their resources-finalizer, everything they deployed' : ''}`;
  }
  return undefined;
}

/** Why a change weakens data protection (a stateful Application that starts pruning), or undefined. */
export function changeRisk(before: KubeManifest, after: KubeManifest): string | undefined {
  if (groupOf(after.apiVersion) === 'argoproj.io' && after.kind === 'Application' && isStatefulApplication(before) && !isStatefulApplication(after)) {
    return 'the Application stops protecting stateful objects (prune or deletion re-enabled)';
  }
  const lost = ['Prune=false', 'Delete=false'].filter((o) => syncOptions(before).includes(o) && !syncOptions(after).includes(o));
  if (lost.length && removalRisk(before)) return `the object loses its ${lost.join(', ')} protection`;
  return undefined;
}

function removalRiskOf(o: IndexedObject): string | undefined {
  return o.terraform ? terraformRemovalRisk(o.terraform) : removalRisk(o.manifest!);
}

function changeRiskOf(before: IndexedObject, after: IndexedObject): string | undefined {
  if (before.terraform && after.terraform) return terraformChangeRisk(before.terraform, after.terraform);
  // changeRisk looks at the old object's sync options, and at Applications (the same kind on both sides).
  if (before instanceof IndexedManifest && !before.mayLoseProtection()) return undefined;
  if (before.manifest && after.manifest) return changeRisk(before.manifest, after.manifest);
  return undefined;
}

const TYPE_ORDER: Record<ChangeType, number> = { removed: 0, changed: 1, added: 2 };

/**
 * What replacing `current` (a version of dist/) with `next` (a fresh synth) does, object by object:
 * added, removed and changed objects keyed by environment, API group, kind, namespace and name (so
 * an object moving between files is a change, not a removal), each change with a line diff, and the
 * destructive ones flagged. Terraform stacks are compared resource by resource; other files as a
 * whole. Only files whose text differs are parsed, so an unchanged tree costs a string comparison.
 */
export function diffDist(current: Tree, next: Tree): DistDiff {
  const differing = new Set<string>();
  // What is indexed instead of the file's text. A changed manifest file is parsed only in the
  // documents that changed, a stack in the resources that changed (withoutCommonParts): at 1000 tenants
  // a display name is one document of each cluster's projects.yaml (thousands), a tenant added a few
  // dozen resources of 45,000, and parsing is most of a review. A stack that is not JSON, as read here.
  const indexedCurrent = new Map<string, string>();
  const indexedNext = new Map<string, string>();
  // Each text is read once (trees may read files when asked: apps/synth's staged tree), an added file
  // only to be indexed.
  for (const p of next.keys()) {
    if (!current.has(p)) {
      differing.add(p);
      continue;
    }
    const b = current.get(p)!;
    const a = next.get(p)!;
    if (b === a) continue;
    differing.add(p);
    const indexed = withoutCommonParts(p, b, a) ?? (isStackPath(p) ? ([b, a] as const) : undefined);
    if (!indexed) continue;
    indexedCurrent.set(p, indexed[0]);
    indexedNext.set(p, indexed[1]);
  }
  for (const p of current.keys()) if (!next.has(p)) differing.add(p);
  const before = indexObjects(indexedCurrent.size ? overlaid(current, indexedCurrent) : current, differing);
  // An object the current tree does not have is added: listed, nothing of its text kept.
  const after = indexObjects(indexedNext.size ? overlaid(next, indexedNext) : next, differing, (key) => !before.has(key));
  const changes: ObjectChange[] = [];
  for (const [key, b] of before) {
    const a = after.get(key);
    if (!a) {
      changes.push({ type: 'removed', id: b.id, file: b.file, diff: [], destructive: removalRiskOf(b) });
    } else if (a.file !== b.file || !sameObject(b, a)) {
      const diff = a.file !== b.file ? [`# moved from dist/${b.file}`, ...lineDiff(b.text, a.text)] : lineDiff(b.text, a.text);
      changes.push({ type: 'changed', id: a.id, file: a.file, diff, destructive: changeRiskOf(b, a) });
    }
  }
  for (const [key, a] of after) if (!before.has(key)) changes.push({ type: 'added', id: a.id, file: a.file, diff: [] });
  changes.sort((x, y) => {
    const ex = x.id.environment.localeCompare(y.id.environment);
    if (ex) return ex;
    if (x.type !== y.type) return TYPE_ORDER[x.type] - TYPE_ORDER[y.type];
    return objectKey(x.id).localeCompare(objectKey(y.id));
  });

  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  for (const p of differing) {
    if (isManifestPath(p) || isStackPath(p)) continue;
    if (!current.has(p)) added.push(p);
    else if (!next.has(p)) removed.push(p);
    else changed.push(p);
  }
  return { changes, destructive: changes.filter((c) => c.destructive), files: { added: added.sort(), removed: removed.sort(), changed: changed.sort() } };
}
