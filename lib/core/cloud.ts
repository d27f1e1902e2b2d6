import { subnetCidr } from './cidr';
import type { DatabaseSpec, TenantSpec } from './input/types';
import { Cloud, ClusterConfig, EnvironmentConfig, PlatformConfig } from './model';
import { tenantNames } from './names';
import { PlatformNamespaces } from './namespaces';
import { archiveReaders, environmentDatabases, isDatabaseSite, keycloakDatabase, PLATFORM_DATABASE } from './database-topology';
import { KEYCLOAK, keycloakUrl, PLATFORM_REALM, realmIssuer } from './realm';
import { BACKUP_CLUSTERS, DATABASE_SITES, placementApplies, profileOf, traitsOf } from './topology';

/**
 * The facts that cross the boundary between the Terraform app and the Kubernetes app, derived once
 * from the platform description: each cluster's network plan, its backup store, the workload
 * identities bound to it (cloud identity ↔ namespace/ServiceAccount, and what each may touch), the
 * private data endpoints its services reach, and the bootstrap facts that exist only after
 * `terraform apply`. Terraform creates exactly these; the charts and manifests use exactly these;
 * `npm run verify` checks both sides against each other. No name here is derived anywhere else.
 */

/** A cloud that Terraform provisions (edge sites are not). */
export type ProvisionedCloud = Exclude<Cloud, 'edge'>;

export function isProvisioned(cluster: ClusterConfig): cluster is ClusterConfig & { cloud: ProvisionedCloud } {
  return cluster.cloud !== 'edge';
}

/** Lowercase alphanumerics only, cut to `max` characters (Azure storage account and Key Vault names). */
export function alphanumeric(value: string, max: number): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, max);
}

/** The cloud a Terraform stack targets (edge sites get no stack). */
export type TerraformCloud = Exclude<Cloud, 'edge'>;

/** The stack (and `dist/terraform/<id>/`) name of an environment on a cloud: `prod-aws`; read by the Terraform app and by verify. */
export function stackName(env: string, cloud: TerraformCloud): string {
  return `${env}-${cloud}`;
}

// ---------------------------------------------------------------------------------------------
// Network plan

/** The subnets of a cluster's network, computed once (Terraform creates them; NetworkPolicies name them). */
export interface NetworkPlan {
  /** The whole network (VPC / VNet / VPC subnet range). */
  readonly cidr: string;
  /** Node (and, with the AWS VPC CNI and Azure CNI, pod) subnets. */
  readonly nodes: readonly string[];
  /** Subnets of the managed databases and caches: the only addresses data endpoints live at. */
  readonly data: readonly string[];
  /** Public subnets (NAT gateways, internet-facing load balancers). */
  readonly public: readonly string[];
  /** Private endpoints (Azure storage). */
  readonly endpoints: readonly string[];
}

/** Availability zones used per AWS region (three, `a`–`c`). */
export function awsZones(region: string): string[] {
  return ['a', 'b', 'c'].map((z) => `${region}${z}`);
}

/** The network plan of a cloud cluster (a /16): AWS three AZs of /18 nodes, /21 data and public subnets; Azure one /18 node subnet, a /24 for PostgreSQL and one for private endpoints; GCP a /20 node range. */
export function networkPlan(cluster: ClusterConfig): NetworkPlan | undefined {
  const cidr = cluster.networkCidr;
  if (!cidr || cluster.cloud === 'edge') return undefined;
  switch (cluster.cloud) {
    case 'aws':
      return {
        cidr,
        nodes: [0, 1, 2].map((i) => subnetCidr(cidr, 18, i)),
        data: [0, 1, 2].map((i) => subnetCidr(cidr, 21, 24 + i)),
        public: [0, 1, 2].map((i) => subnetCidr(cidr, 21, 27 + i)),
        endpoints: [],
      };
    case 'azure':
      return { cidr, nodes: [subnetCidr(cidr, 18, 0)], data: [subnetCidr(cidr, 24, 64)], public: [], endpoints: [subnetCidr(cidr, 24, 65)] };
    case 'gcp':
      return { cidr, nodes: [subnetCidr(cidr, 20, 0)], data: [], public: [], endpoints: [] };
  }
}

