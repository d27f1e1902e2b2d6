import type { PlatformConfig } from '../../lib/core/model';
import { platform } from '../../apps/platform/platform';
import { synthesizeInfra } from '../../apps/infra/main';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let cached: Map<string, string> | undefined;

/** The default platform's rendered stacks (rendered once per test file). */
export function defaultFiles(): Map<string, string> {
  cached ??= synthesizeInfra(platform);
  return cached;
}

/** The parsed JSON of one stack of the default platform (`prod-aws`). */
export function stack(name: string, files: Map<string, string> = defaultFiles()): Json {
  const text = files.get(`terraform/${name}/cdk.tf.json`);
  if (text === undefined) throw new Error(`no stack ${name}; have ${[...files.keys()].join(', ')}`);
  return JSON.parse(text);
}

/** All resources of a type in a stack, as a list of bodies. */
export function resources(json: Json, type: string): Json[] {
  return Object.values(json.resource?.[type] ?? {});
}

/** The single resource of a type (fails if there are none or several). */
export function only(json: Json, type: string): Json {
  const all = resources(json, type);
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}

/** A copy of the default platform with one cluster changed. */
export function withCluster(name: string, change: Json): PlatformConfig {
  return {
    ...platform,
    environments: platform.environments.map((env) => ({
      ...env,
      clusters: env.clusters.map((c) => (c.name === name ? { ...c, ...change } : c)),
    })),
  };
}
