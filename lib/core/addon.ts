import { ManifestCheck } from './checks';
import { Flow, FlowTarget } from './flows';
import { PlatformNamespaces } from './namespaces';
import { BackupSpec, DatabaseSpec, TenantSpec } from './input/types';
import { ClusterConfig, EnvironmentConfig, PlatformConfig } from './model';
import { EnvironmentOutput } from './output';
import { ServiceCatalog } from './services';
import { ClusterPlacement } from './topology';
import { ConsoleSpec } from './traffic-failover';

/**
 * The contracts between the platform and its add-ons (EKS Blueprints' `spi/addon-contracts`): what an
 * add-on declares (its Helm charts, its namespaces, what it needs and provides) and what it sees when
 * it deploys. Implementations live in the domains; `composePlatform` orders and checks them.
 */

/** Pod Security Standards level (https://kubernetes.io/docs/concepts/security/pod-security-standards/). */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/**
 * A namespace an add-on needs, and the Pod Security level its pods need. The namespace table of the
 * platform (Pod Security labels, the admission policies' exclusions, the namespaces backups may name)
 * is the union of these declarations.
 */
export interface NamespaceDeclaration {
  /** Namespace name, as rendered and as add-ons and tenants refer to it. */
  readonly name: string;
  /** Pod Security level its pods need (PSA labels and the admission policies agree on it). */
  readonly podSecurity: PodSecurityLevel;
  /** Why it needs more than `restricted` (shown on the namespace and in docs). Required unless restricted. */
  readonly reason?: string;
  /**
   * Who renders the Namespace object: `platform` (the guardrails' platform-namespaces folder), `self`
   * (the declaring add-on renders it) or `cluster` (it exists in every cluster, nobody renders it).
   * @default 'platform'
   */
  readonly renderedBy?: 'platform' | 'self' | 'cluster';
  /** Its pods run images from any registry (third-party charts); the allowed-registries policy skips it. */
  readonly thirdPartyImages: boolean;
}

/**
 * `kube-system`, which every cluster has: any add-on whose chart installs there declares it with
 * this one declaration (identical declarations from several add-ons are one), so no add-on depends on
 * another having declared it.
 */
export const KUBE_SYSTEM_NAMESPACE: NamespaceDeclaration = {
  name: PlatformNamespaces.kubeSystem,
  podSecurity: 'privileged',
  reason: 'CNI, kube-proxy, CSI node plugins',
  renderedBy: 'cluster',
  thirdPartyImages: true,
};

/** A Helm repository chart at an exact version. */
export interface HelmChartRef {
  /** Helm repository URL (`https://charts.jetstack.io`), or an OCI registry path without scheme (Argo CD's form). */
  readonly repoURL: string;
  /** Chart name. */
  readonly chart: string;
  /** Pinned chart version (never a range); a leading `v` is kept when the chart's versions carry one (cert-manager). */
  readonly version: string;
}

/** A field a controller owns, ignored in Argo CD diffs. */
export interface IgnoredDifference {
  /** API group of the owned objects (`''` for the core group, `apps`, `admissionregistration.k8s.io`). */
  readonly group: string;
  /** Kind of the owned objects (`Deployment`, `MutatingWebhookConfiguration`). */
  readonly kind: string;
  /** JSON pointers of the fields the controller writes (`/spec/replicas`), left out of the diff. */
  readonly jsonPointers: readonly string[];
  /** Only the object of this name. @default every object of the kind */
  readonly name?: string;
  /** Only objects in this namespace. @default every namespace */
  readonly namespace?: string;
}

/** The cluster a chart is configured for, and what its values may depend on. */
export interface ChartTarget {
  /** The whole platform description (registries, GitOps repository, Keycloak URL). */
  readonly platform: PlatformConfig;
  /** The environment the cluster belongs to (sizing, base domain, tracing). */
  readonly environment: EnvironmentConfig;
  /** The cluster the values are for (cloud, profile, region, Kubernetes version). */
  readonly cluster: ClusterConfig;
  /** Platform backup schedules. */
  readonly backups: readonly BackupSpec[];
  /** The service catalog of the environment. */
  readonly services: ServiceCatalog;
}

/**
 * A Helm chart an add-on installs, as a value: the GitOps delivery renders one Argo CD Application
 * per chart and cluster that matches its placement, and the platform AppProject admits its repository.
 */
