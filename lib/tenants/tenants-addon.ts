import { PlatformAddOn, PlatformContext } from '../core/addon';
import { TenantFolders, TenantUnit } from '../core/capabilities';
import { DatabaseSpec } from '../core/input/types';
import { SyncWave } from '../core/argocd';
import { KEYCLOAK_PLACEMENT, keycloakUrl } from '../core/realm';
import { deliversCloudSecrets } from '../secrets';
import { Tenant } from './tenant';
import { KEYCLOAK_REALMS_FOLDER, TenantRealmImport } from './tenant-realm';

/** Every tenant of the environment, each in its own folder; provides the tenants' folders to other add-ons. */
export class TenantsAddOn implements PlatformAddOn {
  public readonly name = 'tenants';
  public readonly provides = [TenantFolders];

  public deploy(ctx: PlatformContext): void {
    // Group once: linear in tenants + databases (a filter per tenant would be quadratic).
    const byTenant = new Map<string, DatabaseSpec[]>();
    for (const d of ctx.databases) {
      const list = byTenant.get(d.tenantId);
      if (list) list.push(d);
      else byTenant.set(d.tenantId, [d]);
    }
    const units = new Map<string, TenantUnit>();
    for (const spec of ctx.tenants) {
      const tenant = new Tenant(ctx.output, {
        spec,
        databases: byTenant.get(spec.tenantId) ?? [],
        cloudSecretsOn: (cluster) => deliversCloudSecrets(ctx.catalog, cluster),
      });
      units.set(spec.tenantId, { spec, namespace: tenant.names.namespace, folder: tenant.folder });
    }
    ctx.provide(TenantFolders, units);
    // Each tenant's realm, from its document alone, imported by the environment's Keycloak (the cluster
    // running it is the only one whose operator serves k8s.keycloak.org: lib/identity).
    if (ctx.tenants.length) {
      const realms = ctx.output.folder(KEYCLOAK_REALMS_FOLDER, {
        placement: KEYCLOAK_PLACEMENT,
        syncWave: SyncWave.routes,
        description: "Tenants' Keycloak realms (KeycloakRealmImport), imported by the environment's Keycloak",
      });
      for (const spec of ctx.tenants) {
        new TenantRealmImport(realms.manifest(spec.keycloakRealm), 'Realm', { spec, keycloakUrl: keycloakUrl(ctx.environment) });
      }
    }
  }
}
