import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Cluster,
  ClusterSpecBackupBarmanObjectStore,
  ClusterSpecBackupBarmanObjectStoreDataCompression,
  ClusterSpecBackupBarmanObjectStoreWalCompression,
  ClusterSpecResourcesLimits,
  ClusterSpecResourcesRequests,
} from '../../imports/cnpg-cluster-postgresql.cnpg.io';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { ARCHIVE_READER_CONFIGMAP, DatabaseSite, FEDERATION_AUDIENCES, RecoveryObjectives } from '../core/database-topology';
import { DatabaseSpec, PostgresVersion } from '../core/input/types';
import { DatabaseCredentials } from '../core/secret-store';
import { EXTERNAL_SECRET_REFRESH, EXTERNAL_SECRETS_API } from '../secrets';
import { checkPostgresIdentifier } from '../core/input/rules';
import { CpuMemory } from '../quotas';
import { DatabaseBackupTarget } from './backup-bucket';

/**
 * The PostgreSQL image per major version, minor pinned (CloudNativePG's operand images). Bump a
 * minor here; the operator performs a rolling update, switchover last.
 */
export const POSTGRES_IMAGES: Readonly<Record<PostgresVersion, string>> = {
  '14': 'ghcr.io/cloudnative-pg/postgresql:14.19',
  '15': 'ghcr.io/cloudnative-pg/postgresql:15.14',
  '16': 'ghcr.io/cloudnative-pg/postgresql:16.10',
  '17': 'ghcr.io/cloudnative-pg/postgresql:17.6',
};

export interface TenantDatabaseProps {
  /** The validated CeresDatabase (or the platform database's equivalent: name, instances, size, version). */
  readonly spec: Pick<DatabaseSpec, 'name' | 'replicas' | 'size' | 'version'>;
  /** The tenant's namespace. */
  readonly namespace: string;
  /** Database and owner created at bootstrap (the tenant's databaseSchema). */
  readonly databaseName: string;
  /** CPU and memory per instance (requests = limits). */
  readonly resources: CpuMemory;
  /** Labels every instance pod and PVC carries (tenant, tier, cost allocation). @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Object store for WAL archive and base backups. @default no backups (a warning annotation says so) */
  readonly backup?: DatabaseBackupTarget;
  /** PriorityClass of the instances (the tenant tier's). @default none */
  readonly priorityClassName?: string;
  /** Days of backups kept. @default 30 */
  readonly retentionDays?: number;
  /**
   * Require instances on different nodes (`required` anti-affinity); otherwise preferred.
   * @default true
   */
  readonly ha?: boolean;
  /**
   * The database's place in its distributed topology (lib/core/database-topology.ts): this Cluster's
   * site, the primary site and every site. With one site the Cluster is a plain primary.
   * @default a single-site primary archiving to `backup`
   */
  readonly topology?: DatabaseTopologyProps;
  /**
   * The application credentials from the cloud secret store, the same on every site (lib/core/secret-store.ts
   * `databaseCredentials`): an ExternalSecret renders the `kubernetes.io/basic-auth` Secret that the
   * bootstrap names, so a promoted replica site accepts the primary's credentials.
   * @default CloudNativePG generates `<name>-app` on each site
   */
  readonly credentials?: DatabaseCredentials;
}

/** A Cluster's place in its database's distributed topology. */
export interface DatabaseTopologyProps {
  /** The site this Cluster is (its own archive). */
  readonly self: DatabaseSite;
  /** The site accepting writes. */
  readonly primary: DatabaseSite;
  /** Every site of the database. */
  readonly sites: readonly DatabaseSite[];
  /** The tier's recovery objectives (archive timeout). */
  readonly objectives: RecoveryObjectives;
}

/** Where the projected ServiceAccount tokens for other clouds are mounted (CloudNativePG mounts `projectedVolumeTemplate` at /projected). */
const PROJECTED = '/projected';

/**
 * A tenant's PostgreSQL database as a CloudNativePG Cluster, protected from Argo CD pruning, plus a
 * daily base backup. Instances stay outside the mesh (CNPG speaks its own TLS and the operator must
 * reach port 8000 directly); NetworkPolicies still isolate them.
 */
export class TenantDatabase extends Construct {
  public readonly name: string;