export interface HelmChart<V extends object = object> {
  /** Short name (`cert-manager`); the Application is `<cluster>-<name>`. */
  readonly name: string;
  /** The upstream chart and its pinned version. */
  readonly chart: HelmChartRef;
  /** Helm release name (service names derive from it). @default the chart's name */
  readonly releaseName?: string;
  /** Namespace the release is installed into. */
  readonly namespace: string;
  /** Which clusters run it. */
  readonly placement: ClusterPlacement;
  /**
   * API groups of the CRDs the chart installs: a folder using these groups only goes to clusters
   * that get the chart.
   */
  readonly crdGroups: readonly string[];
  /** One line for docs. */
  readonly description: string;
  /**
   * The chart's Chart.yaml `kubeVersion` constraint, recorded so `npm run verify` can check every
   * cluster's Kubernetes version without the chart at hand (and compare with the chart when it is).
   * @default no constraint
   */
  readonly kubeVersion?: string;
  /** Sync wave of its Application in the app of apps. @default SyncWave.operators */
  readonly syncWave?: number;
  /** Fields controllers own in the release's objects. @default [] */
  readonly ignoreDifferences?: readonly IgnoredDifference[];
  /** File of the app-of-apps folder its Applications go to. @default 'addons' */
  readonly file?: string;
  /**
   * A web UI the chart serves to people: published at `https://<app>.<cluster>.<baseDomain>` through
   * the ingress gateway where the cluster takes public traffic (the mesh add-on routes it, the AWS
   * stack's zone answers for it; lib/core/traffic-failover.ts). @default none
   */
  readonly console?: ConsoleSpec;
  /** The chart's values for a cluster: an interface per chart, with only the keys we set. */
  values(target: ChartTarget): V;
  /**
   * What an operator does by hand on a cluster before its root Application syncs, for this chart:
   * secrets that must never be in git or Terraform state, facts that exist only after `terraform
   * apply`. Each step is Markdown lines: a sentence, then a fenced block of commands. The GitOps
   * add-on numbers the steps of the charts a cluster runs into its bootstrap README, in add-on order.
   * @default no step
   */
  bootstrap?(target: ChartTarget): readonly BootstrapStep[];
}

/** A directory of plain Kubernetes manifests in a git repository, at a pinned tag. */
export interface GitManifestsRef {
  /** Git repository URL (`https://github.com/keycloak/keycloak-k8s-resources`), as Argo CD fetches it and the AppProject admits it. */
  readonly repoURL: string;
  /** Pinned tag (never a branch: what is applied must not move). */
  readonly tag: string;
  /** Directory of the repository whose YAML files are applied, not recursively (`kubernetes`). */
  readonly path: string;
}

/**
 * Upstream manifests an add-on installs as they are published (an operator with no Helm chart, such
 * as Keycloak's): the GitOps delivery renders one Argo CD Application per cluster matching its
 * placement, with the directory as source, and the platform AppProject admits the repository. Beside
 * {@link HelmChart}, read by the same consumers (routing by CRD groups, namespaces, flows, verify).
 */
export interface GitManifests {
  /** Short name (`keycloak-operator`); the Application is named after it. */
  readonly name: string;
  /** The repository, tag and directory. */
  readonly source: GitManifestsRef;
  /** Namespace the namespaced objects are applied into (the Application's destination). */
  readonly namespace: string;
  /** Which clusters run it. */
  readonly placement: ClusterPlacement;
  /** API groups of the CRDs the directory holds (a folder using them only goes where these manifests go). */
  readonly crdGroups: readonly string[];
  /** One line for docs. */
  readonly description: string;
  /** Sync wave of its Application in the app of apps. @default SyncWave.operators */
  readonly syncWave?: number;
  /** File of the app-of-apps folder its Application goes to. @default 'addons' */
  readonly file?: string;
  /**
   * JSON patches (RFC 6902, `add` and `replace`) Argo CD applies to upstream objects as it renders
   * them (`source.kustomize.patches`): what the published manifests lack (a securityContext). @default none
   */
  readonly patches?: readonly ManifestPatch[];
  /** What an operator does by hand on a cluster before its root Application syncs (as {@link HelmChart.bootstrap}). @default no step */
  bootstrap?(target: ChartTarget): readonly BootstrapStep[];
}

/** A JSON patch of one upstream object. */
export interface ManifestPatch {
  /** The object patched: its kind, name and API group (`apps`; `''` for the core group). */
  readonly target: { readonly group: string; readonly kind: string; readonly name: string };
  /** The operations, applied in order. */
  readonly operations: readonly { readonly op: 'add' | 'replace'; readonly path: string; readonly value: unknown }[];
}

/** One numbered step of a cluster's bootstrap README: Markdown lines, the first a sentence. */
export type BootstrapStep = readonly string[];

/**
 * A typed fact one add-on provides to others (EKS Blueprints' `@dependable`, but by type rather than
 * by class): `ctx.provide(cap, value)` in the provider, `ctx.use(cap)` in the consumer. Declaring
 * `provides` / `requires` orders the add-ons; a missing provider or a cycle stops the synth.
 */
export class Capability<T> {
  /** Phantom field: keeps `T` in the type. */
  declare readonly _type?: T;
  constructor(public readonly name: string) {}
}

