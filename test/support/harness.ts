/**
 * The one test harness of the construct libraries: a small fixture platform built in code, fixture
 * tenant input built in code, and a renderer for a given list of add-ons, so that each library is
 * tested alone on a small chart (cdk8s `Testing` style) instead of through the live platform.
 *
 * - Nothing here reads apps/platform/tenants/ or apps/platform/platform.ts: adding a tenant there
 *   changes dist/ (reviewed as the dist/ diff, guarded by the drift test) and no test of a library.
 * - The fixture environment is `staging` unless told (the model allows dev, staging and prod only),
 *   with one small EKS cluster; `FixtureClusters` has one cluster of each profile.
 * - Render once per test file (module level or beforeAll): a fixture environment with every add-on
 *   renders in about a tenth of a second, the live platform in seconds.
 * - Snapshots of a library's YAML on the fixture are taken with {@link yamlFiles} / {@link yamlOf}.
 */
import { App, Chart, Testing } from 'cdk8s';
import { PlatformAddOn } from '../../lib/core/addon';
import { KubeManifest, ManifestCheck, RenderedObject } from '../../lib/core/checks';
import { composePlatform } from '../../lib/core/composition';
import { buildEnvironmentOutput } from '../../lib/core/environment';
import { BackupSpec, DatabaseSpec, SubscriptionLevel, TenantInput, TenantSpec } from '../../lib/core/input/types';
import { ClusterConfig, EnvironmentConfig, EnvironmentName, EnvironmentSizing, PlatformConfig } from '../../lib/core/model';
import { PlatformNamespaces } from '../../lib/core/namespaces';
import { EnvironmentOutput } from '../../lib/core/output';
import { validatePlatform } from '../../lib/core/platform-validation';
import { renderEnvironment } from '../../lib/core/render';
import { ServiceCatalog } from '../../lib/core/services';
import { toYamlStream } from '../../lib/core/yaml';
import { CeresNamespaceAddOn } from '../../lib/workloads';
import { TenantsAddOn } from '../../lib/tenants';

// ---------------------------------------------------------------------------------------------
// The fixture platform

/** Where each fixture cluster's source is, for messages. */
const HERE = 'test/support/harness.ts';

/** One small cluster of each profile the platform knows; a fixture environment picks one or two. */
export const FixtureClusters = {
  /** EKS, primary: Karpenter, no default StorageClass, node agents, workloads. */
  aws: {
    name: 'test-aws',
    cloud: 'aws',
    role: 'primary',
    region: 'eu-west-1',
    baseDomain: 'example.test',
    kubernetesVersion: '1.35',
    networkCidr: '10.40.0.0/16',
    nodePools: [
      { name: 'system', purpose: 'system', instanceType: 't3.large', min: 2, desired: 2, max: 3 },
      { name: 'general', purpose: 'general', instanceType: 'c5.xlarge', min: 1, desired: 2, max: 4, spot: true },
    ],
  },
  /** AKS, secondary. */
  azure: {
    name: 'test-azure',
    cloud: 'azure',
    role: 'secondary',
    region: 'westeurope',
    baseDomain: 'example.test',
    kubernetesVersion: '1.35',
    networkCidr: '10.41.0.0/16',
    nodePools: [
      { name: 'system', purpose: 'system', instanceType: 'Standard_D4s_v5', min: 2, desired: 2, max: 3 },
      { name: 'apps', purpose: 'general', instanceType: 'Standard_D4s_v5', min: 1, desired: 2, max: 4 },
    ],
  },
  /** GKE Autopilot, tertiary: no node agents, no workloads. */
  gcp: {
    name: 'test-gcp',
    cloud: 'gcp',
    role: 'tertiary',
    region: 'europe-west1',
    baseDomain: 'example.test',
    kubernetesVersion: '1.35',
    networkCidr: '10.42.0.0/16',
    nodePools: [],
  },
  /** K3s edge site: the light add-on set, single replicas. */
  edge: {
    name: 'test-edge',
    cloud: 'edge',
    role: 'edge',
    region: 'lyon',
    baseDomain: 'lyon.edge.example.test',
    kubernetesVersion: '1.35',
    nodePools: [],
  },
} as const satisfies Record<string, ClusterConfig>;

