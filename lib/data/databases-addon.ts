import { Flow, FlowTarget } from '../core/flows';
import { databaseFlows } from './flows';
import { NamespaceDeclaration, PlatformAddOn, PlatformContext } from '../core/addon';
import { PlatformNamespaces } from '../core/namespaces';
import { databaseSites, environmentDatabases, PLATFORM_DATABASE, platformDatabase } from '../core/database-topology';
import { runbookBase } from '../observability';
import { cloudNativePg } from './cloudnative-pg';
import { DatabaseRecoveryAlerts, databasesFolder, DISASTER_RECOVERY_FOLDER, failoverRunbook, RUNBOOK_FILE } from './disaster-recovery';
import { platformDatabaseSite } from './platform-database';

/**
 * The CloudNativePG operator, which runs the platform database (one Cluster per database site, in
 * `ceres`) and the tenants' databases (`TenantDatabase`, rendered by each tenant); every database
 * site's recovery alerts and the environment's failover runbook, over all of them.
 */
export class DatabasesAddOn implements PlatformAddOn {
  public flows(target: FlowTarget): Flow[] {
    return databaseFlows(target);
  }

  public readonly name = 'databases';
  public readonly charts = [cloudNativePg];
  public readonly namespaces: readonly NamespaceDeclaration[] = [{ name: PlatformNamespaces.cnpg, podSecurity: 'restricted', thirdPartyImages: true }];

  public deploy(ctx: PlatformContext): void {
    const own = platformDatabase(ctx.platform, ctx.environment);
    for (const site of own?.sites ?? []) {
      const chart = databasesFolder(ctx.output, site.cluster).manifest(PLATFORM_DATABASE.namespace, { namespace: PLATFORM_DATABASE.namespace });
      platformDatabaseSite(chart, ctx.environment, own!, site.cluster.name);
    }
    // Each database site alerts on its recovery objectives; the environment gets its failover runbook.
    const databases = environmentDatabases(ctx.platform, ctx.environment, ctx);
    for (const site of databaseSites(ctx.environment)) {
      const here = databases.filter((d) => d.sites.some((s) => s.cluster === site));
      if (!here.length) continue;
      new DatabaseRecoveryAlerts(databasesFolder(ctx.output, site).manifest('recovery-alerts'), 'RecoveryAlerts', {
        databases: here,
        runbookBaseUrl: runbookBase(ctx.platform.gitops.repoURL, ctx.platform.gitops.targetRevision),
      });
    }
    if (databases.length) {
      ctx.output
        .folder(DISASTER_RECOVERY_FOLDER, { synced: false, description: 'The generated failover runbook (docs/disaster-recovery.md); not synced' })
        .addFile(RUNBOOK_FILE, failoverRunbook(ctx.environment, databases));
    }
  }
}