/**
 * The secondary ranges of a GKE cluster's node subnet (Autopilot and Standard): services the second
 * /20 of the network, pods its upper /17. Outside every range of {@link networkPlan}.
 */
export function gkeSecondaryRanges(cluster: ClusterConfig): { readonly services: string; readonly pods: string } | undefined {
  const cidr = cluster.networkCidr;
  if (!cidr || cluster.cloud !== 'gcp') return undefined;
  return { services: subnetCidr(cidr, 20, 1), pods: subnetCidr(cidr, 17, 1) };
}

// ---------------------------------------------------------------------------------------------
// Backup store

/** The object store a cluster's backups go to: on the cluster's own cloud, in its region, created by its stack. */
export interface BackupStore {
  /** The cloud the store is on: always the cluster's own. */
  readonly cloud: ProvisionedCloud;
  /** S3 / GCS bucket name; on Azure the storage account name. */
  readonly bucket: string;
  /** AWS region, GCS location, Azure location. */
  readonly region: string;
  /** Azure: the resource group of the storage account. */
  readonly resourceGroup?: string;
  /** Azure: blob containers per use; elsewhere prefixes of the bucket. */
  readonly velero: { readonly container?: string; readonly prefix: string };
  /** Where CloudNativePG archives WAL and base backups: an Azure container, elsewhere a prefix of the bucket. */
  readonly postgres: { readonly container?: string; readonly prefix: string };
}

/**
 * AWS regions the platform supports, each with the region its backups are replicated to (another
 * region of the same geography). `validatePlatform` refuses AWS clusters in other regions.
 */
export const AWS_BACKUP_REPLICA_REGIONS: Readonly<Record<string, string>> = {
  'eu-west-1': 'eu-central-1',
  'eu-central-1': 'eu-west-1',
  'eu-west-2': 'eu-west-1',
  'eu-west-3': 'eu-central-1',
  'us-east-1': 'us-west-2',
  'us-east-2': 'us-west-2',
  'us-west-2': 'us-east-1',
};

/**
 * The name a pool takes while AKS rotates it (changes to VM size, zones, max pods, kubelet or OS config
 * replace the pool through a temporary one): 1-12 lowercase alphanumerics, distinct from every pool name.
 */
export function aksRotationPoolName(pool: string): string {
  return `${pool.slice(0, 9)}tmp`;
}

/** The CSI driver of each cloud's default block volumes (EBS, Azure Disk, GCE PD); K3s uses local-path, which has none. */
export const CSI_DISK_DRIVERS: Readonly<Record<Cloud, string | undefined>> = {
  aws: 'ebs.csi.aws.com',
  azure: 'disk.csi.azure.com',
  gcp: 'pd.csi.storage.gke.io',
  edge: undefined,
};

/** A node label and the value that marks a node as spot capacity. */
export interface SpotNodeLabel {
  /** Label key, as the cloud or the autoscaler sets it. */
  readonly key: string;
  /** The value on spot nodes. */
  readonly value: string;
}

/**
 * How each cloud marks spot nodes: Karpenter's capacity type and EKS managed node groups' capacity
 * type (the node groups Terraform creates with `capacityType: SPOT`), the label AKS puts on Spot VM
 * scale sets (and taints them with, which Terraform declares), GKE's Spot label (also the
 * `nodeSelector` of Spot Pods on Autopilot). Terraform, the cost rules and the KSM label allowlist read
 * these.
 */
export const SPOT_NODE_LABELS: Readonly<Record<Cloud, readonly SpotNodeLabel[]>> = {
  aws: [
    { key: 'karpenter.sh/capacity-type', value: 'spot' },
    { key: 'eks.amazonaws.com/capacityType', value: 'SPOT' },
  ],
  azure: [{ key: 'kubernetes.azure.com/scalesetpriority', value: 'spot' }],
  gcp: [{ key: 'cloud.google.com/gke-spot', value: 'true' }],
  edge: [],
};

/**
 * Interchangeable instance families (same vCPU and memory per size), so a spot pool can draw on several
 * spot capacity pools: a reclaim wave in one family does not empty the node group.
 */
