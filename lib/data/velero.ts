import { backupLocationName, parseStorageUri, StorageUri } from '../core/input/rules';
import { BackupSpec } from '../core/input/types';
import { ClusterConfig, EnvironmentConfig } from '../core/model';
import { PlatformNamespaces } from '../core/namespaces';
import { HelmChart } from '../core/addon';

/** One Velero BackupStorageLocation as the chart's `configuration.backupStorageLocation` list takes it. */
export interface VeleroBackupStorageLocation {
  readonly name: string;
  readonly provider: 'aws' | 'gcp' | 'azure';
  readonly bucket: string;
  readonly prefix?: string;
  readonly default: boolean;
  readonly config: Record<string, string>;
}

export interface VeleroPluginContainer {
  readonly name: string;
  readonly image: string;
  readonly imagePullPolicy: 'IfNotPresent';
  readonly volumeMounts: readonly { readonly mountPath: string; readonly name: string }[];
}

/** The Velero chart values we set (https://github.com/vmware-tanzu/helm-charts/tree/main/charts/velero). */
export interface VeleroValues {
  /** One plugin per storage scheme in use (Velero loads plugins from init containers). */
  readonly initContainers: readonly VeleroPluginContainer[];
  readonly configuration: {
    readonly backupStorageLocation: readonly VeleroBackupStorageLocation[];
    /** Volumes are backed up by the node agent (file system backup): it works the same on every cloud and K3s. */
    readonly defaultVolumesToFsBackup: boolean;
    /** Kopia encrypts backup data with AES-256-GCM. */
    readonly uploaderType: 'kopia';
  };
  /** Credentials come from workload identity (EKS Pod Identity, Azure / GCP Workload Identity), never a Secret in git. */
  readonly credentials: { readonly useSecret: boolean };
  readonly snapshotsEnabled: boolean;
  readonly deployNodeAgent: boolean;
}

/** Plugin images (Velero 1.17 pairs with plugins v1.13). */
export const VELERO_PLUGINS: Readonly<Record<StorageUri['scheme'], { provider: VeleroBackupStorageLocation['provider']; image: string }>> = {
  s3: { provider: 'aws', image: 'velero/velero-plugin-for-aws:v1.13.0' },
  gs: { provider: 'gcp', image: 'velero/velero-plugin-for-gcp:v1.13.0' },
  azure: { provider: 'azure', image: 'velero/velero-plugin-for-microsoft-azure:v1.13.0' },
};

function regionOf(env: EnvironmentConfig, cloud: ClusterConfig['cloud'], fallback: string): string {
  return env.clusters.find((c) => c.cloud === cloud)?.region ?? fallback;
}

/**
 * One BackupStorageLocation per distinct storage URI of the backups, named `backupLocationName(uri)`
 * (the Velero Schedules reference that name). The first is the default location.
 *
 * Encryption: the backup data itself is encrypted by Velero's Kopia uploader (AES-256-GCM, the
 * `encryption` backups ask for). At rest, buckets encrypt with their default KMS key (Terraform sets
 * SSE-KMS with a customer key on the S3 bucket). When `kmsKeys` names a key for a URI, S3 locations
 * also ask for SSE-KMS with it on every write (`serverSideEncryption: aws:kms` + `kmsKeyId`) and GCS
 * locations use it as `kmsKeyName`; asking for `aws:kms` without a key would silently switch to the
 * AWS-managed `aws/s3` key, so we never do that.
 */
export function backupStorageLocations(
  env: EnvironmentConfig,
  backups: readonly BackupSpec[],
  kmsKeys: Readonly<Record<string, string>> = {},
): VeleroBackupStorageLocation[] {
  const seen = new Set<string>();
  const out: VeleroBackupStorageLocation[] = [];
  for (const b of backups) {
    const name = backupLocationName(b.storageLocation);
    if (seen.has(name)) continue;
    seen.add(name);
    const uri = parseStorageUri(b.storageLocation);
    const provider = VELERO_PLUGINS[uri.scheme].provider;
    const key = kmsKeys[b.storageLocation];
    const config: Record<string, string> =
      provider === 'aws'
        ? { region: regionOf(env, 'aws', 'eu-west-1'), ...(key ? { serverSideEncryption: 'aws:kms', kmsKeyId: key } : {}) }
        : provider === 'azure'
          ? { resourceGroup: `${uri.bucket}-backups`, storageAccount: uri.bucket.replace(/[^a-z0-9]/g, '').slice(0, 24) }
          : key
            ? { kmsKeyName: key }
            : {};
    out.push({ name, provider, bucket: uri.bucket, prefix: uri.prefix || undefined, default: out.length === 0, config });
  }
  return out;
}

export const velero: HelmChart<VeleroValues> = {
  name: 'velero',
  chart: { repoURL: 'https://vmware-tanzu.github.io/helm-charts', chart: 'velero', version: '11.1.1' },
  namespace: PlatformNamespaces.velero,
  placement: { traits: ['full'] },
  crdGroups: ['velero.io'],
  description: 'Backups and restores of namespaces and volumes to object storage',
  values: ({ environment, backups }) => {
    const locations = backupStorageLocations(environment, backups);
    const schemes = [...new Set(backups.map((b) => parseStorageUri(b.storageLocation).scheme))].sort();
    return {
      initContainers: schemes.map((s) => ({
        name: `velero-plugin-for-${VELERO_PLUGINS[s].provider}`,
        image: VELERO_PLUGINS[s].image,
        imagePullPolicy: 'IfNotPresent' as const,
        volumeMounts: [{ mountPath: '/target', name: 'plugins' }],
      })),
      configuration: { backupStorageLocation: locations, defaultVolumesToFsBackup: true, uploaderType: 'kopia' },
      credentials: { useSecret: false },
      snapshotsEnabled: false,
      deployNodeAgent: true,
    };
  },
};
