import { join } from 'node:path';
import { buildEnvironment } from '../../../apps/platform/main';
import { platform } from '../../../apps/platform/platform';
import { serviceCatalog } from '../../../apps/platform/services';
import { PlatformAddOn } from '../../../lib/core/addon';
import { composePlatform } from '../../../lib/core/composition';
import { KubeManifest, RenderedObject } from '../../../lib/core/checks';
import { parseTenantInput } from '../../../lib/core/input/documents';
import { readInputDirectory } from '../../../lib/core/input/load';
import { TenantInput } from '../../../lib/core/input/types';
import { renderEnvironment, RenderedEnvironment } from '../../../lib/core/render';
import { ServiceCatalog } from '../../../lib/core/services';
import { CeresNamespaceAddOn } from '../../../lib/workloads';
import { TenantsAddOn } from '../../../lib/tenants/tenants-addon';
import { MeshAddOn } from '../../../lib/mesh';
import { GitOpsAddOn } from '../../../lib/gitops';
import { MinimalWorkloadsAddOn } from './minimal-workloads';

const ROOT = join(__dirname, '..', '..', '..');

/** The example tenants of apps/platform/tenants. */
export const exampleInput: TenantInput = parseTenantInput(readInputDirectory(join(ROOT, 'apps/platform/tenants'), ROOT));

/** The ceres namespace, tenants, a minimal stand-in for the workloads add-on, the mesh, and the app of apps that delivers its charts. */
export function meshAddOns(): PlatformAddOn[] {
  return [new CeresNamespaceAddOn(), new TenantsAddOn(), new MinimalWorkloadsAddOn(), new MeshAddOn(), new GitOpsAddOn()];
}

/** Renders one environment with the mesh and its checks. Throws SynthError when a check fails. */
export function renderMesh(env: string, services: ServiceCatalog = serviceCatalog, addOns: PlatformAddOn[] = meshAddOns(), input: TenantInput = exampleInput): RenderedEnvironment {
  const output = buildEnvironment(platform, input, env, addOns, services);
  return renderEnvironment(output, composePlatform(addOns).checks);
}

/** The rendered object of a kind and name (and namespace, when given). */
export function find(objects: readonly RenderedObject[], kind: string, name: string, namespace?: string): KubeManifest {
  const found = objects.filter((o) => o.manifest.kind === kind && o.manifest.metadata.name === name && (namespace === undefined || o.manifest.metadata.namespace === namespace));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${namespace ?? '*'}/${name}, found ${found.length}`);
  return found[0].manifest;
}

/** Runs a function expected to throw a SynthError; returns its problems. */
export function synthProblems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e: any) {
    if (Array.isArray(e?.problems)) return e.problems as string[];
    throw e;
  }
  throw new Error('expected a SynthError, but rendering succeeded');
}