const SPOT_FAMILIES: readonly (readonly string[])[] = [
  ['c5', 'c5a', 'c6i', 'c6a', 'c7i'],
  ['m5', 'm5a', 'm6i', 'm6a', 'm7i'],
  ['r5', 'r5a', 'r6i', 'r6a', 'r7i'],
  ['t3', 't3a'],
];

/**
 * The instance types of an AWS spot pool (the EKS node group Terraform creates, and the cost rules that price it): the model's type first, then the same size in the interchangeable
 * families (`c5.xlarge` → c5, c5a, c6i, c6a, c7i `.xlarge`). Unknown families keep the single type.
 */
export function spotInstanceTypes(instanceType: string): string[] {
  const [family, size] = instanceType.split('.');
  const group = SPOT_FAMILIES.find((g) => g.includes(family));
  if (!group || !size) return [instanceType];
  return [instanceType, ...group.filter((f) => f !== family).map((f) => `${f}.${size}`)];
}

/** How a pod asks for spot capacity on a cluster that sells it per pod. */
export interface SpotPodScheduling {
  /** The spot node label as a nodeSelector. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** The longest grace period a spot pod gets when it is preempted, in seconds. */
  readonly terminationGracePeriodSeconds: number;
}

/**
 * Spot scheduling for an interruptible, replicated platform component, where the cluster sells spot
 * capacity per pod: GKE Autopilot Spot Pods (the `cloud.google.com/gke-spot` nodeSelector; Autopilot
 * taints the Spot nodes and adds the toleration itself; a preempted Spot Pod gets at most 25 s).
 * Undefined elsewhere: on node clouds spot capacity is node pools (Terraform, Karpenter).
 */
export function spotPodScheduling(cluster: ClusterConfig): SpotPodScheduling | undefined {
  if (profileOf(cluster) !== 'gke-autopilot') return undefined;
  const label = SPOT_NODE_LABELS.gcp[0];
  return { nodeSelector: { [label.key]: label.value }, terminationGracePeriodSeconds: 25 };
}

/** The well-known node label carrying the cloud instance type (`c5.xlarge`, `Standard_D4s_v5`). */
export const INSTANCE_TYPE_NODE_LABEL = 'node.kubernetes.io/instance-type';

/**
 * The CSI driver whose snapshots back up a cluster's volumes, where the cluster has the snapshot API
 * (profile trait `provides.volumeSnapshots`, or the snapshot controller EKS gets from Terraform) and
 * its disks are CSI volumes; undefined elsewhere (then Velero's file-system backup does it).
 */
export function csiSnapshotDriver(cluster: ClusterConfig): string | undefined {
  return traitsOf(cluster).provides.volumeSnapshots ? CSI_DISK_DRIVERS[cluster.cloud] : undefined;
}

/** GCP region prefixes with a GCS multi-region for backups (`gcsMultiRegion`). */
export const GCS_MULTI_REGIONS: Readonly<Record<string, string>> = { 'europe-': 'EU', 'us-': 'US', 'asia-': 'ASIA' };

/** The multi-region of a GCP region's backups (`europe-west1` → `EU`): cross-region by construction. */
export function gcsMultiRegion(region: string): string {
  for (const [prefix, multiRegion] of Object.entries(GCS_MULTI_REGIONS)) if (region.startsWith(prefix)) return multiRegion;
  throw new Error(`no GCS multi-region is known for ${region}; add it to gcsMultiRegion`);
}

/** A cluster's backup store (undefined for edge sites, which have none). */
export function backupStore(platform: PlatformConfig, environment: EnvironmentConfig, cluster: ClusterConfig): BackupStore | undefined {
  switch (cluster.cloud) {
    case 'aws':
      return {
        cloud: 'aws',
        bucket: `${cluster.name}-backups-${cluster.region}`,
        region: cluster.region,
        velero: { prefix: 'velero' },
        postgres: { prefix: 'cnpg' },
      };
    case 'gcp':
      return {
        cloud: 'gcp',
        bucket: `${cluster.name}-backups-${cluster.region}`,
        region: gcsMultiRegion(cluster.region),
        velero: { prefix: 'velero' },
        postgres: { prefix: 'cnpg' },
      };
    case 'azure':
      return {
        cloud: 'azure',
        bucket: alphanumeric(`${platform.name}${environment.name}backups`, 24),
        region: cluster.region,
        resourceGroup: azureResourceGroup(cluster),
        velero: { container: 'velero', prefix: '' },
        postgres: { container: 'postgres', prefix: '' },
      };
    default:
      return undefined;
  }
}

