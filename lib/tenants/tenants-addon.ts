import { PlatformAddOn, PlatformContext, TenantContext } from '../core/addon';
import { TenantFolders, TenantUnit } from '../core/capabilities';
import { SyncWave } from '../core/argocd';
import { tenantNames } from '../core/names';
import { KEYCLOAK_PLACEMENT, keycloakUrl } from '../core/realm';
import { deliversCloudSecrets } from '../secrets';
import { Tenant } from './tenant';
import { KEYCLOAK_REALMS_FOLDER, TenantRealmImport } from './tenant-realm';

/**
 * Every tenant of the environment, each in its own folder; provides the tenants' folders to other
 * add-ons. A tenant's folder, its databases and its realm import are rendered from the tenant alone
 * (`deployTenant`); `deploy` only hands the folders to the add-ons that list tenants.
 */
export class TenantsAddOn implements PlatformAddOn {
  public readonly name = 'tenants';
  public readonly provides = [TenantFolders];

  public deployTenant(ctx: TenantContext): void {
    const spec = ctx.tenant;
    new Tenant(ctx.output, {
      spec,
      databases: ctx.databases,
      cloudSecretsOn: (cluster) => deliversCloudSecrets(ctx.catalog, cluster),
    });
    // The tenant's realm, from its document alone, imported by the environment's Keycloak (the cluster
    // running it is the only one whose operator serves k8s.keycloak.org: lib/identity).
    const realms = ctx.output.folder(KEYCLOAK_REALMS_FOLDER, {
      placement: KEYCLOAK_PLACEMENT,
      syncWave: SyncWave.routes,
      description: "Tenants' Keycloak realms (KeycloakRealmImport), imported by the environment's Keycloak",
    });
    new TenantRealmImport(realms.manifest(spec.keycloakRealm), 'Realm', { spec, keycloakUrl: keycloakUrl(ctx.environment) });
  }

  public deploy(ctx: PlatformContext): void {
    const units = new Map<string, TenantUnit>();
    for (const spec of ctx.tenants) {
      const names = tenantNames(spec.tenantId);
      // Rendered by deployTenant, already in the output.
      units.set(spec.tenantId, { spec, namespace: names.namespace, folder: ctx.output.folder(names.folder) });
    }
    ctx.provide(TenantFolders, units);
  }
}
