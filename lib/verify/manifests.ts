import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KubeManifest } from '../core/checks';
import { ReleaseRenderer } from './state';
import { HelmRelease, StateObject } from './types';

/**
 * Renders the upstream manifests of Argo CD Applications whose source is a directory of a git
 * repository at a tag (lib/core/addon.ts GitManifests), as Argo CD's repo server does: every YAML
 * file of the directory (not recursive) at that tag, the Application's kustomize JSON patches
 * applied, namespaced objects without a namespace put in the destination's. Repositories come from
 * a local folder because verify runs offline: `<dir>/<owner>+<name>`, a bare git directory or one
 * holding it in `repo/` (the layout of a git mirror), read with `git show`, never checked out.
 */
export interface ManifestsRendererOptions {
  /** Folder of git mirrors (`<owner>+<name>`). */
  readonly manifestsDir: string;
  /** The git binary. @default `git` on PATH */
  readonly git?: string;
}

/** The git directory of a repository's mirror, if present. */
export function locateMirror(manifestsDir: string, repoURL: string): string | undefined {
  const m = /github\.com[/:]([^/]+)\/([^/]+?)(\.git)?\/?$/.exec(repoURL);
  if (!m) return undefined;
  const base = join(manifestsDir, `${m[1]}+${m[2]}`);
  for (const dir of [join(base, 'repo'), base]) if (existsSync(join(dir, 'HEAD')) || existsSync(join(dir, '.git'))) return dir;
  return undefined;
}

/** Applies RFC 6902 `add` / `replace` operations (what GitManifests patches use) to a copy of an object. */
export function applyJsonPatch(object: KubeManifest, operations: readonly { op: string; path: string; value?: unknown }[]): KubeManifest {
  const copy = JSON.parse(JSON.stringify(object)) as KubeManifest;
  for (const op of operations) {
    if (op.op !== 'add' && op.op !== 'replace') throw new Error(`JSON patch operation ${op.op} is not supported (add, replace)`);
    const keys = op.path
      .split('/')
      .slice(1)
      .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    let node: any = copy;
    for (const k of keys.slice(0, -1)) {
      node = Array.isArray(node) ? node[Number(k)] : node?.[k];
      if (node === undefined || node === null) throw new Error(`JSON patch path ${op.path}: ${k} does not exist`);
    }
    const last = keys[keys.length - 1];
    const value = JSON.parse(JSON.stringify(op.value));
    if (Array.isArray(node)) {
      if (last === '-') node.push(value);
      else if (op.op === 'add') node.splice(Number(last), 0, value);
      else node[Number(last)] = value;
    } else {
      if (op.op === 'replace' && !(last in node)) throw new Error(`JSON patch path ${op.path}: nothing to replace`);
      node[last] = value;
    }
  }
  return copy;
}

/** Whether a kustomize patch target selects an object (group, kind, name; absent fields match anything). */
function targets(target: Record<string, string> | undefined, m: KubeManifest): boolean {
  if (!target) return true;
  const group = m.apiVersion.includes('/') ? m.apiVersion.split('/')[0] : '';
  return (
    (target.group === undefined || target.group === group) &&
    (target.kind === undefined || target.kind === m.kind) &&
    (target.name === undefined || target.name === m.metadata.name) &&
    (target.namespace === undefined || target.namespace === m.metadata.namespace)
  );
}

/** The objects of a manifests release from its files' text (`file` → content), patched and namespaced. */
export function parseManifests(files: ReadonlyMap<string, string>, release: HelmRelease, clusterScoped: (m: KubeManifest) => boolean): StateObject[] {
  const objects: StateObject[] = [];
  const patches = release.manifests?.patches ?? [];
  for (const [file, text] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const doc of parseAllDocuments(text)) {
      const m = doc.toJS() as KubeManifest | null;
      if (!m || typeof m !== 'object' || !m.kind) continue;
      let item: KubeManifest = { ...m, metadata: { ...(m.metadata ?? {}) } };
      for (const p of patches) if (targets(p.target, item)) item = applyJsonPatch(item, JSON.parse(p.patch));
      if (!item.metadata.namespace && !clusterScoped(item)) item = { ...item, metadata: { ...item.metadata, namespace: release.namespace } };
      objects.push({
        manifest: item,
        file: `git:${release.chart}@${release.version}/${file}`,
        application: release.application.metadata.name!,
        release: release.releaseName,
      });
    }
  }
  return objects;
}

/** A renderer for {@link buildClusterStates} of the manifests releases (others are `skipped`). */
export function manifestsRenderer(options: ManifestsRendererOptions, clusterScoped: (m: KubeManifest) => boolean): ReleaseRenderer {
  const git = options.git ?? 'git';
  const cache = new Map<string, ReturnType<ReleaseRenderer>>();
  return (release: HelmRelease) => {
    if (!release.manifests) return { skipped: 'not a manifests release' };
    const dir = locateMirror(options.manifestsDir, release.repoURL);
    if (!dir) return { skipped: `repository not in ${options.manifestsDir} (a git mirror of ${release.repoURL} as <owner>+<name>)` };
    const key = JSON.stringify([dir, release.version, release.manifests, release.namespace]);
    const hit = cache.get(key);
    if (hit) return hit;
    const run = (args: string[]) =>
      execFileSync(git, ['--git-dir', dir, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
    let names: string[];
    try {
      names = run(['ls-tree', '--name-only', `${release.version}`, `${release.manifests.path.replace(/\/+$/, '')}/`])
        .split('\n')
        .filter((n) => /\.(ya?ml|json)$/.test(n));
    } catch (err) {
      // The tag or directory is missing: Argo CD would fail the same way.
      return { failed: String((err as { stderr?: string }).stderr ?? (err as Error).message).trim() };
    }
    const files = new Map(names.map((n) => [n, run(['show', `${release.version}:${n}`])]));
    let result: ReturnType<ReleaseRenderer>;
    try {
      result = { objects: parseManifests(files, release, clusterScoped) };
    } catch (err) {
      result = { failed: (err as Error).message };
    }
    cache.set(key, result);
    return result;
  };
}
