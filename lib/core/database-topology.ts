import { backupStore, BackupStore, postgresBackupPath, postgresObjectPrefix, ProvisionedCloud } from './cloud';
import type { DatabaseSpec, PostgresVersion, SubscriptionLevel, TenantSpec } from './input/types';
import { ClusterConfig, EnvironmentConfig, PlatformConfig } from './model';
import { tenantNames } from './names';
import { KEYCLOAK } from './realm';
import { PlatformNamespaces } from './namespaces';
import { DATA_HOME, DATABASE_SITES, placementApplies } from './topology';

/**
 * Where each PostgreSQL database of an environment runs, and how it survives the loss of a cloud
 * (issue 12 item 3, docs/disaster-recovery.md). One fact read by the Kubernetes side (the
 * CloudNativePG Clusters of every site, the replication alerts, the failover runbook), by the
 * Terraform side (the identities that let a site read another site's archive) and by
 * `npm run verify` (`data/replica-sources`).
 *
 * A database is one CloudNativePG *distributed topology*: one Cluster per site (the clusters of
 * {@link DATABASE_SITES}), all with the same name in the tenant's namespace, exactly one of them
 * primary (`spec.replica.primary`). Every site archives WAL and base backups to its own cloud's
 * backup store under its own server name (no two Clusters ever write one path); a replica site
 * replays the primary's archive, read across clouds with a federated identity (the reader cluster's
 * service-account token exchanged for a role of the archive's cloud). Switching the primary is a
 * change of {@link EnvironmentConfig.databasePrimary}: CloudNativePG demotes the old primary and
 * promotes the new one.
 */

/** Clouds whose object stores a site on another cloud can read through a federated identity (`replica-source` identities). */
export const FEDERATED_READ_CLOUDS: readonly ProvisionedCloud[] = ['aws', 'azure'];

/** The recovery objectives of a tenant tier, and the archive settings that keep them. */
export interface RecoveryObjectives {
  /** Recovery point objective in seconds: data a failover may lose (at most the archive timeout plus one upload). */
  readonly rpoSeconds: number;
  /** Recovery time objective in seconds: from the decision to fail over to the replica site accepting writes. */
  readonly rtoSeconds: number;
  /** PostgreSQL `archive_timeout`: a WAL segment is closed and shipped at least this often while there are writes. */
  readonly archiveTimeout: string;
}

/**
 * RPO and RTO per tier, all under the platform's ceilings of 5 min and 15 min. The RPO is the archive
 * timeout plus one minute of upload and replay margin; the RTO is the runbook's promotion (minutes:
 * the replica is already replaying, promotion ends recovery) plus repointing clients.
 */
export const RECOVERY_OBJECTIVES: Readonly<Record<SubscriptionLevel, RecoveryObjectives>> = {
  enterprise: { rpoSeconds: 120, rtoSeconds: 600, archiveTimeout: '1min' },
  professional: { rpoSeconds: 180, rtoSeconds: 600, archiveTimeout: '2min' },
  starter: { rpoSeconds: 240, rtoSeconds: 840, archiveTimeout: '3min' },
};

/** A database's tier: a tenant's subscription level, or the platform's own database. */
export type DatabaseTier = SubscriptionLevel | 'platform';

/**
 * The platform database's objectives: the core services depend on it for every tenant, so it gets the
 * best tier's archive timeout.
 */
export const PLATFORM_RECOVERY_OBJECTIVES: RecoveryObjectives = { rpoSeconds: 120, rtoSeconds: 600, archiveTimeout: '1min' };

/** The platform's ceilings: no tier may promise less. */
export const RPO_CEILING_SECONDS = 300;
export const RTO_CEILING_SECONDS = 900;

/** One site of a database: its Cluster on one Kubernetes cluster, and the archive it writes. */
export interface DatabaseSite {
  /** The Kubernetes cluster the site's Cluster runs on. */
  readonly cluster: ClusterConfig;
  /** Name of the site in the distributed topology (`externalClusters[].name`, `replica.self`) and its Barman server name: `<database>-<cloud>`. */
  readonly name: string;
  /** The backup store the site archives to: its own cloud's (lib/core/cloud.ts backupStore). */
  readonly store: BackupStore;
  /** Barman `destinationPath` of the site (the namespace's prefix of its store). */
  readonly destinationPath: string;
  /** Object prefix the site writes (`<namespace prefix>/<server name>`), which every other site reads. */
  readonly archivePrefix: string;
}

/** A PostgreSQL database and its sites. */
export interface ReplicatedDatabase {
  /** The CloudNativePG Cluster name (the CeresDatabase's name), the same on every site. */
  readonly name: string;
  /** The tenant's namespace. */
  readonly namespace: string;
  /** The tenant's tier (or `platform`), which sets the recovery objectives. */
  readonly tier: DatabaseTier;
  /** The recovery objectives of the tier. */
  readonly objectives: RecoveryObjectives;
  /** The site that accepts writes. */
  readonly primary: DatabaseSite;
  /** Sites replaying the primary's archive (empty in single-site environments). */
  readonly replicas: readonly DatabaseSite[];
  /** Every site, primary first. */
  readonly sites: readonly DatabaseSite[];
}

