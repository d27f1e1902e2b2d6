import { BackupsAddOn, DatabasesAddOn, StorageAddOn } from '../../lib/data';
import { PlatformAddOn, PlatformCatalog } from '../../lib/core/addon';
import { ComposedPlatform, composePlatform } from '../../lib/core/composition';
import { buildEnvironmentOutput } from '../../lib/core/environment';
import { TenantInput } from '../../lib/core/input/types';
import { PlatformConfig } from '../../lib/core/model';
import { EnvironmentOutput } from '../../lib/core/output';
import { renderEnvironment, RenderedEnvironment, RenderOptions } from '../../lib/core/render';
import { ServiceCatalog } from '../../lib/core/services';
import type { TenantRenderStore } from '../../lib/core/tenant-render';
import { CertificatesAddOn } from '../../lib/certificates';
import { CostAddOn } from '../../lib/cost';
import { GitOpsAddOn } from '../../lib/gitops';
import { KeycloakAddOn } from '../../lib/identity';
import { FalcoAddOn, PlatformGuardrailsAddOn, TrivyOperatorAddOn } from '../../lib/hardening';
import { MeshAddOn } from '../../lib/mesh';
import { ObservabilityAddOn } from '../../lib/observability';
import { ExternalSecretsAddOn, SealedSecretsAddOn } from '../../lib/secrets';
import { TenantsAddOn } from '../../lib/tenants';
import { CeresNamespaceAddOn, WorkloadsAddOn } from '../../lib/workloads';
import { serviceCatalog } from './services';

/**
 * The platform's add-ons. Order comes from what each requires and provides (`composePlatform`);
 * the list order only breaks ties, and fixes the order of folders in the output.
 */
export function platformAddOns(): PlatformAddOn[] {
  return [
    new CeresNamespaceAddOn(),
    new TenantsAddOn(),
    new PlatformGuardrailsAddOn(),
    new WorkloadsAddOn(),
    new MeshAddOn(),
    new BackupsAddOn(),
    new StorageAddOn(),
    new ObservabilityAddOn(),
    new CostAddOn(),
    new CertificatesAddOn(),
    new SealedSecretsAddOn(),
    new ExternalSecretsAddOn(),
    new DatabasesAddOn(),
    new KeycloakAddOn(),
    new FalcoAddOn(),
    new TrivyOperatorAddOn(),
    new GitOpsAddOn(),
  ];
}

/** One environment's output, before rendering (the platform's add-ons and service catalog unless given). */
export function buildEnvironment(
  platform: PlatformConfig,
  input: TenantInput,
  envName: string,
  addOns: ComposedPlatform | readonly PlatformAddOn[] = platformAddOns(),
  services: ServiceCatalog = serviceCatalog,
  tenantStore?: TenantRenderStore,
): EnvironmentOutput {
  return buildEnvironmentOutput(platform, input, envName, 'catalog' in addOns ? addOns : composePlatform(addOns), services, tenantStore);
}

export interface EnvironmentSummary {
  readonly name: string;
  readonly folders: number;
  readonly objectsByKind: Readonly<Record<string, number>>;
  readonly ms: number;
  /** The environment's files came from the render cache (nothing was rendered). */
  readonly cached?: boolean;
  /** Tenants whose own files were rendered, and read from the render cache (when the environment was rendered). */
  readonly tenants?: { readonly rendered: number; readonly cached: number };
}

/**
 * Renders every environment of the platform in memory. Returns paths relative to dist/ → content,
 * and a summary per environment (and, unless `options.release`, the rendered environments). Throws InputError / SynthError for the user to fix.
 */
export function synthesizePlatform(
  platform: PlatformConfig,
  input: TenantInput,
  addOns: readonly PlatformAddOn[] = platformAddOns(),
  options: RenderOptions & { readonly tenantStore?: TenantRenderStore } = {},
): { files: Map<string, string>; summary: EnvironmentSummary[]; environments: RenderedEnvironment[]; catalog: PlatformCatalog } {
  const files = new Map<string, string>();
  const summary: EnvironmentSummary[] = [];
  const environments: RenderedEnvironment[] = [];
  const composed = composePlatform(addOns);
  for (const env of platform.environments) {
    const t0 = performance.now();
    const output = buildEnvironment(platform, input, env.name, composed, serviceCatalog, options.tenantStore);
    const rendered = renderEnvironment(output, composed.checks, options);
    for (const [path, content] of rendered.files) files.set(path, content);
    if (!options.release) environments.push(rendered);
    summary.push({
      name: env.name,
      folders: output.folders.length,
      objectsByKind: rendered.objectsByKind,
      ms: performance.now() - t0,
      tenants: { rendered: output.tenantRenders.rendered, cached: output.tenantRenders.cached },
    });
  }
  return { files, summary, environments, catalog: composed.catalog };
}
