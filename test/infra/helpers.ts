import type { PlatformConfig } from '../../lib/core/model';
import { platform } from '../../apps/platform/platform';
import { defaultTenantInput, synthesizeInfra } from '../../apps/infra/main';
import { defaultSynthesis } from '../support/synthesis-cache';
import type { InfraInput } from '../../lib/infra/facts';

export type Json = Record<string, any>;

let cached: Map<string, string> | undefined;
let cachedInput: InfraInput | undefined;

/** The tenant input of apps/platform/tenants/ (what `npm run synth` renders by default). */
export function defaultInput(): InfraInput {
  cachedInput ??= defaultTenantInput();
  return cachedInput;
}

/** The default platform's rendered stacks (rendered once per test file). */
export function defaultFiles(): Map<string, string> {
  // The run's shared synthesis (test/support/synthesis-cache.ts) holds the default stacks.
  cached ??= new Map([...defaultSynthesis().files].filter(([path]) => path.startsWith('terraform/')));
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

/** `type.name` → body of every resource of a stack (the Terraform resource addresses). */
export function addresses(json: Json, type?: string): [address: string, body: Json][] {
  const out: [string, Json][] = [];
  for (const [t, byName] of Object.entries((json.resource ?? {}) as Record<string, Record<string, Json>>)) {
    if (type && t !== type) continue;
    for (const [name, body] of Object.entries(byName)) out.push([`${t}.${name}`, body]);
  }
  return out;
}

/** The address of a resource body's reference target: `${aws_s3_bucket.x.id}` → `aws_s3_bucket.x`. */
export function referencedAddress(expression: string): string {
  const m = /^\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\.[a-z_]+\}$/.exec(expression);
  if (!m) throw new Error(`not a plain reference: ${expression}`);
  return m[1];
}

/** Every IAM policy statement of an AWS stack (role policies), with the address of its policy resource. */
export function iamStatements(json: Json): { address: string; statement: Json }[] {
  return addresses(json, 'aws_iam_role_policy').flatMap(([address, body]) =>
    (JSON.parse(body.policy).Statement as Json[]).map((statement) => ({ address, statement })),
  );
}

/** A statement's actions / resources as lists. */
export const list = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value as string]);

let cachedStandardGcp: Json | undefined;
/**
 * prod-gcp as a GKE Standard cluster running workloads (the default is an Autopilot standby that runs
 * neither Velero nor databases, so it has no workload identity): the identity code paths of the stack.
 */
export function gcpWithWorkloads(): Json {
  cachedStandardGcp ??= stack('prod-gcp', synthesizeInfra(withCluster('ceres-prod-gcp', { profile: 'gke-standard' }), defaultInput()));
  return cachedStandardGcp;
}
