import { isAscii } from 'node:buffer';
import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import {
  CheckedObject,
  CheckRun,
  ClusterView,
  CORE_CHECKS,
  identityOf,
  KubeManifest,
  ManifestCheck,
  ObjectIdentity,
  ObjectRef,
  RenderedObject,
} from './checks';
import { groupBy } from './collections';
import { SynthError } from './errors';
import { useFastResolve } from './fast-resolve';
import { chartMemo, ChartMemo, memoChecks, MemoDoc, resolveChartMemo, ResolvedChartMemo, storeChartMemo } from './memo';
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

/** The key objects are sorted by in a file: apply order, then API version, kind, namespace and name. */
function sortKey(id: ObjectIdentity): string {
  const rank = KIND_RANK.get(id.kind) ?? KIND_ORDER.length;
  return `${String(rank).padStart(3, '0')}\u0000${id.apiVersion}\u0000${id.kind}\u0000${id.namespace ?? ''}\u0000${id.name ?? ''}`;
}

/** Sorts `items` by the {@link sortKey} of each one's identity (keys computed once; stable). */
function sortByIdentity<T>(items: readonly T[], identity: (item: T) => ObjectIdentity): T[] {
  const keyed = items.map((item) => ({ item, key: sortKey(identity(item)) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.item);
}

/** Sorts manifests by apply order, then API version, kind, namespace and name (keys computed once). */
export function sortManifests(manifests: KubeManifest[]): KubeManifest[] {
  return sortByIdentity(manifests, identityOf);
}

/** One object of a chart with memoized constructs: resolved now, or taken from the table (as checked, with its YAML document). */
type MemoItem = { readonly manifest: KubeManifest } | { readonly stored: CheckedObject; readonly doc: MemoDoc };

/** A chart's file put together from its objects and stored fragments (./memo.ts), serialized after the checks. */
interface MemoFile {
  readonly memo: ResolvedChartMemo;
  /** What the checks gave for each object resolved now (stored with the fragments built now). */
  readonly checked: Map<KubeManifest, CheckedObject>;
}

/**
 * A chart with memoized constructs (./memo.ts): its own objects resolved and the stored ones added,
 * all sorted as {@link sortManifests} sorts. Its YAML is serialized after the checks, as any chart's,
 * reusing the stored documents ({@link memoYaml}).
 */
function resolveMemoChart(chart: Chart, memo: ChartMemo): { items: MemoItem[]; file?: MemoFile } {
  const resolved = new Map<ApiObject, KubeManifest>();
  for (const o of chart.node.findAll()) if (ApiObject.isApiObject(o)) resolved.set(o, o.toJson() as KubeManifest);
  const stored = memo.hits.flatMap((h) => h.fragment.checked.map((c, i): MemoItem => ({ stored: c, doc: h.fragment.docs[i] })));
  const items = sortByIdentity([...[...resolved.values()].map((manifest): MemoItem => ({ manifest })), ...stored], (item) =>
    'manifest' in item ? identityOf(item.manifest) : item.stored,
  );
  const resolvedMemo = resolveChartMemo(chart, memo, resolved, sortManifests);
  return { items, file: resolvedMemo && { memo: resolvedMemo, checked: new Map() } };
}

/** Between two documents of a YAML stream (as `toYamlStream` writes it). */
const DOCUMENT_SEPARATOR = Buffer.from('---\n');

/** {@link memoContent} as text. */
function memoYaml(items: readonly MemoItem[], file: MemoFile): string {
  const content = memoContent(items, file);
  // ASCII (nearly always) decodes as one-byte text, several times faster than UTF-8.
  return typeof content === 'string' ? content : content.toString(isAscii(content) ? 'latin1' : 'utf8');
}

/**
 * The YAML of a chart with memoized constructs: each object's document (stored, or serialized now)
 * joined as `toYamlStream` joins them, the same bytes; then the chart's table is stored. Text when
 * every document was serialized now; otherwise the UTF-8 bytes, put together from the stored
 * documents' bytes without decoding them.
 */
function memoContent(items: readonly MemoItem[], file: MemoFile): string | Buffer {
  const fresh = new Map<KubeManifest, string>();
  const docOf = (m: KubeManifest): string => {
    let doc = fresh.get(m);
    if (doc === undefined) fresh.set(m, (doc = toYamlStream([m])));
    return doc;
  };
  const content = memoDocuments(items, docOf);
  storeChartMemo(file.memo, docOf, (m) => file.checked.get(m)!);
  return content;
}

/**
 * The documents of `items` joined: none stored (a first synth), the texts joined; else as bytes, the
 * stored documents as read (undecoded) and the others encoded.
 */
function memoDocuments(items: readonly MemoItem[], docOf: (m: KubeManifest) => string): string | Buffer {
  if (items.every((item) => 'manifest' in item)) return items.map((item) => docOf((item as { manifest: KubeManifest }).manifest)).join('---\n');
  const parts: Buffer[] = [];
  items.forEach((item, i) => {
    if (i > 0) parts.push(DOCUMENT_SEPARATOR);
    const doc = 'manifest' in item ? docOf(item.manifest) : item.doc;
    parts.push(typeof doc === 'string' ? Buffer.from(doc, 'utf8') : doc);
  });
  return Buffer.concat(parts);
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
   * and its objects once checked in and serialized (before the checks across objects run, which need
   * only what each object gave: lib/core/checks.ts), so memory holds one chart at a time; the result
   * then has no `objects` and an empty `view` (synth and diff need only files). When the checks fail,
   * this throws and the files serialized are not returned. The output is the same
   * (test/core/keep-rendered.test.ts). @default false
   */
  readonly release?: boolean;
  /**
   * Receives each file (path relative to dist/, content) as soon as it is serialized, instead of the
   * result's `files` (then empty): with `release`, nothing of the environment is held once given
   * here, and every file is given before the checks across objects run, so the sink must publish
   * nothing before the synth succeeded (a TreeWriter swaps its tree in on commit). @default the files
   * are returned
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
  /**
   * With `release`: receives, instead of `sink`, each file read from the render cache (a tenant's own,
   * lib/core/tenant-render.ts) by its key and a reader of its content, so that a writer whose tree
   * already holds those bytes need not read them (TreeWriter.writeKnown). Same contract as `sink`.
   * @default such files go to `sink` as text
   */
  readonly keyedSink?: (path: string, key: string, content: () => string) => void;
  /**
   * With `release`: receives, instead of `sink`, each file put together from bytes kept in the render
   * cache (a chart with memoized constructs taken from their tables, ./memo.ts) as its UTF-8 bytes, so
   * that a writer writes or compares them as they are (TreeWriter.write takes bytes) instead of their
   * being decoded here and encoded again there. Same contract as `sink`. @default such files go to
   * `sink` as text
   */
  readonly bytesSink?: (path: string, bytes: Buffer) => void;
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
 * {@link validateConstructs} and, in the same walk, each chart's ApiObjects as `chart.node.findAll()`
 * lists them (in order, those of charts inside it included).
 */
export function validatedObjects(root: IConstruct): { problems: string[]; objects: Map<IConstruct, ApiObject[]> } {
  const problems: string[] = [];
  const objects = new Map<IConstruct, ApiObject[]>();
  const charts: ApiObject[][] = [];
  const visit = (c: IConstruct): void => {
    for (const msg of c.node.validate()) problems.push(`${c.node.path}: ${msg}`);
    const chart = Chart.isChart(c);
    if (chart) {
      const list: ApiObject[] = [];
      objects.set(c, list);
      charts.push(list);
    }
    if (ApiObject.isApiObject(c)) for (const list of charts) list.push(c);
    for (const child of c.node.children) visit(child);
    if (chart) charts.pop();
  };
  visit(root);
  return { problems, objects };
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
  // Each object is checked as it is resolved (lib/core/checks.ts); an object rendered per tenant or
  // taken from a memo table brings what the checks gave when it was rendered.
  const run = new CheckRun([...CORE_CHECKS, ...checks]);
  // Kept (not `release`): every object, for the result.
  const objects: RenderedObject[] = [];
  const refsByFolder = new Map<string, ObjectRef[]>();
  const objectsByKind: Record<string, number> = {};
  const addRef = (ref: ObjectRef) => {
    const list = refsByFolder.get(ref.folder);
    if (list) list.push(ref);
    else refsByFolder.set(ref.folder, [ref]);
    objectsByKind[ref.kind] = (objectsByKind[ref.kind] ?? 0) + 1;
  };
  const check = (o: RenderedObject): CheckedObject => {
    const { ref, checked } = run.add(o);
    addRef(ref);
    if (!options.release) objects.push(o);
    return checked;
  };
  // Kept: the charts, serialized after the checks. Released: each file is serialized and given as soon
  // as its objects are checked in, so that a chart's objects are garbage before the next is resolved
  // (when the checks fail, this throws and the caller discards what it was given).
  const charts: { path: string; manifests?: readonly KubeManifest[]; items?: readonly MemoItem[]; yaml?: string; memoFile?: MemoFile }[] = [];
  const files = new Map<string, string>();
  const emit = options.sink ?? ((path: string, content: string) => void files.set(path, content));
  // Time spent serializing and giving files while resolving: counted as serializing.
  let earlyMs = 0;
  // Bytes come only from content made for a bytesSink.
  const early = (path: string, content: () => string | Buffer) => {
    const e0 = performance.now();
    const c = content();
    if (typeof c === 'string') emit(path, c);
    else options.bytesSink!(path, c);
    earlyMs += performance.now() - e0;
  };
  for (const folder of env.folders) {
    const where = (path: string) => ({ environment: env.name, folder: folder.path, cluster: folder.cluster?.name, file: path });
    for (const [file, chart] of [...folder.charts]) {
      const path = `${env.name}/${folder.path}/${file}.yaml`;
      const place = where(path);
      // A chart with memoized constructs (./memo.ts) is put together with their stored objects.
      const memo = chartMemo(chart);
      if (memo) {
        const { items, file: memoFile } = resolveMemoChart(chart, memo);
        if (options.release) folder.releaseChart(file);
        if (items.length === 0) continue;
        if (!memoFile) throw new Error(`${path}: memoized constructs without their tables`);
        if (memoChecks(chart) !== run.signature)
          throw new Error(`${path}: its memoized objects were checked by ${memoChecks(chart)}, this render checks with ${run.signature}`);
        for (const item of items) {
          if ('manifest' in item) memoFile.checked.set(item.manifest, check({ ...place, manifest: item.manifest }));
          else {
            // Kept objects are never returned (there are none with kept rendering: no render cache).
            if (!options.release) throw new Error(`${path}: objects taken from a memo table cannot be kept; render without the render cache`);
            addRef(run.addKept(place, item.stored));
          }
        }
        // Put together from stored bytes: given as bytes to a bytesSink (not decoded here to be encoded again by the writer).
        if (options.release) early(path, () => (options.bytesSink ? memoContent(items, memoFile) : memoYaml(items, memoFile)));
        else charts.push({ path, items, memoFile });
        continue;
      }
      const manifests = sortManifests(
        chart.node
          .findAll()
          .filter(ApiObject.isApiObject)
          .map((o) => o.toJson() as KubeManifest),
      );
      if (options.release) folder.releaseChart(file);
      if (manifests.length === 0) continue;
      // Handed over as soon as resolved, so that serializing overlaps resolving (the checks below still
      // decide: when they fail, this throws and the caller discards what it was given).
      options.objectSink?.(path, manifests);
      for (const manifest of manifests) check({ ...place, manifest });
      if (!options.release) charts.push({ path, manifests });
      else if (!options.objectSink) early(path, () => toYamlStream(manifests));
    }
    // Files rendered per tenant (lib/core/tenant-render.ts): resolved, checked and serialized already, checked here with the rest.
    for (const [file, rendered] of [...folder.rendered]) {
      const path = `${env.name}/${folder.path}/${file}.yaml`;
      const place = where(path);
      if (rendered.checkedBy === run.signature && options.release) for (const c of rendered.checked) addRef(run.addKept(place, c));
      else if (rendered.manifests) for (const manifest of rendered.manifests) check({ ...place, manifest });
      else if (!options.release) throw new Error(`${path}: read from the render cache, which keeps no objects; render with \`release\`, or without the cache`);
      else throw new Error(`${path}: read from the render cache, checked by ${rendered.checkedBy}; this render checks with ${run.signature}`);
      if (!options.release) {
        charts.push({ path, yaml: rendered.yaml });
        continue;
      }
      folder.releaseRendered(file);
      const keyed = options.keyedSink;
      if (keyed && rendered.key !== undefined) {
        const e0 = performance.now();
        keyed(path, rendered.key, () => rendered.yaml);
        earlyMs += performance.now() - e0;
      } else early(path, () => rendered.yaml);
    }
  }
  const t1 = performance.now();

  const clusters = new Map<string, ObjectRef[]>();
  for (const cluster of env.environment.clusters) {
    clusters.set(
      cluster.name,
      env.routedFolders(cluster).flatMap((f) => refsByFolder.get(f.path) ?? []),
    );
  }
  problems.push(...run.problems(clusters));
  if (problems.length) throw new SynthError(problems);
  const tc = performance.now();

  refsByFolder.clear();
  clusters.clear();
  // Kept: serialized now. Rendered per tenant: serialized already; otherwise here, unless an objectSink took the objects.
  for (const chart of charts) {
    if (chart.yaml !== undefined) emit(chart.path, chart.yaml);
    else if (chart.memoFile) emit(chart.path, memoYaml(chart.items!, chart.memoFile));
    else if (!options.objectSink) emit(chart.path, toYamlStream(chart.manifests as KubeManifest[]));
  }
  for (const folder of env.folders) {
    for (const [name, content] of folder.files) emit(`${env.name}/${folder.path}/${name}`, content);
  }
  const t2 = performance.now();
  const timings = { resolveMs: t1 - t0 - earlyMs, checkMs: tc - t1, serializeMs: t2 - tc + earlyMs };
  // Released: nothing of the objects is returned.
  if (options.release) return { name: env.name, files, objects: [], view: { clusters: new Map() }, objectsByKind, timings };
  const byFolder = groupBy(objects, (o) => o.folder);
  const view: ClusterView = {
    clusters: new Map(env.environment.clusters.map((cluster) => [cluster.name, env.routedFolders(cluster).flatMap((f) => byFolder.get(f.path) ?? [])])),
  };
  return { name: env.name, files, objects, view, objectsByKind, timings };
}