/** The database sites of an environment, its primary site first. Fails if `databasePrimary` names no site. */
export function databaseSites(env: EnvironmentConfig): ClusterConfig[] {
  const sites = env.clusters.filter((c) => placementApplies(DATABASE_SITES, c));
  const wanted = env.databasePrimary ?? env.clusters.find((c) => placementApplies(DATA_HOME, c))?.name;
  const primary = sites.find((c) => c.name === wanted);
  if (!primary) {
    if (env.databasePrimary) {
      throw new Error(
        `environment ${env.name}: databasePrimary '${env.databasePrimary}' is not a database site (sites: ${sites.map((s) => s.name).join(', ') || 'none'})`,
      );
    }
    return [];
  }
  return [primary, ...sites.filter((c) => c !== primary)];
}

/** Whether a cluster runs the environment's databases (the CloudNativePG operator and a Cluster per database). */
export function isDatabaseSite(env: EnvironmentConfig, cluster: ClusterConfig): boolean {
  return databaseSites(env).some((c) => c.name === cluster.name);
}

/** A database's site on a cluster. */
export function databaseSite(platform: PlatformConfig, env: EnvironmentConfig, cluster: ClusterConfig, namespace: string, name: string): DatabaseSite {
  const store = backupStore(platform, env, cluster);
  if (!store) throw new Error(`cluster ${cluster.name} has no backup store; it cannot be a database site`);
  const siteName = `${name}-${cluster.cloud}`;
  return {
    cluster,
    name: siteName,
    store,
    destinationPath: postgresBackupPath(store, namespace),
    archivePrefix: `${postgresObjectPrefix(store, namespace)}/${siteName}`,
  };
}

/** The part of the tenant input the topology reads. */
export interface DatabaseTopologyInput {
  /** Tenants (the environments they are deployed to; their tier, `starter` when not given). */
  readonly tenants: readonly (Pick<TenantSpec, 'tenantId' | 'environments'> & Partial<Pick<TenantSpec, 'subscriptionLevel'>>)[];
  /** CeresDatabases. */
  readonly databases: readonly Pick<DatabaseSpec, 'name' | 'tenantId'>[];
}

/** Every database of the environment with its sites, sorted by namespace then name. */
export function replicatedDatabases(platform: PlatformConfig, env: EnvironmentConfig, input: DatabaseTopologyInput): ReplicatedDatabase[] {
  const sites = databaseSites(env);
  if (!sites.length) return [];
  const tenants = new Map(input.tenants.filter((t) => t.environments.includes(env.name)).map((t) => [t.tenantId, t]));
  return input.databases
    .filter((d) => tenants.has(d.tenantId))
    .map((d) => {
      const tier = tenants.get(d.tenantId)!.subscriptionLevel ?? 'starter';
      const namespace = tenantNames(d.tenantId).namespace;
      const all = sites.map((c) => databaseSite(platform, env, c, namespace, d.name));
      return { name: d.name, namespace, tier, objectives: RECOVERY_OBJECTIVES[tier], primary: all[0], replicas: all.slice(1), sites: all };
    })
    .sort((a, b) => (a.namespace === b.namespace ? a.name.localeCompare(b.name) : a.namespace.localeCompare(b.namespace)));
}

/**
 * The platform database: the core services' PostgreSQL (namespace `ceres`), a CloudNativePG
 * distributed topology like the tenants' databases, so that it has a replica in a second cloud
 * (docs/disaster-recovery.md, "The platform database"). The managed servers (RDS, the Azure flexible
 * server, Cloud SQL) cannot replicate to another cloud without a network path between the clouds.
 */
export const PLATFORM_DATABASE = {
  /** The Cluster's name (its ServiceAccount, `<name>-rw` Service and Barman server names derive from it). */
  name: 'platform',
  /** Its namespace, the core services'. */
  namespace: PlatformNamespaces.core,
  /** The database and its owner, created at bootstrap on the primary. */
  database: 'ceres',
  /** PostgreSQL major version. */
  version: '16' as PostgresVersion,
  /** Volume per instance. */
  size: '50Gi',
  /** CPU and memory per instance (requests = limits). */
  resources: { cpu: '1', memory: '2Gi' },
} as const;

/** Instances of the platform database per site: three in HA environments (a primary and two streaming standbys), one otherwise. */
export function platformDatabaseInstances(ha: boolean): number {
  return ha ? 3 : 1;
}

/** The platform database's sites, primary first, or undefined where the environment has no database site. */
export function platformDatabase(platform: PlatformConfig, env: EnvironmentConfig): ReplicatedDatabase | undefined {
  const sites = databaseSites(env);
  if (!sites.length) return undefined;
  const { name, namespace } = PLATFORM_DATABASE;
  const all = sites.map((c) => databaseSite(platform, env, c, namespace, name));
  return { name, namespace, tier: 'platform', objectives: PLATFORM_RECOVERY_OBJECTIVES, primary: all[0], replicas: all.slice(1), sites: all };
}

