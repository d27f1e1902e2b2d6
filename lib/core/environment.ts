import { ComposedPlatform, deployAddOns } from './composition';
import { environmentInput, TenantInput } from './input/types';
import { PlatformConfig } from './model';
import { useFragmentTables } from './memo';
import { EnvironmentOutput } from './output';
import { ServiceCatalog } from './services';
import { deployTenants, tenantChecks, TenantRenderStore } from './tenant-render';
import { checkSignature } from './checks';

// Apart from composition.ts: an EnvironmentOutput is a cdk8s App, and what only composes add-ons
// (verify's flows, the command list) must not load cdk8s.

/**
 * One environment's output, before rendering: the composed add-ons deployed into environment
 * `envName` with the tenants deployed there, their databases, and the backups. Each tenant's own
 * files are rendered per tenant (add-ons' `deployTenant`), or read from `tenantStore` when given.
 */
export function buildEnvironmentOutput(
  platform: PlatformConfig,
  input: TenantInput,
  envName: string,
  composed: ComposedPlatform,
  services: ServiceCatalog,
  tenantStore?: TenantRenderStore,
): EnvironmentOutput {
  const environment = platform.environments.find((e) => e.name === envName);
  if (!environment) throw new Error(`unknown environment ${envName}`);
  const output = new EnvironmentOutput(platform, environment);
  // Objects that exist once per tenant in the shared files, kept between synths (./memo.ts).
  // Their objects are kept as the checks saw them: by the checks a tenant's objects are checked by.
  if (tenantStore?.tables) useFragmentTables(output.app, tenantStore.tables, environment.name, checkSignature(tenantChecks(composed)));
  // The same projection of the input the render cache keys an environment by.
  const { tenants, databases, backups } = environmentInput(input, environment.name);
  // Each tenant's own files first, from the tenant alone (cached per tenant when a store is given);
  // then the add-ons over the environment, which see those folders and files in the output.
  const t0 = performance.now();
  const count = deployTenants(composed, { platform, environment, services }, output, tenants, databases, tenantStore);
  output.tenantRenders.rendered += count.rendered;
  output.tenantRenders.cached += count.cached;
  output.tenantRenders.ms += performance.now() - t0;
  deployAddOns(composed, { platform, environment, output, tenants, databases, backups, services });
  return output;
}
