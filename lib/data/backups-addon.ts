import { PlatformAddOn, PlatformContext } from '../core/addon';
import { SyncWave } from '../core/argocd';
import { Labels, tenantNames } from '../core/names';
import { PLATFORM_NAMESPACE_NAMES } from '../core/namespaces';
import { BackupSchedule } from './backup-schedule';

/** Every CeresBackup as a Velero Schedule in the `backups` folder. */
export class BackupsAddOn implements PlatformAddOn {
  public readonly name = 'backups';

  public deploy(ctx: PlatformContext): void {
    if (ctx.backups.length === 0) return;
    const existing = [...PLATFORM_NAMESPACE_NAMES, ...ctx.tenants.map((t) => tenantNames(t.tenantId).namespace)];
    const folder = ctx.output.folder('backups', {
      description: 'Velero backup schedules (CeresBackup)',
      labels: { [Labels.costCenter]: 'platform' },
      syncWave: SyncWave.data,
    });
    const chart = folder.manifest('schedules');
    for (const spec of ctx.backups) new BackupSchedule(chart, spec.name, { spec, existingNamespaces: existing });
  }
}