  constructor(scope: Chart, id: string, props: TenantDatabaseProps) {
    super(scope, id);
    const { spec } = props;
    this.name = spec.name;
    const identifierProblem = checkPostgresIdentifier(props.databaseName);
    if (identifierProblem) this.node.addValidation({ validate: () => [`database ${spec.name}: ${identifierProblem}`] });
    const annotations = argoAnnotations({ wave: SyncWave.data, protect: true });
    const retention = props.retentionDays ?? 30;
    const topology = props.topology;
    const backup: DatabaseBackupTarget | undefined = topology
      ? { cloud: topology.self.store.cloud, destinationPath: topology.self.destinationPath }
      : props.backup;
    const distributed = !!topology && topology.sites.length > 1;
    const foreign = distributed ? [...new Set(topology.sites.filter((s) => s.store.cloud !== topology.self.store.cloud).map((s) => s.store.cloud))] : [];
    const env = foreign.flatMap((cloud) => foreignCredentialEnv(cloud, spec.name, topology!.sites.find((s) => s.store.cloud === cloud)!.store.region));
    if (topology?.self.store.cloud === 'azure') env.push(configMapEnv('AZURE_CLIENT_ID', spec.name));
    const tokens = foreign.filter((c): c is 'aws' | 'azure' => c === 'aws' || c === 'azure');
    const credentials = props.credentials;
    if (credentials && credentials.username !== props.databaseName) {
      throw new Error(
        `database ${spec.name}: its credentials are for ${credentials.username}, its owner is ${props.databaseName} (CloudNativePG requires them equal)`,
      );
    }
    const secret = credentials ? { secret: { name: credentials.secretName } } : {};
    const initdb = { initdb: { database: props.databaseName, owner: props.databaseName, dataChecksums: true, ...secret } };
    new Cluster(this, 'Resource', {
      metadata: {
        name: spec.name,
        namespace: props.namespace,
        labels: props.labels,
        annotations: backup ? annotations : { ...annotations, 'ceres.io/backup': 'none: the environment has no cloud backup bucket' },
      },
      spec: {
        description: `PostgreSQL ${spec.version} for ${props.namespace}`,
        instances: spec.replicas,
        imageName: POSTGRES_IMAGES[spec.version],
        storage: { size: spec.size, resizeInUseVolumes: true },
        resources: {
          requests: {
            cpu: ClusterSpecResourcesRequests.fromString(props.resources.cpu),
            memory: ClusterSpecResourcesRequests.fromString(props.resources.memory),
          },
          limits: { cpu: ClusterSpecResourcesLimits.fromString(props.resources.cpu), memory: ClusterSpecResourcesLimits.fromString(props.resources.memory) },
        },
        // A replica site is created by recovery from the primary's archive (CloudNativePG refuses initdb for a replica
        // at creation, and reads bootstrap at creation only): a site re-created after a failover joins the new primary.
        bootstrap:
          !distributed || topology!.self === topology!.primary
            ? initdb
            : { recovery: { source: topology!.primary.name, database: props.databaseName, owner: props.databaseName, ...secret } },
        postgresql: topology ? { parameters: { archive_timeout: topology.objectives.archiveTimeout } } : undefined,
        replica: distributed
          ? {
              self: topology!.self.name,
              primary: topology!.primary.name,
              // The site a demoted primary follows: the primary's, or (on the primary) the first replica.
              source: topology!.self === topology!.primary ? topology!.sites.find((s) => s !== topology!.primary)!.name : topology!.primary.name,
            }
          : undefined,
        externalClusters: distributed ? topology!.sites.map((site) => ({ name: site.name, barmanObjectStore: sourceStore(site) })) : undefined,
        env: env.length ? env : undefined,
        projectedVolumeTemplate: tokens.length
          ? {
              sources: tokens.map((cloud) => ({
                serviceAccountToken: { audience: FEDERATION_AUDIENCES[cloud], expirationSeconds: 3600, path: `${cloud}-token` },
              })),
            }
          : undefined,
        enableSuperuserAccess: false,
        priorityClassName: props.priorityClassName,
        affinity: {
          enablePodAntiAffinity: true,
          topologyKey: 'kubernetes.io/hostname',
          podAntiAffinityType: (props.ha ?? true) ? 'required' : 'preferred',
        },
        // Outside the mesh: the sidecar would intercept the operator's status calls and replication.
        // Azure: the workload identity webhook gives the pods the token of their own identity.
        inheritedMetadata: {
          labels: {
            ...props.labels,
            'sidecar.istio.io/inject': 'false',
            ...(topology?.self.store.cloud === 'azure' ? { 'azure.workload.identity/use': 'true' } : {}),
          },
        },
        monitoring: { enablePodMonitor: true },
        backup: backup
          ? { retentionPolicy: `${retention}d`, barmanObjectStore: { ...barmanStore(backup), serverName: topology ? topology.self.name : undefined } }
          : undefined,
      },
    });
    if (credentials) {
      // Before the Cluster (data wave): the operator waits for the Secret the bootstrap names.
      new ApiObject(this, 'Credentials', {
        apiVersion: EXTERNAL_SECRETS_API,
        kind: 'ExternalSecret',
        metadata: { name: credentials.secretName, namespace: props.namespace, labels: props.labels, annotations: argoAnnotations({ wave: SyncWave.data - 1 }) },
        spec: {
          refreshInterval: EXTERNAL_SECRET_REFRESH,
          secretStoreRef: { kind: 'ClusterSecretStore', name: credentials.storeName },
          target: {
            name: credentials.secretName,
            creationPolicy: 'Owner',
            deletionPolicy: 'Retain',
            // CloudNativePG: a basic-auth Secret whose username is the owner; cnpg.io/reload applies a rotated password.
            template: {
              type: 'kubernetes.io/basic-auth',
              metadata: { labels: { 'cnpg.io/reload': 'true' } },
              data: { username: credentials.username, password: '{{ .password }}' },
            },
          },
          data: [{ secretKey: 'password', remoteRef: { key: credentials.remoteName } }],
        },
      });
    }
    if (backup) {
      // ScheduledBackup has no generated class in imports/; its schema is small and stable (v1).
      new ApiObject(this, 'DailyBackup', {
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'ScheduledBackup',
        metadata: { name: `${spec.name}-daily`, namespace: props.namespace, labels: props.labels, annotations: argoAnnotations({ wave: SyncWave.data }) },
        spec: { schedule: '0 0 1 * * *', backupOwnerReference: 'self', cluster: { name: spec.name }, method: 'barmanObjectStore' },
      });
    }
  }
}

