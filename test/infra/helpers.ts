import type { PlatformConfig } from '../../lib/core/model';
import { keycloakPostgres } from '../../lib/core/cloud';
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

/**
 * `tenant-<id>/<database>` of every tenant database that the live tenant input deploys to an
 * environment, sorted: what its data home must run and bind, read from the input itself (so that the
 * tests hold whatever tenants apps/platform/tenants/ has).
 */
export function tenantDatabases(environment: string): string[] {
  const input = defaultInput();
  const deployed = new Set(input.tenants.filter((t) => (t.environments as readonly string[]).includes(environment)).map((t) => t.tenantId));
  return input.databases
    .filter((d) => deployed.has(d.tenantId))
    .map((d) => `tenant-${d.tenantId}/${d.name}`)
    .sort();
}

/**
 * The platform's own PostgreSQL clusters (`namespace/name`) on the `<environment>-<cloud>` stack's
 * cluster: Keycloak's, where the environment's Keycloak runs (lib/core/cloud.ts keycloakPostgres).
 */
export function platformDatabases(environment: string, cloud: string): string[] {
  const env = platform.environments.find((e) => e.name === environment)!;
  return env.clusters
    .filter((c) => c.cloud === cloud)
    .flatMap((c) => keycloakPostgres(env, c))
    .map((p) => `${p.namespace}/${p.name}`)
    .sort();
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

/**
 * The default platform reduced to one environment (its stacks are rendered from it alone), with
 * `change` applied to that environment: a variant renders only the stacks it is about.
 */
export function onlyEnvironment(
  name: string,
  change: (env: PlatformConfig['environments'][number]) => PlatformConfig['environments'][number] = (e) => e,
): PlatformConfig {
  const env = platform.environments.find((e) => e.name === name);
  if (!env) throw new Error(`no environment ${name}`);
  return { ...platform, environments: [change(env)] };
}

/** The environment of the default platform that has cluster `name`, with that cluster changed (and no other environment). */
export function withCluster(name: string, change: Json): PlatformConfig {
  const env = platform.environments.find((e) => e.clusters.some((c) => c.name === name));
  if (!env) throw new Error(`no cluster ${name}`);
  return onlyEnvironment(env.name, (e) => ({ ...e, clusters: e.clusters.map((c) => (c.name === name ? { ...c, ...change } : c)) }));
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
