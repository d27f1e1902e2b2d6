import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError, isUserError, SynthError } from '../lib/core/errors';
import { APPROVALS_FILE, ApprovedDeletion, parseApprovals } from '../lib/core/input/approvals';
import { displayPath, loadTenantInput, readInputFile } from '../lib/core/input/load';
import { environmentInput, TenantInput, terraformInput } from '../lib/core/input/types';
import type { InfraInput } from '../lib/infra';
import { tenantNames } from '../lib/core/names';
import { PlatformConfig } from '../lib/core/model';
import { validatePlatform } from '../lib/core/platform-validation';
import { DATABASE_SITES, placementApplies } from '../lib/core/topology';
import { validateServiceCatalog } from '../lib/core/service-validation';
import { RenderCache } from '../lib/core/render-cache';
import type { EnvironmentSummary } from './platform/main';
import type { PlatformCatalog } from '../lib/core/addon';
import type { RenderedEnvironment } from '../lib/core/render';
import { platform as defaultPlatform } from './platform/platform';
import { serviceCatalog } from './platform/services';

/**
 * The project root: where `apps/platform/` is. Set by the launcher (which runs this file compiled,
 * from a cache folder); otherwise the first folder above this file that has `apps/platform/`.
 */
export const PROJECT_ROOT = ((): string => {
  if (process.env.CERES_PROJECT_ROOT) return resolve(process.env.CERES_PROJECT_ROOT);
  for (let dir = resolve(__dirname, '..'); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'apps', 'platform')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(__dirname, '..');
  }
})();
export const DEFAULT_TENANTS_DIR = join(PROJECT_ROOT, 'apps', 'platform', 'tenants');
export const DEFAULT_APPROVALS_FILE = join(PROJECT_ROOT, APPROVALS_FILE);
const PLATFORM_FILE = 'apps/platform/platform.ts';
const SERVICES_FILE = 'apps/platform/services.ts';

export interface SynthesizeOptions {
  /** The platform description. @default the embedded apps/platform/platform.ts */
  readonly platform?: PlatformConfig;
  /** Directory of tenant input documents. @default apps/platform/tenants */
  readonly tenantsDir?: string;
  /** Render only these environments (and their Terraform stacks). @default every environment */
  readonly environments?: readonly string[];
  /** The approved deletions file; read when it exists. @default apps/platform/approved-deletions.yaml */
  readonly approvalsFile?: string;
  /** Told when a step starts (progress display). */
  readonly onStep?: (step: string) => void;
  /**
   * Reuse rendered output whose inputs and code did not change (lib/core/render-cache.ts). Then the
   * result's `environments` (the rendered objects) and `catalog` lack what came from the cache; synth
   * and diff use only files and summaries. @default no cache
   */
  readonly cache?: RenderCache;
  /**
   * Keep every environment's rendered objects in the result (`environments`, `catalog`), as `npm run
   * verify` needs. Synth and diff use only files and summaries: without it, an environment's objects
   * are dropped once its files are serialized, so memory holds one environment's objects at a time.
   * @default true
   */
  readonly keepRendered?: boolean;
  /**
   * Given each file (path relative to dist/, content) as soon as it is rendered or read from the
   * render cache, instead of keeping it (the Terraform stacks first, then the environments' files in
   * the order `files` would have them): the result's `files` is then empty. `ceres synth` compares and stages each file as it comes (lib/core/staged-tree.ts), so that a
   * thousand tenants' output is never held whole. @default kept in `files`
   */
  readonly sink?: (path: string, content: string) => void;
  /**
   * With `sink`: given instead of it each file whose bytes a key names (a rendered tenant's file read
   * from the render cache: RenderedFile.key), its text read only when `content` is called (a tree index
   * can tell the file unchanged without it). @default such files go to `sink`
   */
  readonly keyedSink?: (path: string, key: string, content: () => string) => void;
}

