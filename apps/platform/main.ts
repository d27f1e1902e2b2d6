import { PlatformAddOn } from '../../lib/core/addon';
import { ManifestCheck } from '../../lib/core/checks';
import { TenantInput } from '../../lib/core/input/types';
import { PlatformConfig } from '../../lib/core/model';
import { EnvironmentOutput } from '../../lib/core/output';
import { renderEnvironment } from '../../lib/core/render';
import { CorePlatformAddOn } from '../../lib/platform/core-addon';
import { TenantsAddOn } from '../../lib/tenants/tenants-addon';
import { PlatformGuardrailsAddOn } from '../../lib/hardening/guardrails-addon';
import { WorkloadsAddOn } from '../../lib/workloads/workloads-addon';
import { MeshAddOn } from '../../lib/mesh/mesh-addon';
import { BackupsAddOn } from '../../lib/data/backups-addon';
import { GitOpsAddOn } from '../../lib/gitops/gitops-addon';
import { HelmAddOnsAddOn } from '../../lib/gitops/helm-addons-addon';
import { ObservabilityAddOn } from '../../lib/observability/observability-addon';
import { CostAddOn } from '../../lib/cost/cost-addon';
import { ServiceCatalog } from '../../lib/core/services';
import { serviceCatalog } from './services';

/**
 * The platform's add-ons, in deployment order. GitOps comes last: it derives the app of apps from
 * the folders every other add-on created.
 */
export function platformAddOns(): PlatformAddOn[] {
  return [new CorePlatformAddOn(), new TenantsAddOn(), new PlatformGuardrailsAddOn(), new WorkloadsAddOn(), new MeshAddOn(), new BackupsAddOn(), new ObservabilityAddOn(), new CostAddOn(), new HelmAddOnsAddOn(), new GitOpsAddOn()];
}

/** One environment's output, before rendering. */
export function buildEnvironment(
  platform: PlatformConfig,
  input: TenantInput,
  envName: string,
  addOns: readonly PlatformAddOn[],
  services: ServiceCatalog = serviceCatalog,
): EnvironmentOutput {
  const environment = platform.environments.find((e) => e.name === envName);
  if (!environment) throw new Error(`unknown environment ${envName}`);
  const output = new EnvironmentOutput(platform, environment);
  const tenants = input.tenants.filter((t) => t.environments.includes(environment.name));
  const ids = new Set(tenants.map((t) => t.tenantId));
  const ctx = {
    platform,
    environment,
    output,
    tenants,
    databases: input.databases.filter((d) => ids.has(d.tenantId)),
    backups: input.backups,
    services,
  };
  for (const addOn of addOns) addOn.deploy(ctx);
  return output;
}

export interface EnvironmentSummary {
  readonly name: string;
  readonly folders: number;
  readonly objectsByKind: Readonly<Record<string, number>>;
  readonly ms: number;
}

/**
 * Renders every environment of the platform in memory. Returns paths relative to dist/ → content,
 * and a summary per environment. Throws InputError / SynthError for the user to fix.
 */
export function synthesizePlatform(
  platform: PlatformConfig,
  input: TenantInput,
  addOns: readonly PlatformAddOn[] = platformAddOns(),
): { files: Map<string, string>; summary: EnvironmentSummary[] } {
  const files = new Map<string, string>();
  const summary: EnvironmentSummary[] = [];
  const checks: ManifestCheck[] = addOns.flatMap((a) => a.checks ?? []);
  for (const env of platform.environments) {
    const t0 = performance.now();
    const output = buildEnvironment(platform, input, env.name, addOns);
    const rendered = renderEnvironment(output, checks);
    for (const [path, content] of rendered.files) files.set(path, content);
    const objectsByKind: Record<string, number> = {};
    for (const o of rendered.objects) objectsByKind[o.manifest.kind] = (objectsByKind[o.manifest.kind] ?? 0) + 1;
    summary.push({ name: env.name, folders: output.folders.length, objectsByKind, ms: performance.now() - t0 });
  }
  return { files, summary };
}
