import { ClusterConfig, EnvironmentConfig } from '../core/model';

/** Where an environment's databases archive WAL and base backups, and how they authenticate. */
export interface DatabaseBackupTarget {
  /** Barman destination path (`s3://bucket/prefix`, `gs://...`, `https://<account>.blob.core.windows.net/...`). */
  readonly destinationPath: string;
  readonly cloud: 'aws' | 'azure' | 'gcp';
}

/** The cluster whose bucket holds an environment's backups: the primary, else the first cloud cluster. */
export function backupCluster(env: EnvironmentConfig): ClusterConfig | undefined {
  const cloud = env.clusters.filter((c) => c.cloud !== 'edge');
  return cloud.find((c) => c.role === 'primary') ?? cloud[0];
}

/**
 * The platform backup bucket of an environment, named as the infrastructure app creates it
 * (`<cluster>-backups-<region>` on the primary cluster's cloud), with a per-namespace prefix so a
 * restore of one tenant never reads another's archive.
 */
export function databaseBackupTarget(env: EnvironmentConfig, namespace: string): DatabaseBackupTarget | undefined {
  const cluster = backupCluster(env);
  if (!cluster) return undefined;
  const bucket = `${cluster.name}-backups-${cluster.region}`;
  switch (cluster.cloud) {
    case 'aws':
      return { cloud: 'aws', destinationPath: `s3://${bucket}/cnpg/${namespace}` };
    case 'gcp':
      return { cloud: 'gcp', destinationPath: `gs://${bucket}/cnpg/${namespace}` };
    case 'azure':
      // Storage account names are 3-24 lowercase alphanumerics; the container is `backups`.
      return { cloud: 'azure', destinationPath: `https://${bucket.replace(/[^a-z0-9]/g, '').slice(0, 24)}.blob.core.windows.net/backups/cnpg/${namespace}` };
    default:
      return undefined;
  }
}
