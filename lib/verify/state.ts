import { KubeManifest, RenderedObject } from '../core/checks';
import { Flow } from '../core/flows';
import { ClusterConfig, EnvironmentConfig, PlatformConfig } from '../core/model';
import { RenderedEnvironment } from '../core/render';
import { ClusterState, HelmRelease, ObjectRef, StateObject } from './types';

/**
 * Renders one Helm release for a cluster: its objects, or why it was not rendered (no chart), or why
 * the present chart refused our values or the cluster's version (a failed sync in Argo CD).
 */
export type ReleaseRenderer = (
  release: HelmRelease,
  cluster: ClusterConfig,
) => { readonly objects: readonly StateObject[]; readonly unstable?: readonly ObjectRef[] } | { readonly skipped: string } | { readonly failed: string };

export interface StateInputs {
  /** The platform description whose environments were rendered. */
  readonly platform: PlatformConfig;
  /** The environments as the synth rendered them. */
  readonly environments: readonly RenderedEnvironment[];
  /** The flows the add-ons declare for a cluster. */
  readonly flows: (environment: EnvironmentConfig, cluster: ClusterConfig) => readonly Flow[];
  /** Renders Helm releases; without it every release is listed as not rendered. */
  readonly render?: ReleaseRenderer;
}

/** The folder of an object relative to `dist/<env>/`, as the Application name derives from it. */
function applicationOf(o: RenderedObject): string {
  const folder = o.folder.split('/').pop()!;
  return folder === 'argocd' ? `${o.environment}-root` : `${o.environment}-${folder}`;
}

/** A Helm release as Argo CD reads it from an Application with a chart source. */
export function releaseOf(app: KubeManifest, file: string): HelmRelease | undefined {
  const source = app.spec?.source;
  if (!source?.chart) return undefined;
  return {
    application: app,
    file,
    repoURL: source.repoURL,
    chart: source.chart,
    version: source.targetRevision,
    releaseName: source.helm?.releaseName ?? app.metadata.name!,
    namespace: app.spec.destination?.namespace ?? 'default',
    values: source.helm?.valuesObject ?? {},
  };
}

/**
 * A directory of upstream manifests as Argo CD reads it from an Application whose source is a path
 * in a repository other than the platform's own (whose folders are dist/ objects already).
 */
export function manifestsReleaseOf(app: KubeManifest, file: string, gitopsRepoURL: string): HelmRelease | undefined {
  const source = app.spec?.source;
  if (!source?.path || source.chart || source.repoURL === gitopsRepoURL) return undefined;
  return {
    application: app,
    file,
    repoURL: source.repoURL,
    chart:
      String(source.repoURL)
        .replace(/\.git$/, '')
        .split('/')
        .pop() ?? source.repoURL,
    version: source.targetRevision,
    releaseName: app.metadata.name!,
    namespace: app.spec.destination?.namespace ?? 'default',
    values: {},
    manifests: { path: source.path, patches: source.kustomize?.patches ?? [] },
  };
}

/**
 * What every cluster of the platform converges to: the objects of the dist/ folders its Argo CD
 * syncs, the Helm releases its Applications install (rendered when a renderer is given), and the
 * flows the add-ons declare for it.
 */
export function buildClusterStates(inputs: StateInputs): ClusterState[] {
  const states: ClusterState[] = [];
  for (const rendered of inputs.environments) {
    const environment = inputs.platform.environments.find((e) => e.name === rendered.name);
    if (!environment) continue;
    for (const cluster of environment.clusters) {
      const routed = rendered.view.clusters.get(cluster.name) ?? [];
      const objects: StateObject[] = routed.map((o) => ({ manifest: o.manifest, file: o.file, application: applicationOf(o) }));
      const releases: HelmRelease[] = [];
      for (const o of routed) {
        if (o.manifest.kind !== 'Application' || !o.manifest.apiVersion.startsWith('argoproj.io/')) continue;
        const release = releaseOf(o.manifest, o.file) ?? manifestsReleaseOf(o.manifest, o.file, inputs.platform.gitops.repoURL);
        if (!release) continue;
        if (!inputs.render) {
          releases.push({ ...release, skipped: 'no Helm renderer' });
          continue;
        }
        const result = inputs.render(release, cluster);
        releases.push(
          'objects' in result
            ? { ...release, rendered: result.objects, ...(result.unstable ? { unstable: result.unstable } : {}) }
            : 'failed' in result
              ? { ...release, failed: result.failed }
              : { ...release, skipped: result.skipped },
        );
      }
      states.push({ platform: inputs.platform, environment, cluster, objects, releases, flows: inputs.flows(environment, cluster) });
    }
  }
  return states;
}

/** Every object of a cluster's state: its dist/ objects and those of its rendered releases. */
export function allObjects(state: ClusterState): StateObject[] {
  return [...state.objects, ...state.releases.flatMap((r) => r.rendered ?? [])];
}
