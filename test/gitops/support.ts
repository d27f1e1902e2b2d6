import { RenderedObject } from '../../lib/core/checks';
import { renderEnvironment, RenderedEnvironment } from '../../lib/core/render';
import { buildEnvironment, platformAddOns } from '../../apps/platform/main';
import { platform } from '../../apps/platform/platform';
import { synthesize, SynthesisResult } from '../../apps/synthesize';

/** A rendered object whose manifest tests read freely (the generated shapes are checked by tsc in lib/). */
export type LooseObject = Omit<RenderedObject, 'manifest'> & { readonly manifest: any };
type LooseEnvironment = Omit<RenderedEnvironment, 'objects'> & { readonly objects: readonly LooseObject[] };

let cached: { result: SynthesisResult; envs: Map<string, LooseEnvironment> } | undefined;

/** The default platform rendered once for all tests of a file: the dist map and each environment's objects. */
export function renderedPlatform(): { result: SynthesisResult; envs: Map<string, LooseEnvironment> } {
  if (cached) return cached;
  const result = synthesize();
  const envs = new Map<string, LooseEnvironment>();
  for (const env of platform.environments) {
    const addOns = platformAddOns();
    const output = buildEnvironment(platform, result.input, env.name, addOns);
    envs.set(env.name, renderEnvironment(output, addOns.flatMap((a) => a.checks ?? [])));
  }
  cached = { result, envs };
  return cached;
}

export const kindIs = (kind: string, group?: string) => (o: LooseObject) =>
  o.manifest.kind === kind && (group === undefined || (o.manifest.apiVersion.includes('/') ? o.manifest.apiVersion.split('/')[0] : '') === group);
