import { createHash } from 'node:crypto';
import { TenantContext } from './addon';
import { CheckRun, checkSignature, CORE_CHECKS, KubeManifest, ManifestCheck } from './checks';
import type { FragmentTables } from './memo';
import { ComposedPlatform } from './composition';
import { groupBy } from './collections';
import { renderedFileKey } from './render-cache';
import { SynthError } from './errors';
import { DatabaseSpec, TenantSpec } from './input/types';
import { EnvironmentConfig, PlatformConfig } from './model';
import { EnvironmentOutput, FolderOptions, RenderedFile } from './output';
import { sortManifests, validatedObjects } from './render';
import { ServiceCatalog } from './services';
import { toYamlStream } from './yaml';

/**
 * A tenant's own files, rendered from the tenant alone: the add-ons' `deployTenant` hooks run into an
 * {@link EnvironmentOutput} of the tenant's own (a cdk8s App that holds nothing of any other tenant),
 * which is resolved and serialized at once. The result is plain data, so it can be cached under the
 * hash of exactly what it was rendered from ({@link tenantRenderKey}) and added to the environment's
 * output ({@link adoptTenant}), where the checks and the app of apps see its objects as any others.
 */

/** One folder the tenant rendered into (its own, or a shared one such as a cluster's `databases/`). */
export interface RenderedTenantFolder {
  /** Folder name (`tenant-acme-001`, `databases`). */
  readonly name: string;
  /** The cluster whose own folder it is; absent for an environment-wide folder. */
  readonly cluster?: string;
  /** The folder's options, as declared by the add-on that created it (the environment's folder must agree). */
  readonly options: FolderOptions;
  /** Its manifest files, in creation order. */
  readonly manifests: readonly RenderedFile[];
  /** Its other files (name, content). */
  readonly files: readonly (readonly [string, string])[];
}

/** What one tenant's hooks rendered in one environment. */
export interface RenderedTenant {
  /** The tenant. */
  readonly tenantId: string;
  /** The folders, in creation order. */
  readonly folders: readonly RenderedTenantFolder[];
}

/** What a tenant is rendered from, besides its document and databases: the same for every tenant of an environment. */
export interface TenantRenderBase {
  /** The platform description. */
  readonly platform: PlatformConfig;
  /** The environment. */
  readonly environment: EnvironmentConfig;
  /** The service catalog. */
  readonly services: ServiceCatalog;
}

/** Where rendered tenants are kept between synths (RenderCache.tenants()), by key. */
export interface TenantRenderStore {
  /** The tenant stored under `key` in `group` (what the environment's tenants share: a store may keep them together), or undefined. */
  get(key: string, group?: string): RenderedTenant | undefined;
  /** Stores a tenant under `key` in `group`. */
  put(key: string, value: RenderedTenant, group?: string): void;
  /** Makes a key from the code version and `parts`. */
  key(kind: string, ...parts: unknown[]): string;
  /** The tables of the environment's memoized constructs (lib/core/memo.ts), kept with the tenants. */
  readonly tables?: FragmentTables;
}

/** Whether any add-on renders per tenant. */
export function rendersPerTenant(composed: ComposedPlatform): boolean {
  return composed.addOns.some((a) => a.deployTenant);
}

/** Renders one tenant's own files (throws a SynthError for failed construct validations). */
export function renderTenant(composed: ComposedPlatform, base: TenantRenderBase, tenant: TenantSpec, databases: readonly DatabaseSpec[]): RenderedTenant {
  const output = new EnvironmentOutput(base.platform, base.environment);
  const ctx: TenantContext = { ...base, output, tenant, databases, catalog: composed.catalog };
  for (const addOn of composed.addOns) addOn.deployTenant?.(ctx);
  // One walk validates the constructs and lists each chart's objects.
  const { problems, objects: byChart } = validatedObjects(output.app);
  if (problems.length) throw new SynthError(problems);
  const folders: RenderedTenantFolder[] = [];
  // Each object is checked now, alone (the checks' own problems and facts: lib/core/checks.ts), so
  // that the environment's checks need only what is kept, whether rendered now or read from the cache.
  const run = tenantCheckRun(composed);
  for (const folder of output.folders) {
    const manifests: RenderedFile[] = [];
    for (const [file, chart] of folder.charts) {
      const objects = sortManifests((byChart.get(chart) ?? []).map((o) => o.toJson() as KubeManifest));
      // As for the environment's charts: an empty chart is no file.
      if (!objects.length) continue;
      const where = {
        environment: base.environment.name,
        folder: folder.path,
        cluster: folder.cluster?.name,
        file: `${base.environment.name}/${folder.path}/${file}.yaml`,
      };
      const checked = objects.map((manifest) => run.checkedOf({ ...where, manifest }));
      manifests.push({ file, checked, checkedBy: run.signature, manifests: objects, yaml: toYamlStream(objects) });
    }
    folders.push({ name: folder.name, cluster: folder.cluster?.name, options: folder.options, manifests, files: [...folder.files] });
  }
  return { tenantId: tenant.tenantId, folders };
}

