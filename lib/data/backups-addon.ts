import { NamespaceDeclaration, PlatformAddOn, PlatformContext } from '../core/addon';
import { SyncWave } from '../core/argocd';
import { Labels, tenantNames } from '../core/names';
import { PlatformNamespaces } from '../core/namespaces';
import { BackupSchedule } from './backup-schedule';
import { velero } from './velero';

/** Velero, and every CeresBackup as a Velero Schedule in the `backups` folder. */
export class BackupsAddOn implements PlatformAddOn {
  public readonly name = 'backups';
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
  }
}