/** The Azure resource group of a cluster's resources. */
export function azureResourceGroup(cluster: ClusterConfig): string {
  return `${cluster.name}-rg`;
}

/**
 * Where a tenant namespace's PostgreSQL clusters archive (Barman `destinationPath`): the store of
 * the cluster they run on, under the namespace's own prefix, so one tenant's identity can be kept
 * to its own objects.
 */
export function postgresBackupPath(store: BackupStore, namespace: string): string {
  const under = (prefix: string) => [prefix, namespace].filter(Boolean).join('/');
  switch (store.cloud) {
    case 'aws':
      return `s3://${store.bucket}/${under(store.postgres.prefix)}`;
    case 'gcp':
      return `gs://${store.bucket}/${under(store.postgres.prefix)}`;
    case 'azure':
      return `https://${store.bucket}.blob.core.windows.net/${store.postgres.container}/${under(store.postgres.prefix)}`;
  }
}

/** The object key prefix of a namespace's PostgreSQL archive inside the store (`cnpg/tenant-acme-001`). */
export function postgresObjectPrefix(store: BackupStore, namespace: string): string {
  return [store.postgres.prefix, namespace].filter(Boolean).join('/');
}

// ---------------------------------------------------------------------------------------------
// Workload identities

/** What a workload identity may touch. */
export type IdentityAccess =
  /** Read and write the cluster's backup store under a prefix (or an Azure container). */
  | { readonly kind: 'backup-store'; readonly use: 'velero' | 'postgres'; readonly prefix: string }
  /**
   * Read (never write) the cluster's PostgreSQL archive under a prefix, for a ServiceAccount of
   * another cluster (`readerCluster`, on another cloud) whose token the identity trusts: a replica
   * site replaying this site's archive (lib/core/database-topology.ts).
   */
  | { readonly kind: 'archive-reader'; readonly prefix: string; readonly readerCluster: ClusterConfig }
  /** Karpenter's node management (EC2, SQS interruption queue, pricing). */
  | { readonly kind: 'karpenter' };

/** A Kubernetes ServiceAccount that Terraform binds to a cloud identity. */
export interface WorkloadIdentity {
  /** Short name, unique per cluster, used in cloud identity names (`<cluster>-<name>`). */
  readonly name: string;
  /** Namespace of the ServiceAccount. */
  readonly namespace: string;
  /** ServiceAccount name the workload's pods run as (set in its chart values or Cluster). */
  readonly serviceAccount: string;
  /** What the bound cloud identity may touch; Terraform turns it into a policy or role assignment. */
  readonly access: IdentityAccess;
  /** One line saying what the identity is for, on the cloud identity Terraform creates. */
  readonly description: string;
}

/** The Velero server's ServiceAccount (the node agent and maintenance jobs run as it too). */
export const VELERO_SERVICE_ACCOUNT = 'velero-server';
/** Karpenter's controller ServiceAccount (chart default, set explicitly). */
export const KARPENTER_SERVICE_ACCOUNT = 'karpenter';

/** The workload identity name of a PostgreSQL cluster's instances (`pg-<namespace>-<name>`; Azure's client id output is keyed by it). */
export function postgresIdentityName(namespace: string, name: string): string {
  return `pg-${namespace}-${name}`;
}

/** A PostgreSQL cluster the platform runs on a cluster, whose instances need their namespace's archive. */
export interface PostgresClusterRef {
  /** Namespace of the Cluster (a tenant's namespace); its archive is the store's prefix for this namespace. */
  readonly namespace: string;
  /** The CloudNativePG Cluster name; its instances run as a ServiceAccount of the same name. */
  readonly name: string;
}

/**
 * The identities of a cluster: Velero (the whole Velero area of the store), each PostgreSQL
 * cluster (its namespace's prefix only) and, on clusters that run it, Karpenter.
 */