/**
 * The check run tenants' objects are checked by alone ({@link CheckRun.checkedOf}, which records
 * nothing in the run): one per composed platform, so that each tenant does not set it up again.
 */
const TENANT_CHECK_RUNS = new WeakMap<ComposedPlatform, CheckRun>();
function tenantCheckRun(composed: ComposedPlatform): CheckRun {
  let run = TENANT_CHECK_RUNS.get(composed);
  if (!run) TENANT_CHECK_RUNS.set(composed, (run = new CheckRun(tenantChecks(composed))));
  return run;
}

/** The checks a tenant's objects are checked by when rendered: those the environment renders with (lib/core/render.ts). */
export function tenantChecks(composed: ComposedPlatform): readonly ManifestCheck[] {
  return [...CORE_CHECKS, ...composed.checks];
}

/**
 * Adds a rendered tenant to the environment's output: its folders are declared there with the same
 * options (a folder two add-ons declare differently is an error, as in the environment), its files
 * added to them.
 */
export function adoptTenant(output: EnvironmentOutput, rendered: RenderedTenant): void {
  for (const f of rendered.folders) {
    let folder;
    if (f.cluster) {
      const cluster = output.environment.clusters.find((c) => c.name === f.cluster);
      if (!cluster) throw new Error(`tenant ${rendered.tenantId}: no cluster ${f.cluster} in ${output.name}`);
      folder = output.clusterFolder(cluster, f.name, f.options);
    } else folder = output.folder(f.name, f.options);
    for (const m of f.manifests) folder.addRendered(m);
    for (const [name, content] of f.files) folder.addFile(name, content);
  }
}

/**
 * The digest of what every tenant of an environment is rendered with besides itself: the platform
 * description (as the environment's add-ons get it), the environment, the service catalog, the
 * add-ons (names, in order) and the checks its objects are checked by. Computed once per environment;
 * the code itself is in the store's key.
 */
export function tenantRenderBaseDigest(composed: ComposedPlatform, base: TenantRenderBase): string {
  return createHash('sha256')
    .update(JSON.stringify([base.platform, base.environment.name, base.services, composed.addOns.map((a) => a.name), checkSignature(tenantChecks(composed))]))
    .digest('hex');
}

/** The key of a tenant's rendered files: the base digest, the tenant's document and its databases (and the code, by the store). */
export function tenantRenderKey(store: TenantRenderStore, baseDigest: string, tenant: TenantSpec, databases: readonly DatabaseSpec[]): string {
  return store.key('tenant', baseDigest, tenant, databases);
}

/** A tenant rendered now with the keys its files have when read from the store (renderedFileKey). */
function withFileKeys(rendered: RenderedTenant, group: string, tenantKey: string): RenderedTenant {
  return {
    ...rendered,
    folders: rendered.folders.map((f) => ({
      ...f,
      manifests: f.manifests.map((m) => ({
        file: m.file,
        checked: m.checked,
        checkedBy: m.checkedBy,
        yaml: m.yaml,
        key: renderedFileKey(group, tenantKey, f, m.file),
      })),
    })),
  };
}

/** How the tenants of an environment were rendered. */
export interface TenantRenderCount {
  /** Tenants rendered now. */
  rendered: number;
  /** Tenants read from the render cache. */
  cached: number;
}

/**
 * Renders (or reads from `store`) every tenant of the environment and adds each to the output, in
 * input order. Returns how many were rendered and how many read.
 */
export function deployTenants(
  composed: ComposedPlatform,
  base: TenantRenderBase,
  output: EnvironmentOutput,
  tenants: readonly TenantSpec[],
  databases: readonly DatabaseSpec[],
  store?: TenantRenderStore,
): TenantRenderCount {
  const count: TenantRenderCount = { rendered: 0, cached: 0 };
  if (!rendersPerTenant(composed) || !tenants.length) return count;
  // Group once: linear in tenants + databases.
  const byTenant = groupBy(databases, (d) => d.tenantId);
  const digest = store ? tenantRenderBaseDigest(composed, base) : '';
  for (const tenant of tenants) {
    const own = byTenant.get(tenant.tenantId) ?? [];
    const key = store ? tenantRenderKey(store, digest, tenant, own) : undefined;
    let rendered = key ? store!.get(key, digest) : undefined;
    if (rendered) count.cached++;
    else {
      rendered = renderTenant(composed, base, tenant, own);
      count.rendered++;
      if (key) {
        store!.put(key, rendered, digest);
        rendered = withFileKeys(rendered, digest, key);
      }
    }
    adoptTenant(output, rendered);
  }
  return count;
}
