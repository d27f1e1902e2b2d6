import { PlatformCatalog } from '../../lib/core/addon';
import { KubeManifest } from '../../lib/core/checks';
import { ClusterConfig, EnvironmentConfig, PlatformConfig } from '../../lib/core/model';
import { ClusterState, HelmRelease, StateObject, VerifyCheck, VerifyContext } from '../../lib/verify/types';

/**
 * Hand-built cluster states for the verify checks: one environment, one cluster, the objects and
 * Helm releases a test needs, and builders for the manifests the checks read.
 */

export const GITOPS_REPO = 'https://github.com/ceres-platform/platform-manifests.git';

export const cluster: ClusterConfig = {
  name: 'ceres-test-aws',
  cloud: 'aws',
  role: 'primary',
  region: 'eu-west-1',
  baseDomain: 'test.ceres.io',
  kubernetesVersion: '1.30',
  nodePools: [],
};

export const environment: EnvironmentConfig = {
  name: 'dev',
  clusters: [cluster],
  sizing: {
    ha: false,
    istiod: { min: 1, max: 1 },
    ingressGateway: { min: 1, max: 1 },
    egressGateway: { min: 1, max: 1 },
    coreServices: { min: 1, max: 1 },
    tracingSamplePercent: 1,
  },
  baseDomain: 'dev.ceres.io',
};

export const platform: PlatformConfig = {
  name: 'ceres',
  allowedRegistries: ['registry.ceres.io/'],
  gitops: { repoURL: GITOPS_REPO, targetRevision: 'main' },
  environments: [environment],
};

export interface StateParts {
  readonly objects?: readonly StateObject[];
  readonly releases?: readonly HelmRelease[];
  readonly kubernetesVersion?: string;
}

/** A cluster state of the test cluster. */
export function stateOf(parts: StateParts): ClusterState {
  const c = parts.kubernetesVersion ? { ...cluster, kubernetesVersion: parts.kubernetesVersion } : cluster;
  return { platform, environment: { ...environment, clusters: [c] }, cluster: c, objects: parts.objects ?? [], releases: parts.releases ?? [], flows: [] };
}

/** A verify context over some states; the catalog may declare charts (their crdGroups) and namespaces. */
export function ctxOf(states: readonly ClusterState[], catalog: Partial<PlatformCatalog> = {}): VerifyContext {
  return {
    platform,
    catalog: { charts: catalog.charts ?? [], manifests: catalog.manifests ?? [], namespaces: catalog.namespaces ?? [], flows: () => [] },
    clusters: states,
    terraform: new Map(),
    asOf: '2026-08-23',
  };
}

/** Runs one check over one state. */
export function run(check: VerifyCheck, state: ClusterState, catalog: Partial<PlatformCatalog> = {}) {
  return check.run(state, ctxOf([state], catalog));
}

/** A dist/ object applied by an Application. */
export function obj(manifest: KubeManifest, application: string, file = `dev/${application.replace(/^dev-/, '')}/objects.yaml`): StateObject {
  return { manifest, file, application };
}

/** An object of the app of apps (applied by the root Application). */
export const root = (manifest: KubeManifest) => obj(manifest, 'dev-root', 'dev/clusters/ceres-test-aws/argocd/applications.yaml');

const waveAnnotation = (wave?: number) => (wave === undefined ? {} : { annotations: { 'argocd.argoproj.io/sync-wave': String(wave) } });

export interface ApplicationSpec {
  readonly name: string;
  readonly project?: string;
  readonly wave?: number;
  readonly destination?: { name?: string; server?: string; namespace?: string };
  readonly repoURL?: string;
  readonly path?: string;
  readonly chart?: string;
  readonly version?: string;
  readonly values?: Record<string, unknown>;
  readonly syncOptions?: readonly string[];
}

