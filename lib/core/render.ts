import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ClusterView, CORE_CHECKS, KubeManifest, ManifestCheck, RenderedObject } from './checks';
import { SynthError } from './errors';
import { useFastResolve } from './fast-resolve';
import { chartMemo, ChartMemo, resolveChartMemo, ResolvedChartMemo, storeChartMemo } from './memo';
import { EnvironmentOutput } from './output';
import { toYamlStream } from './yaml';

/**
 * Kinds in the order they are applied (Helm's install order): within a file, objects are sorted by
 * this rank, then by API version, kind, namespace and name, so that moving code around never
 * reorders the output.
 */
const KIND_ORDER = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PriorityClass',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SealedSecret',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];
const KIND_RANK = new Map(KIND_ORDER.map((k, i) => [k, i]));

// Objects are resolved with the same rules as cdk8s's, without its per-value overhead (./fast-resolve.ts).
useFastResolve();

/** Sorts manifests by apply order, then API version, kind, namespace and name (keys computed once). */
export function sortManifests(manifests: KubeManifest[]): KubeManifest[] {
  const keyed = manifests.map((m) => {
    const rank = KIND_RANK.get(m.kind) ?? KIND_ORDER.length;
    return { m, key: `${String(rank).padStart(3, '0')}\u0000${m.apiVersion}\u0000${m.kind}\u0000${m.metadata.namespace ?? ''}\u0000${m.metadata.name ?? ''}` };
  });
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.m);
}

/** A chart's file put together from its objects and stored fragments (./memo.ts), serialized after the checks. */
interface MemoFile {
  readonly memo: ResolvedChartMemo;
  /** Documents of the objects taken from the table. */
  readonly docs: ReadonlyMap<KubeManifest, string>;
}

/**
 * A chart with memoized constructs (./memo.ts): its own objects resolved and the stored ones added,
 * all sorted as {@link sortManifests} sorts. Its YAML is serialized after the checks, as any chart's,
 * reusing the stored documents ({@link memoYaml}).
 */
function resolveMemoChart(chart: Chart, memo: ChartMemo): { manifests: KubeManifest[]; file?: MemoFile } {
  const resolved = new Map<ApiObject, KubeManifest>();
  for (const o of chart.node.findAll()) if (ApiObject.isApiObject(o)) resolved.set(o, o.toJson() as KubeManifest);
  const docs = new Map<KubeManifest, string>();
  for (const h of memo.hits) h.fragment.manifests.forEach((m, i) => docs.set(m, h.fragment.docs[i]));
  const manifests = sortManifests([...resolved.values(), ...memo.hits.flatMap((h) => h.fragment.manifests)]);
  const stored = resolveChartMemo(chart, memo, resolved, sortManifests);
  return { manifests, file: stored && { memo: stored, docs } };
}

/**
 * The YAML of a chart with memoized constructs: each object's document (stored, or serialized now)
 * joined as `toYamlStream` joins them, the same bytes; then the chart's table is stored.
 */
function memoYaml(manifests: readonly KubeManifest[], file: MemoFile): string {
  const fresh = new Map<KubeManifest, string>();
  const docOf = (m: KubeManifest): string => {
    let doc = file.docs.get(m) ?? fresh.get(m);
    if (doc === undefined) fresh.set(m, (doc = toYamlStream([m])));
    return doc;
  };
  const yaml = manifests.map(docOf).join('---\n');
  storeChartMemo(file.memo, docOf);
  return yaml;
}

/** What rendering one environment produced. */
export interface RenderedEnvironment {
  /** Environment name (`prod`). */
  readonly name: string;
  /** Paths relative to dist/ → file content. */
  readonly files: Map<string, string>;
  /** Every object rendered, with its folder and file (empty when rendered with `release`). */
  readonly objects: readonly RenderedObject[];
  /** The objects each cluster applies (empty when rendered with `release`). */
  readonly view: ClusterView;
  /** How many objects of each kind were rendered (also with `release`). */
  readonly objectsByKind: Readonly<Record<string, number>>;
  /** Milliseconds spent resolving objects (toJson), running the checks, and serializing YAML. */
  readonly timings: { readonly resolveMs: number; readonly checkMs: number; readonly serializeMs: number };
}

/** How an environment is rendered. */
export interface RenderOptions {
  /**
   * Hold as little as possible: each chart's constructs are dropped once its objects are resolved,
   * and each chart's objects once its YAML is written, so memory holds one form of a chart at a
   * time; the result then has no `objects` and an empty `view` (synth and diff need only files).
   * The output is the same (test/core/keep-rendered.test.ts). @default false
   */
  readonly release?: boolean;
  /**
   * Receives each file (path relative to dist/, content) as soon as it is serialized, instead of the
   * result's `files` (then empty): with `release`, nothing of the environment is held once given
   * here, and the files rendered per tenant (serialized already) are given before the checks run, so
   * the sink must publish nothing before the synth succeeded (a TreeWriter swaps its tree in on
   * commit). @default the files are returned
   */
  readonly sink?: (path: string, content: string) => void;
  /**
   * Receives each chart's objects (sorted, as its file lists them) instead of their YAML, to
   * serialize them elsewhere as `toYamlStream` does (a background `TreeWriter`'s `writeObjects`, on
   * another core), as soon as the chart is resolved: before the checks, so the caller must discard
   * what it received when this throws (a `TreeWriter` aborts). The folders' other files still go to
   * `sink`. @default serialized here, after the checks
   */
  readonly objectSink?: (path: string, objects: readonly KubeManifest[]) => void;
}