export function workloadIdentities(
  platform: PlatformConfig,
  environment: EnvironmentConfig,
  cluster: ClusterConfig,
  options: {
    readonly postgres?: readonly PostgresClusterRef[];
    readonly karpenter?: boolean;
    readonly velero?: boolean;
    readonly archiveReaders?: readonly ArchiveReaderRef[];
  } = {},
): WorkloadIdentity[] {
  const store = backupStore(platform, environment, cluster);
  if (!store) return [];
  const out: WorkloadIdentity[] = [];
  if (options.velero ?? true) {
    out.push({
      name: 'velero',
      namespace: PlatformNamespaces.velero,
      serviceAccount: VELERO_SERVICE_ACCOUNT,
      access: { kind: 'backup-store', use: 'velero', prefix: store.velero.prefix },
      description: 'Velero backups and restores (server, node agent, repository maintenance)',
    });
  }
  for (const pg of options.postgres ?? []) {
    out.push({
      name: postgresIdentityName(pg.namespace, pg.name),
      namespace: pg.namespace,
      serviceAccount: pg.name,
      access: { kind: 'backup-store', use: 'postgres', prefix: postgresObjectPrefix(store, pg.namespace) },
      description: `WAL archive and base backups of ${pg.namespace}/${pg.name}`,
    });
  }
  for (const r of options.archiveReaders ?? []) {
    out.push({
      name: r.identityName,
      namespace: r.namespace,
      serviceAccount: r.serviceAccount,
      access: { kind: 'archive-reader', prefix: r.prefix, readerCluster: r.readerCluster },
      description: `${r.readerCluster.name} replays the PostgreSQL archive ${r.prefix} (${r.namespace}/${r.serviceAccount})`,
    });
  }
  if (options.karpenter) {
    out.push({
      name: 'karpenter',
      namespace: PlatformNamespaces.kubeSystem,
      serviceAccount: KARPENTER_SERVICE_ACCOUNT,
      access: { kind: 'karpenter' },
      description: 'Karpenter node provisioning',
    });
  }
  return out;
}

/** A ServiceAccount of another cluster allowed to read part of this cluster's PostgreSQL archive. */
export interface ArchiveReaderRef {
  /** Identity name, unique in the source cluster's stack. */
  readonly identityName: string;
  /** Namespace of the reader's ServiceAccount (the same tenant namespace on both clusters). */
  readonly namespace: string;
  /** The reader's ServiceAccount (its Cluster's name). */
  readonly serviceAccount: string;
  /** Object prefix it may read (the source site's archive). */
  readonly prefix: string;
  /** The cluster the reader runs on (its OIDC issuer is trusted). */
  readonly readerCluster: ClusterConfig;
}

/** The part of the tenant input that decides which PostgreSQL clusters run where. */
export interface PostgresInput {
  /** Tenants, for the environments each is deployed to. */
  readonly tenants: readonly Pick<TenantSpec, 'tenantId' | 'environments'>[];
  /** CeresDatabases, by name and the tenant they belong to. */
  readonly databases: readonly Pick<DatabaseSpec, 'name' | 'tenantId'>[];
}

/**
 * The CloudNativePG clusters that run on a cluster: the platform database and every CeresDatabase of
 * a tenant deployed to the environment, on every database site ({@link DATABASE_SITES}: the primary and its replicas, see
 * lib/core/database-topology.ts), as the Cluster named after the database in the tenant's namespace.
 * Sorted by namespace, then name.
 */
export function postgresClusters(environment: EnvironmentConfig, cluster: ClusterConfig, input: PostgresInput): PostgresClusterRef[] {
  if (!placementApplies(DATABASE_SITES, cluster)) return [];
  const deployed = new Set(input.tenants.filter((t) => t.environments.includes(environment.name)).map((t) => t.tenantId));
  // The platform database runs on every site of an environment that has sites (lib/core/database-topology.ts platformDatabase).
  const own = isDatabaseSite(environment, cluster) ? [{ namespace: PLATFORM_DATABASE.namespace, name: PLATFORM_DATABASE.name }] : [];
  return [...own, ...input.databases.filter((d) => deployed.has(d.tenantId)).map((d) => ({ namespace: tenantNames(d.tenantId).namespace, name: d.name }))].sort(
    (a, b) => (a.namespace === b.namespace ? a.name.localeCompare(b.name) : a.namespace.localeCompare(b.namespace)),
  );
}

