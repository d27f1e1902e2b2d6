import { parseAllDocuments } from 'yaml';
import { ArgoAnnotations } from '../core/argocd';
import { KubeManifest } from '../core/checks';
import { toYamlDocument } from '../core/yaml';
import { lineDiff } from './line-diff';

/** Identity of a rendered object across two versions of dist/. */
export interface ObjectId {
  readonly environment: string;
  /** API group ('' for core). */
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

interface IndexedObject {
  readonly id: ObjectId;
  readonly file: string;
  readonly manifest: KubeManifest;
  readonly text: string;
}

export type ChangeType = 'added' | 'removed' | 'changed';

export interface ObjectChange {
  readonly type: ChangeType;
  readonly id: ObjectId;
  /** File (relative to dist/) in the new version, or the old one for removals. */
  readonly file: string;
  /** Line diff of the object's YAML (changed objects only). */
  readonly diff: readonly string[];
  /** Why applying this loses data or protection; undefined when it does not. */
  readonly destructive?: string;
}

export interface DistDiff {
  readonly changes: readonly ObjectChange[];
  readonly destructive: readonly ObjectChange[];
  /** Files that are not Kubernetes manifests (reports, Terraform, READMEs), compared as a whole. */
  readonly files: { readonly added: readonly string[]; readonly removed: readonly string[]; readonly changed: readonly string[] };
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

export function objectKey(id: ObjectId): string {
  return `${id.environment}|${id.group}|${id.kind}|${id.namespace}|${id.name}`;
}

/** `Kind namespace/name` (with the group for custom kinds) for output. */
export function describeId(id: ObjectId): string {
  const kind = id.group ? `${id.kind}.${id.group}` : id.kind;
  return `${id.environment}: ${kind} ${id.namespace ? `${id.namespace}/` : ''}${id.name}`;
}

/** Whether a dist path holds Kubernetes manifests (`<env>/<folder>/<file>.yaml`, not Terraform). */
export function isManifestPath(path: string): boolean {
  const parts = path.split('/');
  return parts.length === 3 && parts[0] !== 'terraform' && path.endsWith('.yaml');
}

/** Every object of a dist tree by key. Linear in the size of the tree. */
export function indexObjects(files: ReadonlyMap<string, string>): Map<string, IndexedObject> {
  const out = new Map<string, IndexedObject>();
  for (const [file, content] of files) {
    if (!isManifestPath(file)) continue;
    const environment = file.split('/')[0];
    for (const doc of parseAllDocuments(content, { version: '1.1' })) {
      const manifest = doc.toJS() as KubeManifest | null;
      if (!manifest || typeof manifest !== 'object' || !manifest.kind || !manifest.apiVersion) continue;
      const id: ObjectId = {
        environment,
        group: groupOf(manifest.apiVersion),
        kind: manifest.kind,
        namespace: manifest.metadata?.namespace ?? '',
        name: manifest.metadata?.name ?? '',
      };
      out.set(objectKey(id), { id, file, manifest, text: toYamlDocument(manifest) });
    }
  }
  return out;
}

function syncOptions(m: KubeManifest): string[] {
  return (m.metadata?.annotations?.[ArgoAnnotations.syncOptions] ?? '').split(',').map((s) => s.trim());
}

/** An Application that holds data: it never prunes, or it is itself protected from deletion. */
function isStatefulApplication(m: KubeManifest): boolean {
  return syncOptions(m).includes('Delete=false') || m.spec?.syncPolicy?.automated?.prune === false;
}

/** Why removing this object loses data, or undefined. */
export function removalRisk(m: KubeManifest): string | undefined {
  const group = groupOf(m.apiVersion);
  if (group === '' && m.kind === 'Namespace') return 'removing a namespace deletes everything in it';
  if (group === '' && m.kind === 'PersistentVolumeClaim') return 'removing a PersistentVolumeClaim can delete its volume';
  if (group === 'postgresql.cnpg.io' && m.kind === 'Cluster') return 'removing a CloudNativePG Cluster deletes the database';
  if (group === 'apiextensions.k8s.io' && m.kind === 'CustomResourceDefinition') return 'removing a CRD deletes every object of that kind';
  if (group === 'apps' && m.kind === 'StatefulSet' && (m.spec?.volumeClaimTemplates?.length ?? 0) > 0) return 'removing a StatefulSet orphans or loses its volumes';
  if (group === 'argoproj.io' && m.kind === 'Application' && isStatefulApplication(m)) return 'removing a stateful Application (its folder holds data)';
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

const TYPE_ORDER: Record<ChangeType, number> = { removed: 0, changed: 1, added: 2 };

/**
 * What replacing `current` (the committed dist/) with `next` (a fresh synth) does, object by object:
 * added, removed and changed objects keyed by environment, API group, kind, namespace and name (so
 * an object moving between files is a change, not a removal), each change with a line diff, and the
 * destructive ones flagged. Non-manifest files are compared as whole files.
 */
export function diffDist(current: ReadonlyMap<string, string>, next: ReadonlyMap<string, string>): DistDiff {
  const before = indexObjects(current);
  const after = indexObjects(next);
  const changes: ObjectChange[] = [];
  for (const [key, b] of before) {
    const a = after.get(key);
    if (!a) {
      changes.push({ type: 'removed', id: b.id, file: b.file, diff: [], destructive: removalRisk(b.manifest) });
    } else if (a.text !== b.text || a.file !== b.file) {
      const diff = a.file !== b.file ? [`# moved from dist/${b.file}`, ...lineDiff(b.text, a.text)] : lineDiff(b.text, a.text);
      changes.push({ type: 'changed', id: a.id, file: a.file, diff, destructive: changeRisk(b.manifest, a.manifest) });
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
  for (const [p, c] of next) {
    if (isManifestPath(p)) continue;
    if (!current.has(p)) added.push(p);
    else if (current.get(p) !== c) changed.push(p);
  }
  for (const p of current.keys()) if (!isManifestPath(p) && !next.has(p)) removed.push(p);
  return { changes, destructive: changes.filter((c) => c.destructive), files: { added: added.sort(), removed: removed.sort(), changed: changed.sort() } };
}

/** The review text of a diff: a summary, the destructive changes first, then every change. */
export function formatDistDiff(diff: DistDiff, options: { readonly maxDiffLines?: number } = {}): string {
  const max = options.maxDiffLines ?? 60;
  const count = (t: ChangeType) => diff.changes.filter((c) => c.type === t).length;
  const out: string[] = [];
  if (!diff.changes.length && !diff.files.added.length && !diff.files.removed.length && !diff.files.changed.length) {
    return 'No change: dist/ is what the code produces.\n';
  }
  out.push(`${count('added')} added, ${count('changed')} changed, ${count('removed')} removed objects; ${diff.destructive.length} destructive.`);
  if (diff.destructive.length) {
    out.push('', '!!! DESTRUCTIVE CHANGES: applying this deletes data or removes its protection !!!');
    for (const c of diff.destructive) out.push(`!!! ${c.type === 'removed' ? '-' : '~'} ${describeId(c.id)} (dist/${c.file}): ${c.destructive}`);
  }
  let env = '';
  for (const c of diff.changes) {
    if (c.id.environment !== env) {
      env = c.id.environment;
      out.push('', `## ${env}`);
    }
    const mark = c.type === 'added' ? '+' : c.type === 'removed' ? '-' : '~';
    out.push(`${mark} ${describeId(c.id)}  (dist/${c.file})${c.destructive ? '  [DESTRUCTIVE]' : ''}`);
    const lines = c.diff.slice(0, max);
    for (const l of lines) out.push(`    ${l}`);
    if (c.diff.length > max) out.push(`    ... ${c.diff.length - max} more lines`);
  }
  const { added, removed, changed } = diff.files;
  if (added.length + removed.length + changed.length) {
    out.push('', '## Other files');
    for (const p of added) out.push(`+ dist/${p}`);
    for (const p of changed) out.push(`~ dist/${p}`);
    for (const p of removed) out.push(`- dist/${p}`);
  }
  return `${out.join('\n')}\n`;
}
