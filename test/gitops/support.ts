import { RenderedObject } from '../../lib/core/checks';
import { renderEnvironment, RenderedEnvironment } from '../../lib/core/render';
import { buildEnvironment, platformAddOns } from '../../apps/platform/main';
import { platform } from '../../apps/platform/platform';
import { synthesize, SynthesisResult } from '../../apps/synthesize';

let cached: { result: SynthesisResult; envs: Map<string, RenderedEnvironment> } | undefined;

/** The default platform rendered once for all tests of a file: the dist map and each environment's objects. */
export function renderedPlatform(): { result: SynthesisResult; envs: Map<string, RenderedEnvironment> } {
  if (cached) return cached;
  const result = synthesize();
  const envs = new Map<string, RenderedEnvironment>();
  for (const env of platform.environments) {
    const addOns = platformAddOns();
    const output = buildEnvironment(platform, result.input, env.name, addOns);
    envs.set(env.name, renderEnvironment(output, addOns.flatMap((a) => a.checks ?? [])));
  }
  cached = { result, envs };
  return cached;
}

export const kindIs = (kind: string, group?: string) => (o: RenderedObject) =>
  o.manifest.kind === kind && (group === undefined || (o.manifest.apiVersion.includes('/') ? o.manifest.apiVersion.split('/')[0] : '') === group);