/**
 * Every workload identity of a cluster: {@link workloadIdentities} with the PostgreSQL clusters the
 * tenant input puts on it ({@link postgresClusters}), the other sites' readers of its PostgreSQL
 * archives ({@link archiveReaders}) and Karpenter where its profile runs it.
 */
export function clusterWorkloadIdentities(
  platform: PlatformConfig,
  environment: EnvironmentConfig,
  cluster: ClusterConfig,
  input: PostgresInput,
): WorkloadIdentity[] {
  return workloadIdentities(platform, environment, cluster, {
    postgres: [...postgresClusters(environment, cluster, input), ...keycloakPostgres(environment, cluster)],
    karpenter: placementApplies({ traits: ['karpenter'] }, cluster),
    velero: placementApplies(BACKUP_CLUSTERS, cluster),
    archiveReaders: clusterArchiveReaders(platform, environment, cluster, input),
  });
}

/** Keycloak's PostgreSQL, on every database site (a site of its distributed topology, lib/core/database-topology.ts keycloakDatabase). */
export function keycloakPostgres(environment: EnvironmentConfig, cluster: ClusterConfig): PostgresClusterRef[] {
  return isDatabaseSite(environment, cluster) ? [{ namespace: KEYCLOAK.namespace, name: KEYCLOAK.database }] : [];
}

/** The readers of a cluster's PostgreSQL archives: the other sites of each database it runs. */
export function clusterArchiveReaders(
  platform: PlatformConfig,
  environment: EnvironmentConfig,
  cluster: ClusterConfig,
  input: PostgresInput,
): ArchiveReaderRef[] {
  const keycloak = keycloakDatabase(platform, environment);
  return archiveReaders([...environmentDatabases(platform, environment, input), ...(keycloak ? [keycloak] : [])])
    .filter((r) => r.source.cluster === cluster)
    .map((r) => ({
      identityName: r.identityName,
      namespace: r.database.namespace,
      serviceAccount: r.database.name,
      prefix: r.source.archivePrefix,
      readerCluster: r.reader.cluster,
    }));
}

// ---------------------------------------------------------------------------------------------
// Data endpoints

/** A managed data service the cluster's core services reach. */
export interface DataEndpoint {
  /** Which service: PostgreSQL (port 5432) or Redis (port 6379). */
  readonly name: 'postgres' | 'redis';
  /** Private DNS name clients use (Terraform creates the record). */
  readonly host: string;
  /** TCP port clients connect to. */
  readonly port: number;
  /** Where its addresses live (the data subnets). */
  readonly cidrs: readonly string[];
}

/** Private DNS zone of an AWS cluster's data endpoints (Terraform creates it, associated with the VPC). */
export function privateZone(cluster: ClusterConfig): string {
  return `${cluster.name}.internal`;
}

/**
 * The managed data endpoints of a cluster: RDS PostgreSQL and ElastiCache Redis on AWS (behind
 * private DNS names, since their own endpoints carry generated parts), the PostgreSQL flexible
 * server on Azure. GCP's Cloud SQL is a standby nothing connects to from the cluster.
 */
export function dataEndpoints(cluster: ClusterConfig): DataEndpoint[] {
  const plan = networkPlan(cluster);
  if (!plan) return [];
  switch (cluster.cloud) {
    case 'aws':
      return [
        { name: 'postgres', host: `postgres.${privateZone(cluster)}`, port: 5432, cidrs: plan.data },
        { name: 'redis', host: `redis.${privateZone(cluster)}`, port: 6379, cidrs: plan.data },
      ];
    case 'azure':
      return [{ name: 'postgres', host: `${cluster.name}-postgres.postgres.database.azure.com`, port: 5432, cidrs: plan.data }];
    default:
      return [];
  }
}

/** The DNS suffix of Azure PostgreSQL flexible servers: a server's FQDN is `<server name><suffix>`. */
export const AZURE_POSTGRES_DNS_SUFFIX = '.postgres.database.azure.com';

