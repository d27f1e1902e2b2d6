import { HelmChart } from '../core/addon';
import { BackupStore, backupStore, BootstrapFacts, csiSnapshotDriver, VELERO_SERVICE_ACCOUNT } from '../core/cloud';
import { PlatformNamespaces } from '../core/namespaces';
import { resources, RESTRICTED_CONTAINER, RESTRICTED_POD } from '../core/pod-security';
import { BACKUP_CLUSTERS, traitsOf } from '../core/topology';

/** The name of the one BackupStorageLocation of every cluster (its own store); Schedules reference it. */
export const VELERO_LOCATION = 'default';

/** One Velero BackupStorageLocation as the chart's `configuration.backupStorageLocation` list takes it. */
export interface VeleroBackupStorageLocation {
  /** Location name (`default`); Schedules and Backups refer to it. */
  readonly name: string;
  /** The object store plugin to use: the cluster's cloud. */
  readonly provider: 'aws' | 'gcp' | 'azure';
  /** S3 / GCS bucket, or on Azure the blob container. */
  readonly bucket: string;
  /** Key prefix of Velero's objects in the bucket. @default the bucket root */
  readonly prefix?: string;
  /** The location backups use when they name none. */
  readonly default: boolean;
  /** Provider settings: the AWS region, or Azure's resource group, storage account and `useAAD`. */
  readonly config: Record<string, string>;
}

export interface VeleroPluginContainer {
  /** Init container name (`velero-plugin-for-aws`). */
  readonly name: string;
  /** The plugin image, pinned to the release that pairs with the Velero version. */
  readonly image: string;
  /** Pull the pinned image once per node. */
  readonly imagePullPolicy: 'IfNotPresent';
  /** Where the plugin copies its binary: the `plugins` volume at `/target`. */
  readonly volumeMounts: readonly { readonly mountPath: string; readonly name: string }[];
  /** Pod Security `restricted` container settings. */
  readonly securityContext: typeof RESTRICTED_CONTAINER;
  /** Requests and limits of the init container. */
  readonly resources: ReturnType<typeof resources>;
}

/** The Velero chart values we set (https://github.com/vmware-tanzu/helm-charts/tree/main/charts/velero, 11.1.1 = Velero 1.17). */
export interface VeleroValues {
  /** Velero server image and its pinned tag. */
  readonly image: { readonly repository: string; readonly tag: string };
  /** The plugin of the cluster's cloud (Velero loads plugins from init containers). */
  readonly initContainers: readonly VeleroPluginContainer[];
  /** Where backups go and how volumes are backed up. */
  readonly configuration: {
    readonly backupStorageLocation: readonly VeleroBackupStorageLocation[];
    readonly volumeSnapshotLocation: readonly unknown[];
    /**
     * Volumes go through the node agent's file system backup by default only where CSI snapshots
     * cannot take them (no snapshot API); elsewhere they are CSI snapshots whose data moves to the store.
     */
    readonly defaultVolumesToFsBackup: boolean;
    /** `EnableCSI` where volumes are backed up by CSI snapshots (Velero's built-in CSI support, 1.14+). */
    readonly features?: 'EnableCSI';
    /**
     * CSI snapshots are copied into the backup store by the node agent's data mover, then deleted:
     * the backup leaves the cloud's snapshot store (same account, same region) for the encrypted,
     * replicated bucket.
     */
    readonly defaultSnapshotMoveData?: boolean;
    /** Kopia encrypts backup data with AES-256-GCM, keyed by the repository password (see bootstrap). */
    readonly uploaderType: 'kopia';
    readonly extraEnvVars: readonly unknown[];
  };
  /** Credentials come from workload identity, never a Secret in git. */
  readonly credentials: { readonly useSecret: boolean };
  /** The server's ServiceAccount, the one its workload identity is bound to. */
  readonly serviceAccount: { readonly server: { readonly create: boolean; readonly name: string } };
  /** Extra pod labels: `azure.workload.identity/use` on Azure. */
  readonly podLabels: Record<string, string>;
  /** Pod Security `restricted` pod settings. */
  readonly podSecurityContext: typeof RESTRICTED_POD;
  /** Pod Security `restricted` container settings. */
  readonly containerSecurityContext: typeof RESTRICTED_CONTAINER;
  /** Requests and limits of the server. */
  readonly resources: ReturnType<typeof resources>;
  /** Volume snapshots through the cloud's API: off (volumes go through the node agent instead). */
  readonly snapshotsEnabled: boolean;
  /** Run the node agent DaemonSet (file system backup of pod volumes), where node agents are admitted. */
  readonly deployNodeAgent: boolean;
  /** Requests and limits of the node agent, when it runs. */
  readonly nodeAgent?: { readonly resources: ReturnType<typeof resources> };
  /** The chart's kubectl hook job (CRD upgrades): restricted and with requests and limits. */
  readonly kubectl: { readonly containerSecurityContext: typeof RESTRICTED_CONTAINER; readonly resources: ReturnType<typeof resources> };
}

/** Velero 1.17 pairs with plugins v1.13 (https://github.com/vmware-tanzu/velero#velero-compatibility-matrix). */
export const VELERO_PLUGINS: Readonly<Record<BackupStore['cloud'], string>> = {
  aws: 'velero/velero-plugin-for-aws:v1.13.0',
  gcp: 'velero/velero-plugin-for-gcp:v1.13.0',
  azure: 'velero/velero-plugin-for-microsoft-azure:v1.13.0',
};

