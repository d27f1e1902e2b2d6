import { Flow, FlowTarget } from '../core/flows';
import { databaseFlows } from './flows';
import { NamespaceDeclaration, PlatformAddOn, PlatformContext } from '../core/addon';
import { PlatformNamespaces } from '../core/namespaces';
import { KEYCLOAK } from '../core/realm';
import { databaseSites, environmentDatabases, keycloakDatabase, PLATFORM_DATABASE, platformDatabase, ReplicatedDatabase } from '../core/database-topology';
import { isProvisioned } from '../core/cloud';
import {
  awsSecretKeyAlias,
  cloudSecretLocation,
  DatabaseCredentials,
  databaseCredentialsRemoteName,
  PLATFORM_SECRETS_OWNER,
  platformDatabaseCredentials,
  secretReaders,
} from '../core/secret-store';
import { runbookBase } from '../observability';
import { databaseSecretStore, deliversCloudSecrets } from '../secrets';
import { cloudNativePg } from './cloudnative-pg';
import { CredentialSeed, DatabaseRecoveryAlerts, databasesFolder, DISASTER_RECOVERY_FOLDER, failoverRunbook, RUNBOOK_FILE } from './disaster-recovery';
import { platformDatabaseSite } from './platform-database';
import { trafficRunbook } from './traffic-runbook';

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
      let credentials: DatabaseCredentials | undefined;
      if (deliversCloudSecrets(ctx.catalog, site.cluster)) {
        // The platform's reader and store in ceres, before the Cluster whose credentials it delivers.
        const reader = secretReaders(ctx.environment, site.cluster, ctx).find((r) => r.tenantId === PLATFORM_SECRETS_OWNER)!;
        databaseSecretStore(chart, ctx.environment, site.cluster, reader);
        credentials = platformDatabaseCredentials();
      }
      platformDatabaseSite(chart, ctx.environment, own!, site.cluster.name, credentials);
    }
    // Each database site alerts on its recovery objectives; the environment gets its failover runbook.
    // Keycloak's database (rendered by its add-on, in the same folders) is one of them where the platform runs Keycloak
    // (an add-on declares its namespace): alerted, seeded, failed over and failed back with the others, after the platform's.
    const keycloak = ctx.catalog.namespaces.some((n) => n.name === KEYCLOAK.namespace) ? keycloakDatabase(ctx.platform, ctx.environment) : undefined;
    const all = environmentDatabases(ctx.platform, ctx.environment, ctx);
    const databases = keycloak ? [all[0], keycloak, ...all.slice(1)] : all;
    for (const site of new Set([...databaseSites(ctx.environment), ...databases.flatMap((d) => d.sites.map((s) => s.cluster))])) {
      const here = databases.filter((d) => d.sites.some((s) => s.cluster === site));
      if (!here.length) continue;
      new DatabaseRecoveryAlerts(databasesFolder(ctx.output, site).manifest('recovery-alerts'), 'RecoveryAlerts', {
        databases: here,
        runbookBaseUrl: runbookBase(ctx.platform.gitops.repoURL, ctx.platform.gitops.targetRevision),
      });
    }
    // The traffic part (DNS failover of the public hosts) follows the databases'.
    const traffic = trafficRunbook(ctx.environment);
    if (databases.length || traffic) {
      ctx.output
        .folder(DISASTER_RECOVERY_FOLDER, { synced: false, description: 'The generated failover runbook (docs/disaster-recovery.md); not synced' })
        .addFile(RUNBOOK_FILE, [failoverRunbook(ctx.environment, databases, credentialSeeds(ctx, databases), keycloak), traffic].filter(Boolean).join('\n'));
    }
  }
}

/** Where each site of each database holds its password, on the sites that deliver cloud secrets (the runbook's seeding step). */
function credentialSeeds(ctx: PlatformContext, databases: readonly ReplicatedDatabase[]): CredentialSeed[] {
  const out: CredentialSeed[] = [];
  // The readers of each site by namespace, computed once per site (each covers every tenant).
  const readersBySite = new Map<string, Map<string, ReturnType<typeof secretReaders>[number]>>();
  const readersOf = (cluster: ReplicatedDatabase['sites'][number]['cluster']) => {
    let readers = readersBySite.get(cluster.name);
    if (!readers) readersBySite.set(cluster.name, (readers = new Map(secretReaders(ctx.environment, cluster, ctx).map((r) => [r.namespace, r]))));
    return readers;
  };
  for (const database of databases) {
    for (const site of database.sites) {
      const cluster = site.cluster;
      if (!isProvisioned(cluster) || !deliversCloudSecrets(ctx.catalog, cluster)) continue;
      const reader = readersOf(cluster).get(database.namespace);
      if (!reader) throw new Error(`database ${database.namespace}/${database.name}: no secret reader for ${database.namespace} on ${cluster.name}`);
      const where = cloudSecretLocation(ctx.environment, cluster, reader.tenantId);
      const store: CredentialSeed['store'] | undefined =
        where.cloud === 'aws'
          ? { cloud: 'aws', region: where.region, kmsAlias: awsSecretKeyAlias(cluster) }
          : where.cloud === 'azure'
            ? { cloud: 'azure', vaultName: where.vaultName }
            : undefined;
      if (!store) continue;
      out.push({
        database,
        site,
        remoteName: databaseCredentialsRemoteName(database.namespace, database.name),
        store,
      });
    }
  }
  return out;
}