/** The name of an Azure cluster's PostgreSQL flexible server: the one whose FQDN is its `postgres` data endpoint. */
export function azurePostgresServerName(cluster: ClusterConfig): string {
  const host = dataEndpoints(cluster).find((e) => e.name === 'postgres')?.host;
  if (!host || !host.endsWith(AZURE_POSTGRES_DNS_SUFFIX)) {
    throw new Error(
      `cluster '${cluster.name}' has no Azure PostgreSQL data endpoint (a ${cluster.cloud} cluster${cluster.networkCidr ? '' : ' without networkCidr'})`,
    );
  }
  return host.slice(0, -AZURE_POSTGRES_DNS_SUFFIX.length);
}

// ---------------------------------------------------------------------------------------------
// Bootstrap facts

/**
 * Facts that exist only after `terraform apply` and that a cluster needs before its Argo CD syncs:
 * the stack outputs them, the cluster's bootstrap README copies them into these objects, and the
 * charts read them from there.
 */
export const BootstrapFacts = {
  /** Secret in `velero` with Kopia's repository password (key `repository-password`), from the stack output. */
  veleroRepositorySecret: 'velero-repo-credentials',
  veleroRepositoryKey: 'repository-password',
  /** ConfigMap in `velero` with the Azure client id of Velero's identity (key `AZURE_CLIENT_ID`). */
  azureIdentityConfigMap: 'cloud-identity',
  azureClientIdKey: 'AZURE_CLIENT_ID',
  /** Secret in `monitoring` with the Alertmanager receivers' credentials (keys: lib/observability/alert-routing.ts). */
  alertmanagerReceiversSecret: 'alertmanager-receivers',
  /** Terraform output: identity name → Azure client id. */
  azureClientIdsOutput: 'workload_identity_client_ids',
} as const;

// ---------------------------------------------------------------------------------------------
// Karpenter

/** Names Karpenter's AWS resources carry, read by the Terraform stack (which creates them) and the chart and NodeClass (which use them). */
export function karpenterNames(cluster: ClusterConfig): { readonly interruptionQueue: string; readonly nodeRole: string } {
  return { interruptionQueue: `${cluster.name}-karpenter`, nodeRole: `${cluster.name}-karpenter-node` };
}

// ---------------------------------------------------------------------------------------------
// Sign-in (OIDC)

export { PLATFORM_REALM } from './realm';

/**
 * How API servers trust Keycloak: the issuer of the platform realm, the `kubernetes` client, the
 * `groups` claim with no prefix, so the RoleBindings' `<realm>:tenant-<role>` groups match as
 * written. Terraform configures it on the clusters (EKS identity provider config); the tenants'
 * RoleBindings and AppProject roles use the same group names.
 */
export function kubernetesOidc(environment: Pick<EnvironmentConfig, 'baseDomain'>): {
  readonly issuerUrl: string;
  readonly clientId: string;
  readonly usernameClaim: string;
  readonly groupsClaim: string;
} {
  return {
    issuerUrl: realmIssuer(keycloakUrl(environment), PLATFORM_REALM),
    clientId: 'kubernetes',
    usernameClaim: 'email',
    groupsClaim: 'groups',
  };
}

// ---------------------------------------------------------------------------------------------
// What a cluster has before Argo CD

/** API groups whose CRDs a cluster has before its Argo CD syncs anything (its profile's `provides`). */
export function cloudProvidedCrdGroups(cluster: ClusterConfig): readonly string[] {
  return traitsOf(cluster).provides.volumeSnapshots ? ['snapshot.storage.k8s.io'] : [];
}

// ---------------------------------------------------------------------------------------------
// Control plane as the pod network sees it

/** The GKE control plane's private range (`master_ipv4_cidr_block`): its private endpoint and the source of its webhook calls. */
export const GKE_MASTER_CIDR = '172.16.32.0/28';