export function application(a: ApplicationSpec): KubeManifest {
  const source = a.chart
    ? {
        repoURL: a.repoURL ?? 'https://charts.example.com',
        chart: a.chart,
        targetRevision: a.version ?? '1.0.0',
        helm: { releaseName: a.name, valuesObject: a.values ?? {} },
      }
    : { repoURL: a.repoURL ?? GITOPS_REPO, path: a.path ?? `dist/dev/${a.name}`, targetRevision: 'main' };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: a.name, namespace: 'argocd', ...waveAnnotation(a.wave) },
    spec: {
      project: a.project ?? 'platform',
      source,
      destination: a.destination ?? { name: 'in-cluster' },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: [...(a.syncOptions ?? ['CreateNamespace=false'])] },
    },
  };
}

export interface ProjectSpec {
  readonly name: string;
  readonly wave?: number;
  readonly sourceRepos?: readonly string[];
  readonly destinations?: readonly { name?: string; server?: string; namespace?: string }[];
  readonly clusterResourceWhitelist?: readonly { group: string; kind: string; name?: string }[];
  readonly namespaceResourceWhitelist?: readonly { group: string; kind: string }[];
  readonly namespaceResourceBlacklist?: readonly { group: string; kind: string }[];
}

export function appProject(p: ProjectSpec): KubeManifest {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: p.name, namespace: 'argocd', ...waveAnnotation(p.wave ?? -50) },
    spec: {
      sourceRepos: [...(p.sourceRepos ?? [GITOPS_REPO])],
      destinations: [...(p.destinations ?? [{ name: 'in-cluster', namespace: '*' }])],
      ...(p.clusterResourceWhitelist ? { clusterResourceWhitelist: [...p.clusterResourceWhitelist] } : {}),
      ...(p.namespaceResourceWhitelist ? { namespaceResourceWhitelist: [...p.namespaceResourceWhitelist] } : {}),
      ...(p.namespaceResourceBlacklist ? { namespaceResourceBlacklist: [...p.namespaceResourceBlacklist] } : {}),
    },
  };
}

/** The platform project: everything from the gitops repository, anywhere in the cluster. */
export const platformProject = (extra: Partial<ProjectSpec> = {}) =>
  appProject({ name: 'platform', clusterResourceWhitelist: [{ group: '*', kind: '*' }], namespaceResourceWhitelist: [{ group: '*', kind: '*' }], ...extra });

export type PodSecurityLabel = 'privileged' | 'baseline' | 'restricted';

export function namespace(name: string, level?: PodSecurityLabel, labels: Record<string, string> = {}, wave?: number): KubeManifest {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: { ...(level ? { 'pod-security.kubernetes.io/enforce': level, 'pod-security.kubernetes.io/enforce-version': 'v1.28' } : {}), ...labels },
      ...waveAnnotation(wave),
    },
  };
}

export function crd(group: string, kind: string, scope: 'Namespaced' | 'Cluster' = 'Namespaced'): KubeManifest {
  const plural = `${kind.toLowerCase()}s`;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: { group, scope, names: { kind, plural }, versions: [{ name: 'v1', served: true, storage: true }] },
  };
}

/** Container and pod security contexts meeting Pod Security "restricted". */
export const RESTRICTED_CONTAINER_SC = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
};
export const RESTRICTED_POD_SC = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
export const RESOURCES = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };

export function container(name = 'app', image = 'registry.ceres.io/ceres/app:1.0.0', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, image, securityContext: { ...RESTRICTED_CONTAINER_SC }, resources: RESOURCES, ...extra };
}

export interface PodTemplateSpec {
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly containers?: readonly Record<string, unknown>[];
  readonly initContainers?: readonly Record<string, unknown>[];
  readonly securityContext?: Record<string, unknown> | null;
  readonly volumes?: readonly Record<string, unknown>[];
  readonly extraSpec?: Record<string, unknown>;
}

function podSpec(t: PodTemplateSpec): Record<string, unknown> {
  return {
    ...(t.securityContext === null ? {} : { securityContext: t.securityContext ?? { ...RESTRICTED_POD_SC } }),
    containers: [...(t.containers ?? [container()])],
    ...(t.initContainers ? { initContainers: [...t.initContainers] } : {}),
    ...(t.volumes ? { volumes: [...t.volumes] } : {}),
    ...(t.extraSpec ?? {}),
  };
}

