import * as crypto from 'node:crypto';
import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { CheckedObject, KubeManifest } from './checks';

/**
 * Memoized constructs in the environment's shared files. At a thousand tenants most of an
 * environment's shared files are objects that exist once per tenant (a platform namespace's
 * NetworkPolicy toward each tenant, each tenant's AppProject, each folder's Application). Building,
 * resolving and serializing them again is most of a one-tenant edit. A construct whose objects are
 * a function of its props alone can be built through {@link memoized}. When the render cache is on,
 * its objects and their YAML are kept per chart file, keyed by the construct's class, path and props
 * (as JSON), and the next synth takes them from there instead of building them. What is kept of each
 * object is its YAML document and what the checks gave for it (lib/core/checks.ts), not the object:
 * the file is put together from those documents and the chart's own objects, sorted as every file is
 * (`sortManifests`, by identity). A YAML stream is its documents joined by `---`, so the bytes are the
 * same (tested).
 *
 * The key is exact only if the construct reads nothing but its props (plain JSON data), its path and
 * the chart's labels and namespace (part of the table's name, with the environment and the checks'
 * names). The code's version is part of every table's name, so a change to the construct's code is a
 * new table.
 */

/**
 * One object's YAML document (as `toYamlStream([object])`): its text when serialized now, its UTF-8
 * bytes when read from a table (a file is put together from those bytes without decoding them).
 */
export type MemoDoc = string | Buffer;

/** One memoized construct's objects as rendered: each one as checked (sorted) and its YAML document. */
export interface Fragment {
  /** The objects as checked (identity and check results), as the file lists them. */
  readonly checked: readonly CheckedObject[];
  /** Each object's YAML document (as `toYamlStream([object])`), in the same order. */
  readonly docs: readonly MemoDoc[];
}

/** Where the fragments of each chart file are kept between synths (the render cache's tenant store). */
export interface FragmentTables {
  /** The name of a chart's table: its parts and the code's version. */
  tableName(...parts: unknown[]): string;
  /** The fragments stored under `name`, by key; undefined when absent or unreadable. */
  load(name: string): Map<string, Fragment> | undefined;
  /** Stores exactly `entries` under `name` (replacing what was there). */
  save(name: string, entries: ReadonlyMap<string, Fragment>): void;
}

/**
 * How many tables a chart's fragments are spread over (by path): an edit that builds one construct
 * again rewrites one of them, not the whole file's (at a thousand tenants a cluster's NetworkPolicies
 * of platform namespaces are some 10 MB of table).
 */
export const MEMO_SHARDS = 16;

/** What happened to one chart's memoized constructs in this synth. */
export interface ChartMemo {
  /** The names of the chart's tables, by shard. */
  readonly tables: readonly string[];
  /** Fragments taken from the tables, in call order. */
  readonly hits: { readonly key: string; readonly shard: number; readonly fragment: Fragment }[];
  /** Constructs built now (not in the tables), in call order: their objects are stored once resolved. */
  readonly misses: { readonly key: string; readonly shard: number; readonly construct: IConstruct }[];
  /** How many entries each shard's table held when read (undefined: not read, no construct fell into it). */
  readonly stored: (number | undefined)[];
}

interface ChartMemoState extends ChartMemo {
  readonly entries: (Map<string, Fragment> | undefined)[];
  readonly paths: Set<string>;
}

/** The tables of an environment's App, with what else names them: the environment and the checks' names. */
const TABLES = new WeakMap<IConstruct, { readonly tables: FragmentTables; readonly environment: string; readonly checks: string }>();
/** Sees the props of every memoized construct built or taken from a table (tests check they are plain data). */
let propsObserver: ((props: unknown, path: string) => void) | undefined;

/** Sets (or, with undefined, clears) the observer of memoized constructs' props; returns the previous one. */
export function observeMemoizedProps(observer: ((props: unknown, path: string) => void) | undefined): typeof propsObserver {
  const previous = propsObserver;
  propsObserver = observer;
  return previous;
}
const MEMOS = new WeakMap<Chart, ChartMemoState>();

/**
 * Makes {@link memoized} constructs of `app` (environment `environment`'s App) use `tables`, their
 * objects checked by the checks named `checks` (lib/core/checks.ts, checkSignature).
 */
export function useFragmentTables(app: IConstruct, tables: FragmentTables, environment: string, checks: string): void {
  TABLES.set(app, { tables, environment, checks });
}

/** The names of the checks the objects of `chart`'s memoized constructs are checked by, when it has tables. */
export function memoChecks(chart: Chart): string | undefined {
  return TABLES.get(chart.node.root)?.checks;
}

/** The shard of a construct path (FNV-1a of its UTF-16 code units). */
function shardOf(path: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193);
  return (h >>> 0) % MEMO_SHARDS;
}

/** The SHA-1 of a construct's props as JSON (base64): one call where Node has `crypto.hash` (20.12 on), else a Hash object. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64') => string }).hash;
function propsDigest(text: string): string {
  return oneShot ? oneShot('sha1', text, 'base64') : crypto.createHash('sha1').update(text).digest('base64');
}

/**
 * Builds `new ctor(scope, id, props)`, or, when the environment renders with fragment tables and the
 * chart's table has this construct with these props, adds its stored objects to the chart instead.
 * `props` must be all the construct reads (plain JSON data).
 */