/**
 * How a cluster's Kubernetes API server appears to NetworkPolicies, from what Terraform builds:
 *
 * - `endpoint`: the addresses and ports pods reach the API server on (after the `kubernetes`
 *   Service is translated to its endpoints). EKS: the private endpoint's ENIs in the node subnets
 *   (`endpointPrivateAccess`; in-VPC DNS resolves to them even when a public endpoint is allowed);
 *   AKS: the private cluster's private endpoint in the VNet, or with authorized ranges the public
 *   address nobody knows beforehand (every address, on 443 only); GKE: the private endpoint in the
 *   control-plane range; K3s: the server nodes on 6443 (their addresses are not in the model).
 * - `callers`: where the API server's calls to webhooks come from. EKS: the same ENIs; GKE: the
 *   control-plane range, and the konnectivity agents (`k8s-app: konnectivity-agent`) through which
 *   recent versions tunnel; AKS: only the konnectivity agents (`app: konnectivity-agent`), so the
 *   admission request arrives with a pod address (Azure/AKS#2440, tigera/operator#5212); K3s: the
 *   server nodes, whose addresses are not in the model (every address, on the webhook port only).
 */
export interface ControlPlaneNetwork {
  /** Where pods reach the API server. */
  readonly endpoint: { readonly cidrs: readonly string[]; readonly ports: readonly number[] };
  /** Where webhook calls come from: address ranges, and pods of kube-system that relay them. */
  readonly callers: {
    readonly cidrs: readonly string[];
    readonly pods: readonly { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> }[];
  };
}

const EVERYWHERE = '0.0.0.0/0';

export function controlPlaneNetwork(cluster: ClusterConfig): ControlPlaneNetwork {
  const plan = networkPlan(cluster);
  const publicEndpoint = (cluster.apiAllowedCidrs ?? []).length > 0;
  switch (cluster.cloud) {
    case 'aws': {
      const cidrs = plan ? [...plan.nodes] : [EVERYWHERE];
      return { endpoint: { cidrs, ports: [443] }, callers: { cidrs, pods: [] } };
    }
    case 'azure':
      return {
        endpoint: { cidrs: plan && !publicEndpoint ? [plan.cidr] : [EVERYWHERE], ports: [443] },
        callers: { cidrs: [], pods: [{ namespace: PlatformNamespaces.kubeSystem, podLabels: { app: 'konnectivity-agent' } }] },
      };
    case 'gcp':
      return {
        endpoint: { cidrs: [GKE_MASTER_CIDR], ports: [443] },
        callers: { cidrs: [GKE_MASTER_CIDR], pods: [{ namespace: PlatformNamespaces.kubeSystem, podLabels: { 'k8s-app': 'konnectivity-agent' } }] },
      };
    case 'edge':
      return { endpoint: { cidrs: [EVERYWHERE], ports: [6443] }, callers: { cidrs: [EVERYWHERE], pods: [] } };
  }
}

/**
 * Where the cluster's nodes are: the node subnets of the network plan (kubelets, host-network
 * exporters); every address where the plan does not know them (edge sites).
 */
export function nodeAddresses(cluster: ClusterConfig): readonly string[] {
  return networkPlan(cluster)?.nodes ?? [EVERYWHERE];
}

/**
 * DNS resolvers pods use besides the kube-dns pods: on GKE (Autopilot always runs NodeLocal DNSCache;
 * with Cloud DNS the resolver is the node's metadata server) the link-local addresses the kubelet
 * writes into resolv.conf, which no pod selector matches. Empty elsewhere (CoreDNS behind kube-dns).
 */
export function nodeLocalDnsAddresses(cluster: ClusterConfig): readonly string[] {
  return cluster.cloud === 'gcp' ? ['169.254.20.10/32', '169.254.169.254/32'] : [];
}

/**
 * Where a pod's workload identity hands out cloud credentials, as NetworkPolicies see it: EKS Pod
 * Identity's node agent (`169.254.170.23:80`, host network on every node); on GKE with Dataplane V2
 * the GKE metadata server (`169.254.169.252:988`); none on AKS (the projected token is exchanged with
 * Entra ID over HTTPS) and edge sites. The instance metadata service (`169.254.169.254`) is not one.
 */
export function workloadIdentityEndpoint(cluster: ClusterConfig): { readonly cidrs: readonly string[]; readonly ports: readonly number[] } | undefined {
  switch (cluster.cloud) {
    case 'aws':
      return { cidrs: ['169.254.170.23/32'], ports: [80] };
    case 'gcp':
      return { cidrs: ['169.254.169.252/32'], ports: [988] };
    default:
      return undefined;
  }
}
