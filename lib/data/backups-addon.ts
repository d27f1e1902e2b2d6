import { ApiObject } from 'cdk8s';
import { NamespaceDeclaration, PlatformAddOn, PlatformContext } from '../core/addon';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { csiSnapshotDriver } from '../core/cloud';
import { placementApplies, traitsOf } from '../core/topology';
import { Labels, tenantNames } from '../core/names';
import { Flow, FlowTarget, INTERNET, namespaceBaseFlows, workloadIdentityFlows } from '../core/flows';
import { PlatformNamespaces } from '../core/namespaces';
import { BackupSchedule } from './backup-schedule';
import { velero } from './velero';

/** The VolumeSnapshotClass Velero's CSI snapshots use on every cluster that takes them. */
export const VELERO_SNAPSHOT_CLASS = 'ceres-velero';

/**
 * Velero, every CeresBackup as a Velero Schedule in the `backups` folder, and per cluster with the
 * snapshot API the VolumeSnapshotClass its CSI snapshots use.
 */
export class BackupsAddOn implements PlatformAddOn {
  public readonly name = 'backups';

  /**
   * Velero's server and node agents: the API (backups are objects), and the cluster's object store
   * and cloud APIs (snapshots, token exchange of the workload identity) over HTTPS.
   */
  public flows(t: FlowTarget): Flow[] {
    return [
      ...namespaceBaseFlows('backups', PlatformNamespaces.velero, t.cluster, { apiServer: true }),
      {
        name: 'backups/velero-to-object-store',
        from: { pods: { namespace: PlatformNamespaces.velero, podLabels: { 'app.kubernetes.io/name': 'velero' } } },
        to: { external: INTERNET, ports: [{ port: 443 }] },
        plaintext: true,
        reason: 'Velero writes backups to the object store and calls the cloud’s snapshot and identity APIs',
      },
      ...workloadIdentityFlows('backups', { namespace: PlatformNamespaces.velero, podLabels: { 'app.kubernetes.io/name': 'velero' } }, t.cluster),
    ];
  }
  public readonly charts = [velero];
  public readonly namespaces: readonly NamespaceDeclaration[] = [
    { name: PlatformNamespaces.velero, podSecurity: 'privileged', reason: 'the Velero node agent reads pod volumes through hostPath', thirdPartyImages: true },
  ];

  public deploy(ctx: PlatformContext): void {
    if (ctx.backups.length === 0) return;
    const existing = [...ctx.catalog.namespaces.map((n) => n.name), ...ctx.tenants.map((t) => tenantNames(t.tenantId).namespace)];
    const folder = ctx.output.folder('backups', {
      description: 'Velero backup schedules (CeresBackup)',
      labels: { [Labels.costCenter]: 'platform' },
      syncWave: SyncWave.data,
    });
    const chart = folder.manifest('schedules');
    for (const spec of ctx.backups) new BackupSchedule(chart, spec.name, { spec, existingNamespaces: existing });
    // The class Velero snapshots volumes with (it selects by this label, one per driver). Deleted with
    // the snapshot: the data mover has copied it into the backup store by then.
    for (const cluster of ctx.environment.clusters.filter((c) => placementApplies(velero.placement, c) && traitsOf(c).nodeAgents)) {
      const driver = csiSnapshotDriver(cluster);
      if (!driver) continue;
      const snapshots = ctx.output.clusterFolder(cluster, 'backup-snapshots', {
        description: `The VolumeSnapshotClass Velero takes CSI snapshots of ${cluster.name}'s volumes with (${driver})`,
        labels: { [Labels.costCenter]: 'platform' },
        syncWave: SyncWave.data,
      });
      new ApiObject(snapshots.manifest('volume-snapshot-class'), 'VeleroSnapshots', {
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshotClass',
        metadata: {
          name: VELERO_SNAPSHOT_CLASS,
          labels: { 'velero.io/csi-volumesnapshot-class': 'true' },
          annotations: argoAnnotations({ wave: SyncWave.data }),
        },
        driver,
        deletionPolicy: 'Delete',
      });
    }
  }
}