/** Sizing of a highly available fixture environment (every range at least 2). */
export const HA_SIZING: EnvironmentSizing = {
  ha: true,
  istiod: { min: 2, max: 3 },
  ingressGateway: { min: 2, max: 4 },
  egressGateway: { min: 2, max: 2 },
  coreServices: { min: 2, max: 6 },
  tracingSamplePercent: 10,
  delivery: { canaryStepInterval: '10m', canaryMetricWindow: '5m', canaryFailureThreshold: 4 },
};

/** Sizing of a small, non-HA fixture environment (single replicas). */
export const SMALL_SIZING: EnvironmentSizing = {
  ha: false,
  istiod: { min: 1, max: 2 },
  ingressGateway: { min: 1, max: 2 },
  egressGateway: { min: 1, max: 1 },
  coreServices: { min: 1, max: 3 },
  tracingSamplePercent: 100,
  delivery: { canaryStepInterval: '1m', canaryMetricWindow: '1m', canaryFailureThreshold: 5 },
};

export interface FixturePlatformOptions {
  /** The environment's name (the model allows dev, staging and prod). @default 'staging' */
  readonly env?: EnvironmentName;
  /** Its clusters. @default [FixtureClusters.aws] */
  readonly clusters?: readonly ClusterConfig[];
  /** Its sizing. @default HA_SIZING */
  readonly sizing?: EnvironmentSizing;
  /** The environment's public DNS zone. @default 'example.test' */
  readonly baseDomain?: string;
}

/**
 * A platform of one environment (`staging` unless told) with one small EKS cluster unless told,
 * validated like apps/platform/platform.ts is.
 */
export function fixturePlatform(options: FixturePlatformOptions = {}): PlatformConfig {
  const environment: EnvironmentConfig = {
    name: options.env ?? 'staging',
    baseDomain: options.baseDomain ?? 'example.test',
    sizing: options.sizing ?? HA_SIZING,
    clusters: options.clusters ?? [FixtureClusters.aws],
    cloudAccounts: { aws: '123456789012', gcp: 'fixture-project' },
  };
  const platform: PlatformConfig = {
    name: 'ceres',
    allowedRegistries: ['registry.example.test/'],
    gitops: { repoURL: 'https://git.example.test/platform/manifests.git', targetRevision: 'main' },
    environments: [environment],
  };
  validatePlatform(platform, HERE);
  return platform;
}

// ---------------------------------------------------------------------------------------------
// The fixture service catalog

/**
 * The design's example services, small: `api-server` (its rollout owned by Flagger), `api` (90% to
 * v1, 10% to v2, exposed on /api/v1 behind a JWT of the `ceres` realm, calling api-server) and `web`
 * (exposed without JWT, calling api), and one external TLS destination (`keycloak`) used by ceres.
 */
export const FIXTURE_SERVICES: ServiceCatalog = {
  services: [
    {
      name: 'api-server',
      namespace: PlatformNamespaces.core,
      port: 8080,
      versions: [{ name: 'v3', image: 'registry.example.test/ceres/api-server:3.0.0' }],
      resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2000m', memory: '1Gi' } },
      targetCpuPercent: 70,
      rollout: 'flagger',
      trafficPolicy: { loadBalancing: 'LEAST_REQUEST', maxPendingRequests: 200 },
    },
    {
      name: 'api',
      namespace: PlatformNamespaces.core,
      port: 8080,
      versions: [
        { name: 'v1', image: 'registry.example.test/ceres/api:1.9.4', weight: 90 },
        { name: 'v2', image: 'registry.example.test/ceres/api:2.0.0', weight: 10 },
      ],
      expose: { hostPrefix: 'api', pathPrefixes: ['/api/v1'], requireJwt: true, realm: 'ceres' },
      dependsOn: [{ service: 'api-server', paths: ['/v1/*'], methods: ['GET', 'POST'] }],
      trafficPolicy: { loadBalancing: 'ROUND_ROBIN' },
      replicas: { min: 2, max: 4 },
    },
    {
      name: 'web',
      namespace: PlatformNamespaces.core,
      port: 8080,
      versions: [{ name: 'v1', image: 'registry.example.test/ceres/web:1.4.0' }],
      expose: { hostPrefix: 'app', pathPrefixes: ['/'], requireJwt: false },
      dependsOn: [{ service: 'api', paths: ['/api/v1/*'], methods: ['GET', 'POST'] }],
      trafficPolicy: { loadBalancing: { consistentHashHeader: 'x-session-id' } },
      replicas: { min: 2, max: 3 },
    },
  ],
  external: [{ name: 'keycloak', hosts: ['auth.example.test'], port: 443, protocol: 'TLS', namespaces: [PlatformNamespaces.core] }],
};

