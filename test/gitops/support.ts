import { RenderedObject } from '../../lib/core/checks';
import { RenderedEnvironment } from '../../lib/core/render';
import { platform } from '../../apps/platform/platform';
import { SynthesisResult } from '../../apps/synthesize';
import { defaultSynthesis } from '../support/synthesis-cache';

/** A rendered object whose manifest tests read freely (the generated shapes are checked by tsc in lib/). */
export type LooseObject = Omit<RenderedObject, 'manifest'> & { readonly manifest: any };
type LooseEnvironment = Omit<RenderedEnvironment, 'objects'> & { readonly objects: readonly LooseObject[] };

let cached: { result: SynthesisResult; envs: Map<string, LooseEnvironment> } | undefined;

/** The default platform rendered once for all tests of a file: the dist map and each environment's objects. */
export function renderedPlatform(): { result: SynthesisResult; envs: Map<string, LooseEnvironment> } {
  if (cached) return cached;
  const result = defaultSynthesis();
  const envs = new Map<string, LooseEnvironment>();
  for (const env of platform.environments) envs.set(env.name, result.environments.find((e) => e.name === env.name)!);
  cached = { result, envs };
  return cached;
}

export const kindIs = (kind: string, group?: string) => (o: LooseObject) =>
  o.manifest.kind === kind && (group === undefined || (o.manifest.apiVersion.includes('/') ? o.manifest.apiVersion.split('/')[0] : '') === group);
