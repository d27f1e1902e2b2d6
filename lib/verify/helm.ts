import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { KubeManifest } from '../core/checks';
import { ClusterConfig } from '../core/model';
import { ReleaseRenderer } from './state';
import { HelmRelease, ObjectRef, StateObject } from './types';

/**
 * Renders the Helm releases of Argo CD Applications with the real `helm template` of the pinned
 * upstream chart, as Argo CD's repo server does (release name, namespace, values, the cluster's
 * Kubernetes version; hooks kept and marked). Charts come from a local folder because verify runs
 * offline: `<charts>/<chart>-<version>.tgz`, `<charts>/<chart>-<version>/` or `<charts>/<chart>/<version>/`
 * (a `helm pull --untar` of the pinned version). A missing chart or helm binary is reported per
 * release; a chart that fails to render is a finding (Argo CD would fail the same way).
 */
export interface HelmRendererOptions {
  /** Folder of pulled charts. */
  readonly chartsDir: string;
  /** The helm binary. @default `helm` on PATH */
  readonly helm?: string;
}

/** Where the pinned chart of a release is, if present. */
export function locateChart(chartsDir: string, chart: string, version: string): string | undefined {
  const v = version.replace(/^v/, '');
  const candidates = [`${chart}-${version}.tgz`, `${chart}-${v}.tgz`, `${chart}-${version}`, `${chart}-${v}`, join(chart, version), join(chart, v)].map((c) =>
    join(chartsDir, c),
  );
  for (const c of candidates) if (existsSync(c) && (c.endsWith('.tgz') || existsSync(join(c, 'Chart.yaml')))) return c;
  // `<charts>/<chart>/` whose Chart.yaml pins the same version.
  const dir = join(chartsDir, chart);
  if (existsSync(join(dir, 'Chart.yaml')) && chartVersionOf(dir) === v) return dir;
  return undefined;
}

