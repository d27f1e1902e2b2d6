import { PlatformAddOn, PlatformContext } from '../core/addon';
import { DatabaseSpec } from '../core/input/types';
import { Tenant } from './tenant';

/** Every tenant of the environment, each in its own folder. */
export class TenantsAddOn implements PlatformAddOn {
  public readonly name = 'tenants';

  public deploy(ctx: PlatformContext): void {
    // Group once: linear in tenants + databases (a filter per tenant would be quadratic).
    const byTenant = new Map<string, DatabaseSpec[]>();
    for (const d of ctx.databases) {
      const list = byTenant.get(d.tenantId);
      if (list) list.push(d);
      else byTenant.set(d.tenantId, [d]);
    }
    for (const spec of ctx.tenants) {
      new Tenant(ctx.output, { spec, databases: byTenant.get(spec.tenantId) ?? [], sourceRepos: [ctx.platform.gitops.repoURL] });
    }
  }
}