export function memoized<P>(scope: IConstruct, id: string, props: P, ctor: new (scope: never, id: string, props: P) => IConstruct): void {
  const chart = Chart.of(scope);
  const use = TABLES.get(chart.node.root);
  const tables = use?.tables;
  const make = ctor as unknown as new (scope: IConstruct, id: string, props: P) => IConstruct;
  propsObserver?.(props, `${scope.node.path}/${id}`);
  if (!tables) {
    new make(scope, id, props);
    return;
  }
  let memo = MEMOS.get(chart);
  if (!memo) {
    const names = Array.from({ length: MEMO_SHARDS }, (_, i) =>
      tables.tableName(use!.environment, use!.checks, chart.node.path, chart.labels, chart.namespace ?? null, i),
    );
    memo = { tables: names, entries: [], hits: [], misses: [], paths: new Set(), stored: [] };
    MEMOS.set(chart, memo);
  }
  const path = `${scope.node.path}/${id}`;
  // A construct not built reserves no id: a second one at the same path is refused all the same.
  if (memo.paths.has(path) || scope.node.tryFindChild(id)) throw new Error(`There is already a Construct with name '${id}' in ${scope.node.path}`);
  memo.paths.add(path);
  const shard = shardOf(path);
  if (memo.stored[shard] === undefined) {
    memo.entries[shard] = tables.load(memo.tables[shard]);
    memo.stored[shard] = memo.entries[shard]?.size ?? 0;
  }
  // The path and class in clear (they say what was built again), the props by digest (a key is held per
  // construct; the JSON is hashed as it is, not copied into one text with the class first).
  const key = `${path}\u0000${ctor.name}\u0000${propsDigest(JSON.stringify(props))}`;
  const fragment = memo.entries[shard]?.get(key);
  if (fragment) memo.hits.push({ key, shard, fragment });
  else memo.misses.push({ key, shard, construct: new make(scope, id, props) });
}

/** The memoized constructs of a chart, when any were built through {@link memoized} with tables. */
export function chartMemo(chart: Chart): ChartMemo | undefined {
  return MEMOS.get(chart);
}

/** The objects a chart holds as stored fragments (not as constructs), as checked, in call order. */
export function storedObjects(chart: Chart): CheckedObject[] {
  return MEMOS.get(chart)?.hits.flatMap((h) => h.fragment.checked) ?? [];
}

/** A chart's memoized constructs once its objects are resolved: what {@link storeChartMemo} stores after the file is serialized. */
export interface ResolvedChartMemo {
  /** The names of the chart's tables, by shard. */
  readonly names: readonly string[];
  /** Where the tables are stored. */
  readonly tables: FragmentTables;
  /** Fragments taken from the tables, in call order. */
  readonly hits: ChartMemo['hits'];
  /** The constructs built now, each with its objects (resolved, sorted). */
  readonly misses: { readonly key: string; readonly shard: number; readonly manifests: readonly KubeManifest[] }[];
  /** How many entries each shard's table held when read (undefined: not read). */
  readonly stored: readonly (number | undefined)[];
}

/**
 * Takes a chart's memoized constructs built now to their resolved objects (`resolved`), so that the
 * chart's constructs can be dropped before the file is serialized; undefined without tables.
 */
export function resolveChartMemo(
  chart: Chart,
  memo: ChartMemo,
  resolved: ReadonlyMap<ApiObject, KubeManifest>,
  sort: (manifests: KubeManifest[]) => KubeManifest[],
): ResolvedChartMemo | undefined {
  const tables = TABLES.get(chart.node.root)?.tables;
  if (!tables) return undefined;
  const misses = memo.misses.map((m) => ({
    key: m.key,
    shard: m.shard,
    manifests: sort(
      m.construct.node
        .findAll()
        .filter(ApiObject.isApiObject)
        .map((o) => resolved.get(o)!),
    ),
  }));
  return { names: memo.tables, tables, hits: memo.hits, misses, stored: memo.stored };
}

/**
 * Stores a chart's tables once its file is serialized: in each shard, the fragments taken from it and
 * those built now (each object's document from `docOf`, what the checks gave from `checkedOf`). A
 * shard is written only when something in it was built or its table held entries no longer used.
 */
export function storeChartMemo(memo: ResolvedChartMemo, docOf: (manifest: KubeManifest) => string, checkedOf: (manifest: KubeManifest) => CheckedObject): void {
  const shards = new Map<number, Map<string, Fragment>>();
  const entries = (shard: number) => {
    let map = shards.get(shard);
    if (!map) shards.set(shard, (map = new Map()));
    return map;
  };
  for (const h of memo.hits) entries(h.shard).set(h.key, h.fragment);
  const built = new Set<number>();
  for (const m of memo.misses) {
    built.add(m.shard);
    entries(m.shard).set(m.key, { checked: m.manifests.map(checkedOf), docs: m.manifests.map(docOf) });
  }
  memo.stored.forEach((stored, shard) => {
    if (stored === undefined) return;
    const now = shards.get(shard) ?? new Map<string, Fragment>();
    if (built.has(shard) || stored !== now.size) memo.tables.save(memo.names[shard], now);
  });
}
