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
import { DatabaseSpec, PostgresVersion } from '../core/input/types';
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
  /** The validated CeresDatabase. */
  readonly spec: DatabaseSpec;
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
}

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
    new Cluster(this, 'Resource', {
      metadata: {
        name: spec.name,
        namespace: props.namespace,
        annotations: props.backup ? annotations : { ...annotations, 'ceres.io/backup': 'none: the environment has no cloud backup bucket' },
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
        bootstrap: { initdb: { database: props.databaseName, owner: props.databaseName, dataChecksums: true } },
        enableSuperuserAccess: false,
        priorityClassName: props.priorityClassName,
        affinity: {
          enablePodAntiAffinity: true,
          topologyKey: 'kubernetes.io/hostname',
          podAntiAffinityType: (props.ha ?? true) ? 'required' : 'preferred',
        },
        // Outside the mesh: the sidecar would intercept the operator's status calls and replication.
        inheritedMetadata: { labels: { ...props.labels, 'sidecar.istio.io/inject': 'false' } },
        monitoring: { enablePodMonitor: true },
        backup: props.backup ? { retentionPolicy: `${retention}d`, barmanObjectStore: barmanStore(props.backup) } : undefined,
      },
    });
    if (props.backup) {
      // ScheduledBackup has no generated class in imports/; its schema is small and stable (v1).
      new ApiObject(this, 'DailyBackup', {
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'ScheduledBackup',
        metadata: { name: `${spec.name}-daily`, namespace: props.namespace, annotations: argoAnnotations({ wave: SyncWave.data }) },
        spec: { schedule: '0 0 1 * * *', backupOwnerReference: 'self', cluster: { name: spec.name }, method: 'barmanObjectStore' },
      });
    }
  }
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