/**
 * The location of a cluster's backups: its own store (same cloud, same region, created by its
 * Terraform stack from the same model), under the Velero prefix or container. A cluster never
 * writes to another cloud's store: it has no identity there.
 *
 * Encryption: backup data is encrypted by Kopia (AES-256-GCM) with the repository password created
 * at bootstrap; at rest the store encrypts with the stack's customer-managed key.
 */
export function backupStorageLocation(store: BackupStore): VeleroBackupStorageLocation {
  switch (store.cloud) {
    case 'aws':
      return {
        name: VELERO_LOCATION,
        provider: 'aws',
        bucket: store.bucket,
        prefix: store.velero.prefix || undefined,
        default: true,
        config: { region: store.region },
      };
    case 'gcp':
      return { name: VELERO_LOCATION, provider: 'gcp', bucket: store.bucket, prefix: store.velero.prefix || undefined, default: true, config: {} };
    case 'azure':
      return {
        name: VELERO_LOCATION,
        provider: 'azure',
        bucket: store.velero.container!,
        prefix: store.velero.prefix || undefined,
        default: true,
        config: { resourceGroup: store.resourceGroup!, storageAccount: store.bucket, useAAD: 'true' },
      };
  }
}

export const velero: HelmChart<VeleroValues> = {
  name: 'velero',
  bootstrap: ({ environment, cluster }) => {
    const lines = [
      `Create Velero's Kopia repository password (it encrypts every backup; Velero would otherwise use its built-in default) before Velero first starts, and keep a copy in the environment's secret store: backups cannot be restored without it.`,
      '',
      '   ```sh',
      `   kubectl create namespace ${PlatformNamespaces.velero}`,
      `   kubectl -n ${PlatformNamespaces.velero} create secret generic ${BootstrapFacts.veleroRepositorySecret} --from-literal=${BootstrapFacts.veleroRepositoryKey}="$(openssl rand -base64 32)"`,
      '   ```',
    ];
    if (cluster.cloud === 'azure') {
      lines.push(
        '',
        `   Azure Workload Identity needs the client id of Velero's identity, an output of the \`${environment.name}-azure\` stack:`,
        '',
        '   ```sh',
        `   kubectl -n ${PlatformNamespaces.velero} create configmap ${BootstrapFacts.azureIdentityConfigMap} --from-literal=${BootstrapFacts.azureClientIdKey}="$(terraform -chdir=dist/terraform/${environment.name}-azure output -json ${BootstrapFacts.azureClientIdsOutput} | jq -r .velero)"`,
        '   ```',
      );
    }
    return [lines];
  },
  chart: { repoURL: 'https://vmware-tanzu.github.io/helm-charts', chart: 'velero', version: '11.1.1' },
  namespace: PlatformNamespaces.velero,
  placement: BACKUP_CLUSTERS,
  crdGroups: ['velero.io'],
  description: "Backups and restores of namespaces and volumes to the cluster's own object store",
  values: ({ platform, environment, cluster }) => {
    const store = backupStore(platform, environment, cluster);
    if (!store) throw new Error(`velero: cluster ${cluster.name} has no backup store`);
    const nodeAgents = traitsOf(cluster).nodeAgents;
    // The data mover runs in the node agent: CSI snapshots only where node agents run.
    const csi = nodeAgents && csiSnapshotDriver(cluster) !== undefined;
    const azure = store.cloud === 'azure';
    return {
      image: { repository: 'velero/velero', tag: 'v1.17.0' },
      initContainers: [
        {
          name: `velero-plugin-for-${store.cloud === 'azure' ? 'microsoft-azure' : store.cloud}`,
          image: VELERO_PLUGINS[store.cloud],
          imagePullPolicy: 'IfNotPresent',
          volumeMounts: [{ mountPath: '/target', name: 'plugins' }],
          securityContext: RESTRICTED_CONTAINER,
          resources: resources('10m', '32Mi', '100m', '64Mi'),
        },
      ],
      configuration: {
        backupStorageLocation: [backupStorageLocation(store)],
        volumeSnapshotLocation: [],
        // CSI snapshots moved into the store where the cluster has them; the node agent (data mover, or file system backup) either way.
        defaultVolumesToFsBackup: nodeAgents && !csi,
        ...(csi ? { features: 'EnableCSI' as const, defaultSnapshotMoveData: true } : {}),
        uploaderType: 'kopia',
        // Azure Workload Identity: the client id of Velero's identity exists only after
        // `terraform apply`; bootstrap copies the stack output into this ConfigMap.
        extraEnvVars: azure
          ? [{ name: 'AZURE_CLIENT_ID', valueFrom: { configMapKeyRef: { name: BootstrapFacts.azureIdentityConfigMap, key: BootstrapFacts.azureClientIdKey } } }]
          : [],
      },
      credentials: { useSecret: false },
      serviceAccount: { server: { create: true, name: VELERO_SERVICE_ACCOUNT } },
      podLabels: (azure ? { 'azure.workload.identity/use': 'true' } : {}) as Record<string, string>,
      podSecurityContext: RESTRICTED_POD,
      containerSecurityContext: RESTRICTED_CONTAINER,
      resources: resources('100m', '256Mi', '1', '1Gi'),
      snapshotsEnabled: false,
      // The node agent reads pod volumes through hostPath: only where node agents are admitted.
      deployNodeAgent: nodeAgents,
      ...(nodeAgents ? { nodeAgent: { resources: resources('100m', '256Mi', '1', '1Gi') } } : {}),
      kubectl: { containerSecurityContext: RESTRICTED_CONTAINER, resources: resources('10m', '64Mi', '100m', '128Mi') },
    };
  },
};
