import { ApiObject } from 'cdk8s';
import * as k8s from '../core/k8s';
import { PlatformAddOn, PlatformContext } from '../core/addon';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { CSI_DISK_DRIVERS } from '../core/cloud';
import { ClusterConfig } from '../core/model';
import { Labels } from '../core/names';
import { traitsOf } from '../core/topology';

/** The cluster folder of storage classes. */
export const STORAGE_FOLDER = 'storage';

/** The default StorageClass of EKS clusters (EKS ships none: volume claims would stay Pending). */
export const EKS_DEFAULT_STORAGE_CLASS = 'ceres-gp3';

/**
 * Block storage where the cloud leaves it to the platform. EKS has no default StorageClass: each EKS
 * cluster gets an encrypted gp3 class (EBS CSI driver and snapshot controller are EKS add-ons of its
 * Terraform stack) as the default, and a VolumeSnapshotClass. AKS (`managed-csi`, encrypted at rest),
 * GKE (`standard-rwo`, encrypted at rest) and K3s (`local-path`) bring their own default class.
 */
export class StorageAddOn implements PlatformAddOn {
  public readonly name = 'storage';

  public deploy(ctx: PlatformContext): void {
    for (const cluster of ctx.environment.clusters.filter(needsStorageClasses)) {
      const folder = ctx.output.clusterFolder(cluster, STORAGE_FOLDER, {
        description: `Default StorageClass and VolumeSnapshotClass of ${cluster.name} (EBS CSI, encrypted)`,
        labels: { [Labels.costCenter]: 'platform' },
        syncWave: SyncWave.platformNamespaces,
      });
      const chart = folder.manifest('storage-classes');
      const annotations = argoAnnotations({ wave: SyncWave.platformNamespaces });
      new k8s.KubeStorageClass(chart, 'Gp3', {
        metadata: { name: EKS_DEFAULT_STORAGE_CLASS, annotations: { ...annotations, 'storageclass.kubernetes.io/is-default-class': 'true' } },
        provisioner: 'ebs.csi.aws.com',
        parameters: { type: 'gp3', encrypted: 'true', 'csi.storage.k8s.io/fstype': 'ext4' },
        // Volumes in the zone of the pod that first uses them; grown in place.
        volumeBindingMode: 'WaitForFirstConsumer',
        allowVolumeExpansion: true,
        reclaimPolicy: 'Delete',
      });
      new ApiObject(chart, 'Snapshots', {
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshotClass',
        metadata: { name: 'ceres-ebs', annotations: { ...annotations, 'snapshot.storage.kubernetes.io/is-default-class': 'true' } },
        driver: CSI_DISK_DRIVERS.aws,
        deletionPolicy: 'Retain',
      });
    }
  }
}

/** Clusters whose profile brings no default StorageClass (EKS: the EBS CSI driver is the only provisioner). */
export function needsStorageClasses(cluster: ClusterConfig): boolean {
  return !traitsOf(cluster).provides.defaultStorageClass;
}