/** Keycloak's database: PostgreSQL version, volume and CPU/memory per instance (instances: {@link platformDatabaseInstances}). */
export const KEYCLOAK_DATABASE = {
  /** PostgreSQL major version. */
  version: '17' as PostgresVersion,
  /** Volume per instance. */
  size: '10Gi',
  /** CPU and memory per instance (requests = limits). */
  resources: { cpu: '500m', memory: '1Gi' },
} as const;

/**
 * Keycloak's database (lib/core/realm.ts `KEYCLOAK`): a distributed topology like the platform
 * database's, one site per database site (`keycloak-db` in namespace `keycloak`), primary where the
 * other databases are (`databasePrimary`), with the platform tier's objectives. Keycloak runs on the
 * primary site only; a replica site keeps its `keycloak` namespace, operator and route ready, and
 * Keycloak starts there when the site is promoted (docs/disaster-recovery.md, "Keycloak"). Read by the
 * Keycloak add-on (its Clusters), the databases add-on (alerts, runbook, credential seeds), the stacks
 * (archive and reader identities) and `data/replica-sources`. Not in {@link environmentDatabases}:
 * it exists only where the platform runs Keycloak.
 */
export function keycloakDatabase(platform: PlatformConfig, env: EnvironmentConfig): ReplicatedDatabase | undefined {
  const sites = databaseSites(env);
  if (!sites.length || sites.some((c) => !backupStore(platform, env, c))) return undefined;
  const all = sites.map((c) => databaseSite(platform, env, c, KEYCLOAK.namespace, KEYCLOAK.database));
  return {
    name: KEYCLOAK.database,
    namespace: KEYCLOAK.namespace,
    tier: 'platform',
    objectives: PLATFORM_RECOVERY_OBJECTIVES,
    primary: all[0],
    replicas: all.slice(1),
    sites: all,
  };
}

/**
 * Every PostgreSQL database of the environment: the platform database first, then the tenants'
 * ({@link replicatedDatabases}). What the alerts, the runbook, the archive identities of the stacks
 * and `npm run verify` cover.
 */
export function environmentDatabases(platform: PlatformConfig, env: EnvironmentConfig, input: DatabaseTopologyInput): ReplicatedDatabase[] {
  const own = platformDatabase(platform, env);
  return [...(own ? [own] : []), ...replicatedDatabases(platform, env, input)];
}

/** A federated reader: a database's ServiceAccount on one cluster allowed to read another site's archive. */
export interface ArchiveReader {
  /** The database. */
  readonly database: ReplicatedDatabase;
  /** The site reading (its pods' ServiceAccount token is exchanged). */
  readonly reader: DatabaseSite;
  /** The site whose archive is read (its cloud's stack creates the identity). */
  readonly source: DatabaseSite;
  /** Short identity name, unique per source stack: `pgr-<reader cloud>-<namespace>-<database>`. */
  readonly identityName: string;
}

/** Every (reader, source) pair of sites of every database: each site can replay each other site's archive, so either can become primary. */
export function archiveReaders(databases: readonly ReplicatedDatabase[]): ArchiveReader[] {
  const out: ArchiveReader[] = [];
  for (const database of databases) {
    for (const source of database.sites) {
      for (const reader of database.sites) {
        if (reader === source) continue;
        out.push({ database, reader, source, identityName: `pgr-${reader.cluster.cloud}-${database.namespace}-${database.name}` });
      }
    }
  }
  return out;
}

/** The Terraform variable of a stack that receives another cluster's OIDC issuer URL (output `oidc_issuer_url` of that cluster's stack). */
export function oidcIssuerVariable(cluster: ClusterConfig): string {
  return `oidc_issuer_${cluster.name.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/**
 * The Terraform variable of a stack whose archive another cluster reads over a firewalled endpoint
 * (Azure storage denies public networks by default): that cluster's egress addresses, output
 * `egress_ips` of its stack (the NAT gateways' public IPs on AWS).
 */
export function egressIpsVariable(cluster: ClusterConfig): string {
  return `egress_ips_${cluster.name.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** Token audiences of the federated exchanges (what the projected ServiceAccount token carries). */
export const FEDERATION_AUDIENCES: Readonly<Record<'aws' | 'azure', string>> = { aws: 'sts.amazonaws.com', azure: 'api://AzureADTokenExchange' };

/**
 * The ConfigMap, in each tenant namespace of a database site, holding the ids of the identities that
 * read the other sites' archives (created at bootstrap from the source stacks' output
 * `archive_reader_identities`; ids exist only after `terraform apply`). Keys: `AWS_ROLE_ARN` (to read
 * an S3 archive), `AZURE_CLIENT_ID` and `AZURE_TENANT_ID` (to read an Azure archive).
 */
export const ARCHIVE_READER_CONFIGMAP = 'postgres-archive-readers';

/** The Terraform output of a source stack: identity name → role ARN (AWS) or client id (Azure). */
export const ARCHIVE_READER_OUTPUT = 'archive_reader_identities';