export interface SynthesisResult {
  /** Paths relative to dist/ → content (empty when they went to `sink`). */
  readonly files: Map<string, string>;
  readonly summary: readonly EnvironmentSummary[];
  /** Every environment as rendered (objects, and what each cluster applies), for `npm run verify`; empty with `keepRendered: false`. */
  readonly environments: readonly RenderedEnvironment[];
  /** The charts and namespaces the platform's add-ons declare. */
  readonly catalog?: PlatformCatalog;
  readonly input: TenantInput;
  /** The approved deletions (empty without the file). */
  readonly approvals: readonly ApprovedDeletion[];
  /** Milliseconds per step; `terraformCached` when the stacks came from the render cache. */
  readonly timings: { readonly inputMs: number; readonly kubernetesMs: number; readonly terraformMs: number; readonly terraformCached?: boolean };
}

/** Whether a dist/ path belongs to one of `environments` (its folder, or one of its Terraform stacks). */
export function inEnvironments(environments: readonly string[] | undefined): (path: string) => boolean {
  if (!environments) return () => true;
  return (path) => environments.some((e) => path.startsWith(`${e}/`) || path.startsWith(`terraform/${e}-`));
}

/**
 * Something in apps/ or lib/ threw while rendering (a bug, or input the validator let through): the
 * message, the construct path when the error names one, the input document it comes from when that
 * can be told, and never a stack trace (unless CERES_DEBUG is set).
 */
export function describeCrash(err: unknown, step: string, input?: TenantInput): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const message = e.message.split('\n')[0].replace(/\s+/g, ' ').trim();
  const path = /construct at path '([^']+)'/.exec(e.message)?.[1] ?? /\bat path '([^']+)'/.exec(e.message)?.[1];
  const haystack = `${path ?? ''} ${e.message}`;
  const sources: string[] = [];
  for (const t of input?.tenants ?? []) {
    if (new RegExp(`\\b(tenant-)?${t.tenantId}\\b`).test(haystack)) sources.push(`CeresTenant/${t.name} (${t.source.file}, document ${t.source.document})`);
  }
  for (const d of input?.databases ?? []) {
    if (new RegExp(`\\b${d.name}\\b`).test(haystack)) sources.push(`CeresDatabase/${d.name} (${d.source.file}, document ${d.source.document})`);
  }
  const from = sources.length ? `; it comes from ${sources.slice(0, 3).join(', ')}` : step.includes('Terraform') ? `; check ${PLATFORM_FILE}` : '';
  const debug = process.env.CERES_DEBUG
    ? `\n${e.stack}`
    : ' (this is a bug in apps/ or lib/ unless the input is at fault; CERES_DEBUG=1 prints the stack trace)';
  return `${step}${path ? `: ${path}` : ''}: ${message}${from}${debug}`;
}

function guarded<T>(step: string, input: TenantInput | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isUserError(err)) throw err;
    throw new SynthError([describeCrash(err, step, input)]);
  }
}

/**
 * Everything `npm run synth` produces, in memory: validates the platform description and the tenant
 * input, renders every environment's manifests and the Terraform stacks. Throws InputError /
 * SynthError on user mistakes, and turns anything else a construct throws into a SynthError that
 * says where.
 */