/** An environment variable from the namespace's identity ConfigMap (key `<database>.<NAME>`, created at bootstrap). */
function configMapEnv(name: string, database: string) {
  return { name, valueFrom: { configMapKeyRef: { name: ARCHIVE_READER_CONFIGMAP, key: `${database}.${name}` } } };
}

/**
 * The variables that let the instances read another cloud's archive with a federated identity: AWS's
 * web identity (`AWS_ROLE_ARN` + the projected token) or Azure's workload identity credential
 * (`AZURE_CLIENT_ID`, `AZURE_TENANT_ID` + the projected token).
 */
function foreignCredentialEnv(cloud: string, database: string, region: string) {
  switch (cloud) {
    case 'aws':
      return [
        configMapEnv('AWS_ROLE_ARN', database),
        { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: `${PROJECTED}/aws-token` },
        { name: 'AWS_DEFAULT_REGION', value: region },
      ];
    case 'azure':
      return [
        configMapEnv('AZURE_CLIENT_ID', database),
        configMapEnv('AZURE_TENANT_ID', database),
        { name: 'AZURE_FEDERATED_TOKEN_FILE', value: `${PROJECTED}/azure-token` },
        { name: 'AZURE_AUTHORITY_HOST', value: 'https://login.microsoftonline.com/' },
      ];
    default:
      throw new Error(`no federated read of ${cloud} archives (database sites: lib/core/topology.ts DATABASE_SITES)`);
  }
}

/** A site's archive as another site reads it (`externalClusters[].barmanObjectStore`). */
function sourceStore(site: DatabaseSite) {
  return { destinationPath: site.destinationPath, serverName: site.name, ...credentialsFor(site.store.cloud), wal: { maxParallel: 4 } };
}

function credentialsFor(cloud: 'aws' | 'azure' | 'gcp') {
  return cloud === 'aws'
    ? { s3Credentials: { inheritFromIamRole: true } }
    : cloud === 'gcp'
      ? { googleCredentials: { gkeEnvironment: true } }
      : { azureCredentials: { inheritFromAzureAd: true } };
}

function barmanStore(target: DatabaseBackupTarget): ClusterSpecBackupBarmanObjectStore {
  // Credentials come from workload identity (no keys in git): the instances' service account is
  // mapped to a cloud role allowed to write the bucket prefix.
  const credentials =
    target.cloud === 'aws'
      ? { s3Credentials: { inheritFromIamRole: true } }
      : target.cloud === 'gcp'
        ? { googleCredentials: { gkeEnvironment: true } }
        : { azureCredentials: { inheritFromAzureAd: true } };
  return {
    destinationPath: target.destinationPath,
    ...credentials,
    wal: { compression: ClusterSpecBackupBarmanObjectStoreWalCompression.GZIP, maxParallel: 2 },
    data: { compression: ClusterSpecBackupBarmanObjectStoreDataCompression.GZIP },
  };
}
