import { PlatformAddOn, PlatformContext } from '../core/addon';
import { Tenant } from './tenant';

/** Every tenant of the environment, each in its own folder. */
export class TenantsAddOn implements PlatformAddOn {
  public readonly name = 'tenants';

  public deploy(ctx: PlatformContext): void {
    for (const spec of ctx.tenants) {
      new Tenant(ctx.output, { spec, databases: ctx.databases.filter((d) => d.tenantId === spec.tenantId) });
    }
  }
}