/** A catalog with no services at all (for libraries whose output does not depend on it). */
export const NO_SERVICES: ServiceCatalog = { services: [], external: [] };

/** The catalog with one service replaced (by name). */
export function withService(
  catalog: ServiceCatalog,
  name: string,
  change: (s: ServiceCatalog['services'][number]) => ServiceCatalog['services'][number],
): ServiceCatalog {
  if (!catalog.services.some((s) => s.name === name)) throw new Error(`no service ${name} in the catalog`);
  return { ...catalog, services: catalog.services.map((s) => (s.name === name ? change(s) : s)) };
}

// ---------------------------------------------------------------------------------------------
// Fixture tenant input

const SOURCE = { file: HERE, document: 1 };

/** A validated CeresTenant built in code: `<id>-tenant`, realm `<id>-realm`, schema `<id>` with `_`. */
export function fixtureTenant(id: string, level: SubscriptionLevel, extra: Partial<TenantSpec> = {}): TenantSpec {
  return {
    name: `${id}-tenant`,
    displayName: `Tenant ${id}`,
    tenantId: id,
    keycloakRealm: `${id}-realm`,
    databaseSchema: id.replace(/-/g, '_'),
    subscriptionLevel: level,
    environments: ['dev', 'staging', 'prod'],
    secrets: [],
    source: SOURCE,
    ...extra,
  };
}

/** A validated CeresDatabase of a tenant: `<tenantId>-db`, 2 replicas of 10Gi, PostgreSQL 16. */
export function fixtureDatabase(tenantId: string, extra: Partial<DatabaseSpec> = {}): DatabaseSpec {
  return { name: `${tenantId}-db`, type: 'postgres', replicas: 2, size: '10Gi', version: '16', tenantId, source: SOURCE, ...extra };
}

/** A validated CeresBackup: daily at 02:00, 30 days, to the cluster's own store. */
export function fixtureBackup(name: string, includeNamespaces: readonly string[], extra: Partial<BackupSpec> = {}): BackupSpec {
  return {
    name,
    schedulePolicy: '0 2 * * *',
    retentionDays: 30,
    includeNamespaces,
    storageLocation: 'platform',
    encryption: 'AES-256-GCM',
    source: SOURCE,
    ...extra,
  };
}

/** No tenants, databases nor backups. */
export const EMPTY_INPUT: TenantInput = { tenants: [], databases: [], backups: [] };

/**
 * The default fixture input: one enterprise tenant with a database, a sealed and an external
 * secret (`ent-1`), and a daily backup of ceres and every tenant.
 */
export const FIXTURE_INPUT: TenantInput = {
  tenants: [
    fixtureTenant('ent-1', 'enterprise', {
      secrets: [
        { name: 'api-keys', sealed: { encryptedData: { 'stripe-key': 'AgBfixtureCiphertext' } } },
        { name: 'smtp', external: { store: 'cloud', key: 'smtp' } },
      ],
    }),
  ],
  databases: [fixtureDatabase('ent-1', { replicas: 3, size: '20Gi', version: '15' })],
  backups: [fixtureBackup('daily', [PlatformNamespaces.core, 'tenant-*'])],
};

/** One tenant of each tier (`starter-1`, `pro-1`, `ent-1`), each with a database. */
export const TENANT_PER_TIER: TenantInput = {
  tenants: [fixtureTenant('starter-1', 'starter'), fixtureTenant('pro-1', 'professional'), fixtureTenant('ent-1', 'enterprise')],
  databases: [fixtureDatabase('starter-1', { replicas: 1, size: '5Gi' }), fixtureDatabase('pro-1'), fixtureDatabase('ent-1', { replicas: 3 })],
  backups: [],
};

// ---------------------------------------------------------------------------------------------
// Rendering add-ons

export interface RenderOptions {
  /** @default fixturePlatform() */
  readonly platform?: PlatformConfig;
  /** Environment to render. @default the platform's first */
  readonly env?: string;
  /** @default FIXTURE_INPUT */
  readonly input?: TenantInput;
  /** @default FIXTURE_SERVICES */
  readonly services?: ServiceCatalog;
}