/** A Deployment whose template meets restricted unless told otherwise. */
export function deployment(name: string, ns: string, t: PodTemplateSpec = {}): KubeManifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, ...(t.labels ?? {}) }, ...(t.annotations ? { annotations: t.annotations } : {}) }, spec: podSpec(t) },
    },
  };
}

export function cronJob(name: string, ns: string, t: PodTemplateSpec = {}): KubeManifest {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: ns },
    spec: {
      schedule: '0 * * * *',
      jobTemplate: { spec: { template: { metadata: { labels: { app: name, ...(t.labels ?? {}) } }, spec: { restartPolicy: 'OnFailure', ...podSpec(t) } } } },
    },
  };
}

export function pod(name: string, ns: string, t: PodTemplateSpec = {}): KubeManifest {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { app: name, ...(t.labels ?? {}) }, ...(t.annotations ? { annotations: t.annotations } : {}) },
    spec: podSpec(t),
  };
}

/** A Helm release installed by an Application of the app of apps (the Application is in `appObject`). */
export function release(r: {
  chart: string;
  version: string;
  namespace: string;
  values?: Record<string, unknown>;
  name?: string;
  repoURL?: string;
  rendered?: readonly StateObject[];
  wave?: number;
}): { release: HelmRelease; appObject: StateObject } {
  const name = r.name ?? r.chart;
  const app = application({
    name,
    chart: r.chart,
    version: r.version,
    repoURL: r.repoURL,
    values: r.values,
    wave: r.wave ?? -30,
    destination: { name: 'in-cluster', namespace: r.namespace },
  });
  const file = 'dev/clusters/ceres-test-aws/argocd/addons.yaml';
  return {
    release: {
      application: app,
      file,
      repoURL: app.spec.source.repoURL,
      chart: r.chart,
      version: r.version,
      releaseName: name,
      namespace: r.namespace,
      values: r.values ?? {},
      ...(r.rendered ? { rendered: r.rendered } : { skipped: 'no Helm renderer' }),
    },
    appObject: root(app),
  };
}

/** Objects of a rendered release. */
export const rendered = (manifest: KubeManifest, releaseName: string, chart = 'chart@1.0.0', template = 'templates/object.yaml'): StateObject => ({
  manifest,
  file: `helm:${chart}/${template}`,
  application: releaseName,
  release: releaseName,
});

/** The istiod release of the platform (chart 1.30.3), with values merged over the platform's. */
export function istiod(values: Record<string, unknown> = {}) {
  return release({
    chart: 'istiod',
    version: '1.30.3',
    namespace: 'istio-system',
    repoURL: 'https://istio-release.storage.googleapis.com/charts',
    values: { global: { istioNamespace: 'istio-system' }, ...values },
  });
}

/** The Kyverno release (chart 3.9.0 = Kyverno 1.19.0). */
export const kyvernoRelease = () => release({ chart: 'kyverno', version: '3.9.0', namespace: 'kyverno', repoURL: 'https://kyverno.github.io/kyverno/' });

export function clusterPolicy(
  name: string,
  rules: readonly Record<string, unknown>[],
  extra: { annotations?: Record<string, string>; spec?: Record<string, unknown> } = {},
): KubeManifest {
  return {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: { name, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: { background: true, rules: [...rules], ...(extra.spec ?? {}) },
  };
}

/** A validate rule on Pods (Enforce unless told otherwise). */
export function podRule(
  name: string,
  validate: Record<string, unknown>,
  match: Record<string, unknown> = {},
  exclude?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    name,
    match: { any: [{ resources: { kinds: ['Pod'], ...match } }] },
    ...(exclude ? { exclude: { any: [{ resources: exclude }] } } : {}),
    validate: { failureAction: 'Enforce', ...validate },
  };
}