/** Construct validations (`node.addValidation`), reported with the construct path. */
export function validateConstructs(root: IConstruct): string[] {
  const problems: string[] = [];
  for (const c of root.node.findAll()) {
    for (const msg of c.node.validate()) problems.push(`${c.node.path}: ${msg}`);
  }
  return problems;
}

/**
 * Renders one environment in memory: validates its constructs, resolves every object (each once,
 * linear in the number of objects; the stock `App.synth()` re-resolves the whole app per chart),
 * runs the checks, and serializes one YAML stream per chart. Throws a {@link SynthError} listing
 * every problem; nothing is written here (a `sink` may receive per-tenant files, and an `objectSink` charts' objects, before the checks: see {@link RenderOptions}).
 */
export function renderEnvironment(env: EnvironmentOutput, checks: readonly ManifestCheck[] = [], options: RenderOptions = {}): RenderedEnvironment {
  const problems = validateConstructs(env.app);
  if (problems.length) throw new SynthError(problems);

  const t0 = performance.now();
  const objects: RenderedObject[] = [];
  const charts: { path: string; manifests: readonly KubeManifest[]; yaml?: string; memoFile?: MemoFile }[] = [];
  // Time spent giving per-tenant files to the sink while resolving: counted as serializing.
  let earlyMs = 0;
  for (const folder of env.folders) {
    for (const [file, chart] of [...folder.charts]) {
      const path = `${env.name}/${folder.path}/${file}.yaml`;
      // A chart with memoized constructs (./memo.ts) is put together with their stored objects.
      const memo = chartMemo(chart);
      const { manifests, file: memoFile } = memo
        ? resolveMemoChart(chart, memo)
        : {
            manifests: sortManifests(
              chart.node
                .findAll()
                .filter(ApiObject.isApiObject)
                .map((o) => o.toJson() as KubeManifest),
            ),
            file: undefined,
          };
      if (options.release) folder.releaseChart(file);
      if (manifests.length === 0) continue;
      charts.push({ path, manifests, memoFile });
      // Handed over as soon as resolved, so that serializing overlaps resolving (the checks below still
      // decide: when they fail, this throws and the caller discards what it was given). A memoized
      // chart's file reuses stored documents: serialized here.
      if (!memoFile) options.objectSink?.(path, manifests);
      for (const manifest of manifests) objects.push({ environment: env.name, folder: folder.path, cluster: folder.cluster?.name, file: path, manifest });
    }
    // Files rendered per tenant (lib/core/tenant-render.ts): resolved and serialized already, checked here with the rest.
    for (const [file, rendered] of [...folder.rendered]) {
      const path = `${env.name}/${folder.path}/${file}.yaml`;
      for (const manifest of rendered.manifests)
        objects.push({ environment: env.name, folder: folder.path, cluster: folder.cluster?.name, file: path, manifest });
      if (!options.release) {
        charts.push({ path, manifests: rendered.manifests, yaml: rendered.yaml });
        continue;
      }
      folder.releaseRendered(file);
      if (!options.sink) charts.push({ path, manifests: rendered.manifests, yaml: rendered.yaml });
      else {
        // Released into a sink: given now, so that its text is not held through the checks.
        const e0 = performance.now();
        options.sink(path, rendered.yaml);
        earlyMs += performance.now() - e0;
      }
    }
  }
  const t1 = performance.now();

  const byFolder = new Map<string, RenderedObject[]>();
  for (const o of objects) {
    const list = byFolder.get(o.folder);
    if (list) list.push(o);
    else byFolder.set(o.folder, [o]);
  }
  const clusters = new Map<string, RenderedObject[]>();
  for (const cluster of env.environment.clusters) {
    clusters.set(
      cluster.name,
      env.routedFolders(cluster).flatMap((f) => byFolder.get(f.path) ?? []),
    );
  }
  const view: ClusterView = { clusters };
  for (const c of [...CORE_CHECKS, ...checks]) {
    for (const msg of c.check(objects, view)) problems.push(`[${c.name}] ${msg}`);
  }
  if (problems.length) throw new SynthError(problems);
  const tc = performance.now();
  const objectsByKind: Record<string, number> = {};
  for (const o of objects) objectsByKind[o.manifest.kind] = (objectsByKind[o.manifest.kind] ?? 0) + 1;

  const files = new Map<string, string>();
  if (options.release) {
    // What the checks read is garbage from here on; each chart's objects once its YAML is written.
    objects.length = 0;
    byFolder.clear();
    clusters.clear();
  }
  const emit = options.sink ?? ((path: string, content: string) => void files.set(path, content));
  for (let i = 0; i < charts.length; i++) {
    const chart = charts[i];
    // Rendered per tenant: serialized already. Otherwise here, unless an objectSink took the objects.
    if (chart.yaml !== undefined) emit(chart.path, chart.yaml);
    else if (chart.memoFile) emit(chart.path, memoYaml(chart.manifests, chart.memoFile));
    else if (!options.objectSink) emit(chart.path, toYamlStream(chart.manifests as KubeManifest[]));
    // Released: the chart's objects are garbage once written.
    if (options.release) {
      charts[i].manifests = [];
      charts[i].memoFile = undefined;
    }
  }
  for (const folder of env.folders) {
    for (const [name, content] of folder.files) emit(`${env.name}/${folder.path}/${name}`, content);
  }
  const t2 = performance.now();
  const timings = { resolveMs: t1 - t0 - earlyMs, checkMs: tc - t1, serializeMs: t2 - tc + earlyMs };
  // Released: nothing of the objects is returned (checks index them in WeakMaps keyed by the list).
  if (options.release) return { name: env.name, files, objects: [], view: { clusters: new Map() }, objectsByKind, timings };
  return { name: env.name, files, objects, view, objectsByKind, timings };
}