function chartVersionOf(dir: string): string | undefined {
  const m = /^version:\s*["']?([^"'\s]+)/m.exec(readFileSync(join(dir, 'Chart.yaml'), 'utf8'));
  return m?.[1]?.replace(/^v/, '');
}

/** Whether a helm binary answers. */
export function helmAvailable(helm = 'helm'): string | undefined {
  try {
    return execFileSync(helm, ['version', '--short'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Parses `helm template` output into state objects (namespaced objects without a namespace get the release's). */
export function parseRendered(out: string, release: HelmRelease, clusterScoped: (m: KubeManifest) => boolean): StateObject[] {
  const objects: StateObject[] = [];
  // `helm template` heads each document with `# Source: <chart>/templates/<file>`.
  for (const chunk of out.split(/^---[ \t]*$/m)) {
    const source = /^# Source: (.*)$/m.exec(chunk)?.[1] ?? '';
    const m = parseDocument(chunk).toJS() as KubeManifest | null;
    if (!m || typeof m !== 'object' || !m.kind) continue;
    const items: KubeManifest[] = m.kind.endsWith('List') && Array.isArray(m.items) ? m.items : [m];
    for (const item of items) {
      const metadata = { ...(item.metadata ?? {}) };
      if (!metadata.namespace && !clusterScoped(item)) metadata.namespace = release.namespace;
      const hook = metadata.annotations?.['helm.sh/hook'];
      objects.push({
        manifest: { ...item, metadata },
        file: `helm:${release.chart}@${release.version}${source ? `/${source.split('/').slice(1).join('/')}` : ''}`,
        application: release.application.metadata.name!,
        release: release.releaseName,
        ...(hook ? { hook } : {}),
      });
    }
  }
  return objects;
}

/**
 * Template functions whose result changes from one render to the next (Sprig's random values,
 * generated keys and certificates, the time). Argo CD renders a chart again on every refresh, so an
 * object built from one of them never stays in sync.
 */
const VOLATILE_FUNCTIONS =
  /\b(randAlphaNum|randAlpha|randNumeric|randAscii|randBytes|randInt|uuidv4|genCA|genCAWithKey|genPrivateKey|genSelfSignedCert|genSelfSignedCertWithKey|genSignedCert|genSignedCertWithKey)\b|\{\{[^}]*\bnow\b/;

/** Whether a chart's templates (its subcharts' packages included) use a volatile function anywhere. */
export function usesVolatileFunctions(chartDir: string): boolean {
  const walk = (dir: string): boolean =>
    readdirSync(dir).some((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return walk(path);
      if (name.endsWith('.tgz')) return VOLATILE_FUNCTIONS.test(gunzipSync(readFileSync(path)).toString('latin1'));
      return /\.(tpl|yaml|yml|txt)$/.test(name) && VOLATILE_FUNCTIONS.test(readFileSync(path, 'utf8'));
    });
  return existsSync(chartDir) && statSync(chartDir).isDirectory() ? walk(chartDir) : false;
}

/** The objects whose content differs between two renders of one release. */
export function unstableObjects(first: readonly StateObject[], second: readonly StateObject[]): ObjectRef[] {
  const key = (m: KubeManifest) => JSON.stringify([m.kind, m.metadata.namespace, m.metadata.name]);
  const again = new Map(second.map((o) => [key(o.manifest), JSON.stringify(o.manifest)]));
  return first
    .filter((o) => again.get(key(o.manifest)) !== JSON.stringify(o.manifest))
    .map(({ manifest: m }) => ({ kind: m.kind, ...(m.metadata.namespace ? { namespace: m.metadata.namespace } : {}), name: m.metadata.name ?? '' }));
}

/** A renderer for {@link buildClusterStates}. */
export function helmRenderer(options: HelmRendererOptions, clusterScoped: (m: KubeManifest) => boolean): ReleaseRenderer {
  const helm = options.helm ?? 'helm';
  const cache = new Map<string, ReturnType<ReleaseRenderer>>();
  const volatile = new Map<string, boolean>();
  return (release: HelmRelease, cluster: ClusterConfig) => {
    const path = locateChart(options.chartsDir, release.chart, release.version);
    if (!path)
      return {
        skipped: `chart not in ${options.chartsDir} (helm pull ${release.repoURL.startsWith('http') ? `--repo ${release.repoURL} ` : `oci://${release.repoURL}/`}${release.chart} --version ${release.version} --untar)`,
      };
    const key = JSON.stringify([path, release.releaseName, release.namespace, release.values, cluster.kubernetesVersion]);
    const hit = cache.get(key);
    if (hit) return hit;
    const dir = mkdtempSync(join(tmpdir(), 'ceres-verify-'));
    try {
      const valuesFile = join(dir, 'values.json');
      writeFileSync(valuesFile, JSON.stringify(release.values));
      const args = [
        'template',
        release.releaseName,
        path,
        '--namespace',
        release.namespace,
        '--kube-version',
        kubeVersionArg(cluster.kubernetesVersion),
        '--include-crds',
        '-f',
        valuesFile,
      ];
      let out: string;
      try {
        out = execFileSync(helm, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (err) {
        const stderr = String((err as { stderr?: string }).stderr ?? (err as Error).message).trim();
        return { failed: stderr.split('\n').slice(-3).join(' ') };
      }
      const objects = parseRendered(out, release, clusterScoped);
      // A chart that can render differently each time is rendered twice: what differs is what Argo CD sees change on every refresh.
      if (!volatile.has(path)) volatile.set(path, usesVolatileFunctions(path));
      let unstable: ObjectRef[] = [];
      if (volatile.get(path)) {
        try {
          const again = execFileSync(helm, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
          unstable = unstableObjects(objects, parseRendered(again, release, clusterScoped));
        } catch {
          // It rendered once: a second failure is helm's, not the chart's.
        }
      }
      const result = { objects, ...(unstable.length ? { unstable } : {}) };
      cache.set(key, result);
      return result;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** `1.35` → `v1.35.0` (helm wants a full version). */
export function kubeVersionArg(version: string): string {
  const parts = version.replace(/^v/, '').split('.');
  while (parts.length < 3) parts.push('0');
  return `v${parts.join('.')}`;
}