/** What the composition knows before any add-on deploys. */
export interface PlatformCatalog {
  /** Every Helm chart of every add-on, in add-on order. */
  readonly charts: readonly HelmChart[];
  /** Every directory of upstream git manifests of every add-on, in add-on order. */
  readonly manifests: readonly GitManifests[];
  /** Every namespace declared by an add-on, sorted by name. */
  readonly namespaces: readonly NamespaceDeclaration[];
  /**
   * The flows every add-on declares for one cluster (an add-on with charts only where one of them
   * runs): what the cluster's NetworkPolicies are generated from and `npm run verify` proves.
   */
  flows(target: FlowTarget): readonly Flow[];
}

/** What an add-on sees when it deploys into one environment. */
export interface PlatformContext {
  /** The whole platform description (registries, GitOps repository, Keycloak URL). */
  readonly platform: PlatformConfig;
  /** The environment being deployed (its clusters, sizing, base domain). */
  readonly environment: EnvironmentConfig;
  /** The environment's output: the dist/ folders (environment-wide or per cluster) the add-on renders into. */
  readonly output: EnvironmentOutput;
  /** Tenants deployed to this environment (their `environments` include it), in input order. */
  readonly tenants: readonly TenantSpec[];
  /** Databases of those tenants. */
  readonly databases: readonly DatabaseSpec[];
  /** Platform backup schedules. */
  readonly backups: readonly BackupSpec[];
  /** The services deployed in this environment (workloads and mesh both derive from it). */
  readonly services: ServiceCatalog;
  /** The charts and namespaces of every add-on. */
  readonly catalog: PlatformCatalog;
  /** A capability provided by an add-on this one `requires`. */
  use<T>(capability: Capability<T>): T;
  /** Provides a capability this add-on declared in `provides`. */
  provide<T>(capability: Capability<T>, value: T): void;
}

/**
 * What an add-on sees when it renders one tenant ({@link PlatformAddOn.deployTenant}): the tenant's
 * document and databases and the environment, never the other tenants. The output is the tenant's
 * own (a cdk8s App of its own, so nothing in it can reach another tenant's constructs); what is
 * rendered there is cached under the hash of exactly these inputs and the code (lib/core/tenant-render.ts).
 */
export interface TenantContext {
  /** The whole platform description, as the environment's add-ons see it. */
  readonly platform: PlatformConfig;
  /** The environment being deployed. */
  readonly environment: EnvironmentConfig;
  /** The tenant's own output: the folders (its own, or shared such as a cluster's databases folder) and files it renders into. */
  readonly output: EnvironmentOutput;
  /** The tenant (deployed to this environment). */
  readonly tenant: TenantSpec;
  /** The tenant's databases. */
  readonly databases: readonly DatabaseSpec[];
  /** The service catalog (code, the same for every tenant). */
  readonly services: ServiceCatalog;
  /** The charts and namespaces of every add-on. */
  readonly catalog: PlatformCatalog;
}

/**
 * One part of the platform (the ceres namespace, tenants, the mesh, observability, GitOps). The
 * platform app only lists add-ons; `composePlatform` orders them by what they require and provide,
 * so a new add-on never edits the core and never depends on its position in a list.
 */
export interface PlatformAddOn {
  /** Short name, unique in the platform, for messages and `after`. */
  readonly name: string;
  /** Helm charts the add-on installs. @default [] */
  readonly charts?: readonly HelmChart[];
  /** Upstream git manifests the add-on installs (operators published without a chart). @default [] */
  readonly manifests?: readonly GitManifests[];
  /** Namespaces the add-on needs. @default [] */
  readonly namespaces?: readonly NamespaceDeclaration[];
  /** Capabilities the add-on uses (deployed after their providers). @default [] */
  readonly requires?: readonly Capability<unknown>[];
  /** Capabilities the add-on provides. @default [] */
  readonly provides?: readonly Capability<unknown>[];
  /**
   * Add-ons (by name) that must deploy before this one without a capability between them, or `'all'`
   * for an add-on that derives from everything the others rendered (the app of apps).
   * @default []
   */
  readonly after?: readonly string[] | 'all';
  /** Adds this add-on's folders and objects to one environment. */
  deploy?(ctx: PlatformContext): void;
  /**
   * Renders what the add-on has of one tenant's own files, from that tenant alone (its document, its
   * databases, the environment). Called once per tenant of the environment, in add-on order, before
   * any `deploy`; its folders and objects join the environment's output (checks and the app of apps
   * see them), and a synth whose tenant and code did not change reads them from the render cache.
   * What lists or compares tenants stays in `deploy`. @default nothing per tenant
   */
  deployTenant?(ctx: TenantContext): void;
  /** Checks over the rendered objects of each environment, run before anything is written. */
  readonly checks?: readonly ManifestCheck[];
  /**
   * The network flows the add-on's components need on a cluster (`npm run verify` proves the
   * cluster's policies allow each). @default none
   */
  flows?(target: FlowTarget): readonly Flow[];
}
