import { backupStore, postgresBackupPath } from '../core/cloud';
import { ClusterConfig, EnvironmentConfig, PlatformConfig } from '../core/model';
import { DATA_HOME, placementApplies } from '../core/topology';

/** Where a namespace's databases archive WAL and base backups, and how they authenticate. */
export interface DatabaseBackupTarget {
  /** Barman destination path (`s3://bucket/prefix`, `gs://...`, `https://<account>.blob.core.windows.net/...`). */
  readonly destinationPath: string;
  /** The store's cloud, which decides how the instances authenticate (IAM role, GKE workload identity, Azure AD). */
  readonly cloud: 'aws' | 'azure' | 'gcp';
}

/** The cluster that runs an environment's databases (the data home: the primary cluster running workloads). */
export function dataHomeCluster(env: EnvironmentConfig): ClusterConfig | undefined {
  return env.clusters.find((c) => placementApplies(DATA_HOME, c));
}

/**
 * Where a tenant namespace's PostgreSQL clusters archive: the backup store of the cluster they run on
 * (its own cloud, created by its Terraform stack from the same model), under the namespace's own
 * prefix, which is all its identity may write.
 */
export function databaseBackupTarget(platform: PlatformConfig, env: EnvironmentConfig, namespace: string): DatabaseBackupTarget | undefined {
  const cluster = dataHomeCluster(env);
  const store = cluster && backupStore(platform, env, cluster);
  return store ? { cloud: store.cloud, destinationPath: postgresBackupPath(store, namespace) } : undefined;
}
