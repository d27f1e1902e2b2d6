import { Construct } from 'constructs';
import { SyncWave } from '../core/argocd';
import { ClusterConfig } from '../core/model';
import { databaseCredentials, tenantSecretReaders } from '../core/secret-store';
import { databaseSecretStore } from '../secrets';
import { DatabaseSpec, TenantSpec } from '../core/input/types';
import { tenantLabels, tenantNames, TenantNames } from '../core/names';
import { tenantPlacement } from '../core/topology';
import { REALM_ANNOTATION } from '../core/realm';
import { databaseSites, replicatedDatabases } from '../core/database-topology';
import { EnvironmentOutput, OutputFolder } from '../core/output';
import { databaseBackupTarget, databasesFolder } from '../data';
import { TenantDatabase } from '../data';
import { GuardedNamespace } from '../hardening';
import { meshNamespaceAllowances, NamespaceNetworkIsolation } from '../hardening';
import { TenantQuota } from '../quotas';
import { TIERS } from '../quotas';
import { TenantAccess } from './tenant-access';
import { TenantSecrets } from './tenant-secrets';

export interface TenantProps {
  /** The validated CeresTenant. */
  readonly spec: TenantSpec;
  /** The tenant's databases (CeresDatabase documents naming its tenantId). @default [] */
  readonly databases?: readonly DatabaseSpec[];
  /**
   * Whether a database site delivers cloud secrets (lib/secrets deliversCloudSecrets): there, the
   * databases' credentials come from the tenant's store, the same on every site.
   * @default never: CloudNativePG generates them per site
   */
  readonly cloudSecretsOn?: (cluster: ClusterConfig) => boolean;
}

/**
 * A tenant of the platform in one environment, expanded from one CeresTenant: its own dist/ folder
 * (one Argo CD Application, in the `platform` project because it holds the guardrails the tenant
 * must not change) with a restricted, mesh-injected namespace; default-deny network isolation;
 * quota, limit range by tier; least-privilege roles bound to the realm's groups; sealed secrets; its
 * databases. (The app of apps renders the AppProject for the tenant's own Applications.)
 */
export class Tenant extends Construct {
  public readonly spec: TenantSpec;
  public readonly names: TenantNames;
  public readonly folder: OutputFolder;

  constructor(output: EnvironmentOutput, props: TenantProps) {
    const { spec } = props;
    const names = tenantNames(spec.tenantId);
    const labels = tenantLabels(spec.tenantId, spec.subscriptionLevel);
    const folder = output.folder(names.folder, {
      description: `Tenant ${spec.displayName} (${spec.tenantId}, ${spec.subscriptionLevel})`,
      labels,
      stateful: true,
      syncWave: SyncWave.namespaces,
      placement: tenantPlacement(),
    });
    super(folder, 'Tenant');
    this.spec = spec;
    this.names = names;
    this.folder = folder;
    const ns = names.namespace;
    const databases = props.databases ?? [];

    new GuardedNamespace(folder.manifest('namespace'), 'Namespace', {
      name: ns,
      podSecurity: 'restricted',
      meshInjection: true,
      networkIsolated: true,
      protect: true,
      annotations: { 'ceres.io/display-name': spec.displayName, [REALM_ANNOTATION]: spec.keycloakRealm },
    });
    new NamespaceNetworkIsolation(folder.manifest('network-policies', { namespace: ns }), 'Isolation', {
      namespace: ns,
      allowances: meshNamespaceAllowances({ databases: databases.length > 0 }),
    });
    new TenantQuota(folder.manifest('quota', { namespace: ns }), 'Quota', { namespace: ns, tier: spec.subscriptionLevel });
    new TenantAccess(folder.manifest('access', { namespace: ns }), 'Access', { namespace: ns, keycloakRealm: spec.keycloakRealm });
    if (spec.secrets.some((s) => 'sealed' in s))
      new TenantSecrets(folder.manifest('secrets', { namespace: ns }), 'Secrets', { namespace: ns, secrets: spec.secrets });

    const replicated = replicatedDatabases(output.platform, output.environment, { tenants: [spec], databases });
    // What every Cluster of the tenant takes, wherever it runs: its tier's instance and priority, its labels.
    const tier = TIERS[spec.subscriptionLevel];
    const clusterProps = {
      namespace: ns,
      databaseName: spec.databaseSchema,
      resources: tier.databaseInstance,
      priorityClassName: tier.priorityClass.name,
      labels,
      ha: output.environment.sizing.ha,
    };
    if (replicated.length) {
      // One Cluster per database site, each in the site's own folder: the primary and its replicas differ.
      for (const site of databaseSites(output.environment)) {
        const siteFolder = databasesFolder(output, site);
        const chart = siteFolder.manifest(names.folder, { namespace: ns });
        const cloudSecrets = props.cloudSecretsOn?.(site) ?? false;
        if (cloudSecrets) {
          // The tenant's store, before the Clusters whose credentials it delivers (lib/core/secret-store.ts secretReaders).
          const reader = tenantSecretReaders(output.environment, site, { tenants: [spec], databases }).find((r) => r.namespace === ns);
          if (!reader) throw new Error(`tenant ${spec.tenantId}: no secret reader on database site ${site.name}`);
          databaseSecretStore(chart, output.environment, site, reader);
        }
        for (const rdb of replicated) {
          const db = databases.find((d) => d.name === rdb.name)!;
          const self = rdb.sites.find((s) => s.cluster === site)!;
          new TenantDatabase(chart, db.name, {
            ...clusterProps,
            spec: db,
            credentials: cloudSecrets ? databaseCredentials(ns, db.name, spec.databaseSchema) : undefined,
            topology: {
              self,
              primary: rdb.primary,
              sites: rdb.sites,
              objectives: rdb.objectives,
            },
          });
        }
      }
    } else if (databases.length) {
      const chart = folder.manifest('databases', { namespace: ns });
      const backup = databaseBackupTarget(output.platform, output.environment, ns);
      for (const db of databases) {
        new TenantDatabase(chart, db.name, { ...clusterProps, spec: db, backup });
      }
    }
  }
}