/** A rendered object whose manifest tests read freely (the generated shapes are checked by tsc in lib/). */
export type LooseObject = Omit<RenderedObject, 'manifest'> & { readonly manifest: any };

/** One rendered fixture environment: files (dist/ path → content), objects, and what each cluster applies. */
export interface Rendered {
  readonly platform: PlatformConfig;
  readonly environment: EnvironmentConfig;
  /** Paths relative to dist/ (`staging/mesh/mesh-wide.yaml`) → content. */
  readonly files: ReadonlyMap<string, string>;
  readonly objects: readonly LooseObject[];
  /** Cluster name → the objects its Argo CD applies. */
  readonly view: { readonly clusters: ReadonlyMap<string, readonly LooseObject[]> };
}

/** The namespace and tenant add-ons most others require (the ceres namespace, the tenants' folders). */
export function baseAddOns(): PlatformAddOn[] {
  return [new CeresNamespaceAddOn(), new TenantsAddOn()];
}

/**
 * Deploys the add-ons into one environment of the fixture platform, without rendering (to add
 * constructs before {@link renderOutput}). Composition is the platform's: order from requires and
 * provides, a missing provider is an error.
 */
export function buildAddOns(addOns: readonly PlatformAddOn[], options: RenderOptions = {}): EnvironmentOutput {
  const platform = options.platform ?? fixturePlatform();
  return buildEnvironmentOutput(
    platform,
    options.input ?? FIXTURE_INPUT,
    options.env ?? platform.environments[0].name,
    composePlatform(addOns),
    options.services ?? FIXTURE_SERVICES,
  );
}

/** Renders a built environment with the add-ons' checks (and the core checks). Throws SynthError. */
export function renderOutput(output: EnvironmentOutput, addOns: readonly PlatformAddOn[]): Rendered {
  const rendered = renderEnvironment(output, composePlatform(addOns).checks);
  return { platform: output.platform, environment: output.environment, files: rendered.files, objects: rendered.objects, view: rendered.view };
}

/** Deploys and renders the add-ons into the fixture environment, running their checks. Throws SynthError. */
export function renderAddOns(addOns: readonly PlatformAddOn[], options: RenderOptions = {}): Rendered {
  return renderOutput(buildAddOns(addOns, options), addOns);
}

/**
 * Renders constructs built in one chart, `dist/<env>/<folder>/<file>.yaml` of the fixture
 * environment, with the given checks (and the core checks). Throws SynthError.
 */
export function renderConstructs(
  build: (chart: Chart) => void,
  checks: readonly ManifestCheck[] = [],
  where: { folder?: string; file?: string; platform?: PlatformConfig } = {},
): Rendered {
  const platform = where.platform ?? fixturePlatform();
  const output = new EnvironmentOutput(platform, platform.environments[0]);
  build(output.folder(where.folder ?? 'test').manifest(where.file ?? 'test'));
  const rendered = renderEnvironment(output, checks);
  return { platform, environment: output.environment, files: rendered.files, objects: rendered.objects, view: rendered.view };
}

/**
 * The output folder of the Apps tests make: never written (the tests render in memory), and named so
 * that a test that did write would fail. cdk8s's `Testing.app()` and `Testing.chart()` otherwise make
 * a temporary folder for each App, which nothing removes (hundreds per run left in the temp folder).
 */
export const UNWRITTEN_OUTDIR = '/dev/null/cdk8s-outdir';

/** An App for tests (cdk8s `Testing.app()`, without its temporary folder: {@link UNWRITTEN_OUTDIR}). */
export function testApp(): App {
  return Testing.app({ outdir: UNWRITTEN_OUTDIR });
}

/** A chart for constructs that are not add-ons (cdk8s `Testing.chart()`, on {@link testApp}); {@link synthChart} renders it. */
export function testChart(): Chart {
  return new Chart(testApp(), 'test');
}

/** The manifests of a chart, in construct order (cdk8s `Testing.synth`). */
export function synthChart(chart: Chart): KubeManifest[] {
  return Testing.synth(chart) as KubeManifest[];
}

/** Runs a function expected to throw a SynthError; returns its problems. */
export function synthProblems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e: unknown) {
    const problems = (e as { problems?: unknown }).problems;
    if (Array.isArray(problems)) return problems as string[];
    throw e;
  }
  throw new Error('expected a SynthError, but rendering succeeded');
}