export function synthesize(options: SynthesizeOptions = {}): SynthesisResult {
  const full = options.platform ?? defaultPlatform;
  const step = options.onStep ?? (() => undefined);
  const t0 = performance.now();
  step('validating the input');
  const issues: InputError['issues'][number][] = [];
  const collect = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      if (err instanceof InputError) issues.push(...err.issues);
      else throw err;
    }
  };
  collect(() => validatePlatform(full, PLATFORM_FILE));
  collect(() => validateServiceCatalog(serviceCatalog, SERVICES_FILE));
  const unknown = (options.environments ?? []).filter((e) => !full.environments.some((x) => x.name === e));
  if (unknown.length) {
    issues.push({ file: PLATFORM_FILE, message: `no environment ${unknown.join(', ')}; the platform has ${full.environments.map((e) => e.name).join(', ')}` });
  }
  const tenantsDir = options.tenantsDir ?? DEFAULT_TENANTS_DIR;
  let input: TenantInput | undefined;
  collect(() => {
    input = loadTenantInput({
      dir: tenantsDir,
      root: PROJECT_ROOT,
      strayScan: resolve(tenantsDir) === DEFAULT_TENANTS_DIR ? { appsDir: join(PROJECT_ROOT, 'apps'), known: [APPROVALS_FILE] } : undefined,
      memo: options.cache?.inputMemo(),
    });
  });
  const approvalsFile = options.approvalsFile ?? DEFAULT_APPROVALS_FILE;
  let approvals: ApprovedDeletion[] = [];
  if (options.approvalsFile && !existsSync(approvalsFile))
    issues.push({ file: displayPath(approvalsFile, PROJECT_ROOT), message: 'the approved deletions file does not exist' });
  else if (existsSync(approvalsFile)) collect(() => (approvals = parseApprovals(readInputFile(approvalsFile, displayPath(approvalsFile, PROJECT_ROOT)))));
  if (input) {
    // Services in a tenant namespace belong to a tenant of the input (they deploy where it does).
    const namespaces = new Set(input.tenants.map((t) => tenantNames(t.tenantId).namespace));
    serviceCatalog.services.forEach((s, i) => {
      if (s.namespace.startsWith('tenant-') && !namespaces.has(s.namespace)) {
        issues.push({
          file: SERVICES_FILE,
          path: `services[${i}].namespace`,
          message: `${s.namespace} is the namespace of no tenant; tenant namespaces: ${[...namespaces].sort().join(', ') || 'none'}`,
        });
      }
    });
  }
  if (input) {
    // A tenant database runs on the database sites of each environment its tenant deploys to
    // (CloudNativePG runs there only): an environment without one cannot hold it.
    full.environments.forEach((env, i) => {
      if (env.clusters.some((c) => placementApplies(DATABASE_SITES, c))) return;
      const deployed = new Set(input!.tenants.filter((t) => t.environments.includes(env.name)).map((t) => t.tenantId));
      const homeless = input!.databases.filter((d) => deployed.has(d.tenantId)).map((d) => `${d.name} (tenant ${d.tenantId})`);
      if (homeless.length) {
        issues.push({
          file: PLATFORM_FILE,
          path: `environments[${i}].clusters`,
          message: `${env.name} has no database site (a cluster with workloads on AWS or Azure), but these databases deploy there: ${homeless.join(', ')}; add such a cluster or take ${env.name} out of the tenants' environments`,
        });
      }
    });
  }
  if (issues.length) throw new InputError(issues);
  const tenantInput = input!;

  const platform = options.environments ? { ...full, environments: full.environments.filter((e) => options.environments!.includes(e.name)) } : full;
  const t1 = performance.now();
  const cache = options.cache;
  // Loaded where needed, not at the top: `ceres --help`, input errors and cached output need neither cdk8s nor cdktf.
  // The Terraform stacks first: at a thousand tenants they are some 45,000 cdktf constructs, built and
  // dropped (lib/infra/infra-app.ts, renderStacks) before the environments' files are held, so the two peaks do not add up.
  // The stacks read only their projection of the input (a display name does not touch Terraform).
  const infraInput: InfraInput = terraformInput(tenantInput);
  const tfKey = cache?.key('terraform', platform, infraInput);
  const tfCached = tfKey ? cache!.getFiles<null>(tfKey)?.files : undefined;
  let stacks: Iterable<readonly [string, string]>;
  if (tfCached) stacks = tfCached.map((f) => [f.path, f.text()] as const);
  else {
    step('rendering the Terraform stacks');
    const { synthesizeInfra } = require('./infra/main') as typeof import('./infra/main');
    stacks = guarded('while rendering the Terraform stacks', tenantInput, () => synthesizeInfra(platform, infraInput));
    if (tfKey) cache!.putFiles(tfKey, stacks, null);
  }
  // Given to a sink now, so that they are not held through the environments (some 37 MB of JSON at a
  // thousand tenants); their keys (the `terraform` group) are no manifest's, so the review is the same.
  if (options.sink) {
    for (const [path, content] of stacks) options.sink(path, content);
    stacks = [];
  }
  const t2 = performance.now();
  const files = new Map<string, string>();
  const put = options.sink ?? ((path: string, content: string) => void files.set(path, content));
  const summary: EnvironmentSummary[] = [];
  const environments: RenderedEnvironment[] = [];
  let catalog: PlatformCatalog | undefined;
  // One environment at a time, so that a failure names its environment. An environment's output is
  // a function of the code, the whole platform description (peers, primary cluster) and the part of
  // the input it renders (environmentInput: its tenants, their databases, the backups).
  for (const env of platform.environments) {
    const key = cache?.key('kubernetes', env.name, full, environmentInput(tenantInput, env.name));
    const cached = key ? cache!.getFiles<EnvironmentSummary[]>(key) : undefined;
    if (cached) {
      // A tenant's file the entry names by key goes to the keyed sink, which reads it only if the tree lacks it.
      for (const f of cached.files) {
        if (f.key !== undefined && options.sink && options.keyedSink) options.keyedSink(f.path, f.key, () => f.text());
        else put(f.path, f.text());
      }
      summary.push(...cached.meta.map((s) => ({ ...s, ms: 0, cached: true, tenants: undefined })));
      continue;
    }
    step(`rendering ${env.name}`);
    const { synthesizePlatform } = require('./platform/main') as typeof import('./platform/main');
    const keep = options.keepRendered ?? true;
    // Without kept objects and with a sink, each file goes to the sink (and the render cache's entry) as
    // it is rendered, and nothing of the environment is held (RenderOptions.sink; the sink publishes
    // nothing before the whole synth is done, and the entry is put in place once the render passed).
    const entry = key && options.sink && !keep ? cache!.filesEntry(key) : undefined;
    try {
      const sink = entry
        ? (path: string, content: string) => {
            entry.add(path, content);
            put(path, content);
          }
        : !keep
          ? options.sink
          : undefined;
      const given = options.keyedSink;
      const keyedSink =
        given && sink && !keep
          ? (path: string, key: string, content: () => string) => {
              if (!entry) return given(path, key, content);
              // The entry names the file by its key in the tenant store (its text is read, once, only if needed).
              let text: string | undefined;
              const once = () => (text ??= content());
              entry.addKnown(path, key, once);
              given(path, key, once);
            }
          : undefined;
      const rendered = guarded(`while rendering ${env.name}`, tenantInput, () =>
        // Kept objects are rendered now: the store keeps rendered tenants and memoized constructs as checked, not as objects.
        synthesizePlatform({ ...platform, environments: [env] }, tenantInput, undefined, {
          release: !keep,
          tenantStore: keep ? undefined : cache?.tenants(),
          sink,
          keyedSink,
        }),
      );
      for (const [path, content] of rendered.files) put(path, content);
      summary.push(...rendered.summary);
      if (keep) {
        environments.push(...rendered.environments);
        catalog = rendered.catalog;
      }
      if (entry) entry.finish(rendered.summary);
      else if (key) cache!.putFiles(key, rendered.files, rendered.summary);
    } finally {
      entry?.abort();
    }
  }
  // Rendered tenants no synth used lately go (the store keeps what this one read or wrote).
  if (cache && summary.some((s) => !s.cached)) cache.tenants().prune();
  // Kept: in the order of before (the environments' files, then the stacks').
  for (const [path, content] of stacks) put(path, content);
  const t3 = performance.now();
  return {
    files,
    summary,
    environments,
    catalog,
    input: tenantInput,
    approvals,
    timings: { inputMs: t1 - t0, kubernetesMs: t3 - t2, terraformMs: t2 - t1, terraformCached: !!tfCached },
  };
}
