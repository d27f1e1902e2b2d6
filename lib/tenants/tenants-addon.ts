import { PlatformAddOn, PlatformContext } from '../core/addon';
import { TenantFolders, TenantUnit } from '../core/capabilities';
import { DatabaseSpec } from '../core/input/types';
import { Tenant } from './tenant';

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
      const tenant = new Tenant(ctx.output, { spec, databases: byTenant.get(spec.tenantId) ?? [] });
      units.set(spec.tenantId, { spec, namespace: tenant.names.namespace, folder: tenant.folder });
    }
    ctx.provide(TenantFolders, units);
  }
}