// ---------------------------------------------------------------------------------------------
// Queries

type Objects = readonly LooseObject[] | Rendered;
const list = (o: Objects): readonly LooseObject[] => ('objects' in o ? o.objects : o);
const groupOf = (m: KubeManifest) => (m.apiVersion.includes('/') ? m.apiVersion.split('/')[0] : '');

/** Predicate: an object of a kind (and API group, when given; '' is the core group). */
export const kindIs =
  (kind: string, group?: string) =>
  (o: RenderedObject): boolean =>
    o.manifest.kind === kind && (group === undefined || groupOf(o.manifest) === group);

/** The manifests of a kind (in a namespace, when given). */
export function ofKind(objects: Objects, kind: string, namespace?: string): KubeManifest[] {
  return list(objects)
    .map((o) => o.manifest)
    .filter((m) => m.kind === kind && (namespace === undefined || m.metadata.namespace === namespace));
}

/** The one manifest of a kind and name (and namespace, when given); throws unless there is exactly one. */
export function find(objects: Objects, kind: string, name: string, namespace?: string): KubeManifest {
  const found = list(objects).filter(
    (o) => o.manifest.kind === kind && o.manifest.metadata.name === name && (namespace === undefined || o.manifest.metadata.namespace === namespace),
  );
  if (found.length !== 1) throw new Error(`expected one ${kind} ${namespace ?? '*'}/${name}, found ${found.length}`);
  return found[0].manifest;
}

/** The rendered object (with its file and folder) of a kind and name; throws unless there is exactly one. */
export function findObject(objects: Objects, kind: string, name: string, namespace?: string): LooseObject {
  const found = list(objects).filter(
    (o) => o.manifest.kind === kind && o.manifest.metadata.name === name && (namespace === undefined || o.manifest.metadata.namespace === namespace),
  );
  if (found.length !== 1) throw new Error(`expected one ${kind} ${namespace ?? '*'}/${name}, found ${found.length}`);
  return found[0];
}

/** The objects a cluster's Argo CD applies. */
export function appliedBy(rendered: Rendered, cluster: string): readonly LooseObject[] {
  const objects = rendered.view.clusters.get(cluster);
  if (!objects) throw new Error(`no cluster ${cluster}; have ${[...rendered.view.clusters.keys()].join(', ')}`);
  return objects;
}

/** The Helm Application of a chart in a cluster's app of apps (rendered by the GitOps add-on). */
export function helmApp(rendered: Rendered, cluster: string, chart: string): KubeManifest {
  const found = appliedBy(rendered, cluster).filter(
    (o) => o.folder === `clusters/${cluster}/argocd` && o.manifest.kind === 'Application' && o.manifest.metadata.labels?.['ceres.io/addon'] === chart,
  );
  if (found.length !== 1) throw new Error(`expected one Application of chart ${chart} in ${cluster}'s app of apps, found ${found.length}`);
  return found[0].manifest;
}

/** The Helm values of a chart's Application in a cluster. */
export function helmValues(rendered: Rendered, cluster: string, chart: string): any {
  return helmApp(rendered, cluster, chart).spec.source.helm.valuesObject;
}

/** Sync wave annotation of an object (0 when absent). */
export function wave(m: KubeManifest): number {
  return Number(m.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Snapshots

/**
 * The rendered files whose dist/ path matches, path → content, sorted by path: the YAML a library
 * produced on the fixture, for `toMatchSnapshot()`.
 */
export function yamlFiles(rendered: Rendered, match: RegExp | ((path: string) => boolean)): Record<string, string> {
  const test = typeof match === 'function' ? match : (p: string) => match.test(p);
  const paths = [...rendered.files.keys()].filter(test).sort();
  if (paths.length === 0) throw new Error(`no rendered file matches ${String(match)}; have ${[...rendered.files.keys()].join(', ')}`);
  return Object.fromEntries(paths.map((p) => [p, rendered.files.get(p)!]));
}

/** Objects as one YAML stream, as dist/ writes them (for a snapshot of objects spread over files). */
export function yamlOf(objects: readonly (RenderedObject | KubeManifest)[]): string {
  if (objects.length === 0) throw new Error('no objects to write');
  return toYamlStream(objects.map((o) => ('manifest' in o ? o.manifest : o)));
}
