import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { platformAddOns } from '../../apps/platform/main';
import { composePlatform } from '../../lib/core/composition';
import { buildEnvironmentOutput } from '../../lib/core/environment';
import { TenantInput } from '../../lib/core/input/types';
import { chartMemo, memoized, observeMemoizedProps, useFragmentTables } from '../../lib/core/memo';
import { EnvironmentOutput } from '../../lib/core/output';
import { renderEnvironment } from '../../lib/core/render';
import { RenderCache } from '../../lib/core/render-cache';
import { TenantRenderStore } from '../../lib/core/tenant-render';
import { FIXTURE_SERVICES, FixtureClusters, fixtureDatabase, fixturePlatform, fixtureTenant } from '../support/harness';

/**
 * Memoized constructs in shared files (lib/core/memo.ts): with the render cache, the objects that
 * exist once per tenant in shared files (platform namespaces' NetworkPolicies, AppProjects, folder
 * Applications) are taken from the chart's table instead of being built. The files must be the bytes
 * a synth without the cache gives, in every case: cold, warm, after an edit, after adding a tenant,
 * with a damaged table.
 */

const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure] });
const env = platform.environments[0].name;

const INPUT: TenantInput = {
  tenants: [fixtureTenant('a-1', 'enterprise'), fixtureTenant('b-1', 'professional'), fixtureTenant('c-1', 'starter')],
  databases: [fixtureDatabase('a-1'), fixtureDatabase('c-1', { replicas: 1 })],
  backups: [],
};

/**
 * Renders INPUT-like input; with a store, also counts the memoized constructs taken from tables and
 * built. With `bytes`, files put together from the tables' bytes are taken as bytes (RenderOptions.bytesSink).
 */
function render(input: TenantInput, store?: TenantRenderStore, bytes?: Map<string, Buffer>) {
  const composed = composePlatform(platformAddOns());
  const output = buildEnvironmentOutput(platform, input, env, composed, FIXTURE_SERVICES, store);
  // Counted before rendering (the constructs were built or taken from their tables as the output was
  // built): rendering with the store releases each chart once resolved, as `ceres synth` does.
  const memo = { hits: 0, misses: 0, missed: [] as string[] };
  for (const folder of output.folders) {
    for (const chart of folder.charts.values()) {
      const m = chartMemo(chart);
      if (!m) continue;
      memo.hits += m.hits.length;
      memo.misses += m.misses.length;
      memo.missed.push(...m.misses.map((x) => x.key.split('\u0000')[0]));
    }
  }
  if (!bytes) return { files: renderEnvironment(output, composed.checks, { release: !!store }).files, memo };
  const files = new Map<string, string>();
  renderEnvironment(output, composed.checks, {
    release: true,
    sink: (p, c) => files.set(p, c),
    bytesSink: (p, b) => {
      bytes.set(p, b);
      files.set(p, b.toString('utf8'));
    },
  });
  return { files, memo };
}

function changed(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((p) => a.get(p) !== b.get(p)).sort();
}

describe('memoized constructs in shared files', () => {
  let dir: string;
  let store: TenantRenderStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ceres-memo-'));
    store = new RenderCache(dir, 'test-build').tenants();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const full = render(INPUT);

  it('builds everything without the cache, and takes every memoized construct from its table once stored', () => {
    expect(full.memo).toEqual({ hits: 0, misses: 0, missed: [] });
    const cold = render(INPUT, store);
    expect(cold.memo.hits).toBe(0);
    // NetworkPolicies of platform namespaces, AppProjects and folder Applications on both clusters.
    expect(cold.memo.misses).toBeGreaterThan(20);
    expect(changed(cold.files, full.files)).toEqual([]);
    const warm = render(INPUT, store);
    expect(warm.memo).toEqual({ hits: cold.memo.misses, misses: 0, missed: [] });
    expect(changed(warm.files, full.files)).toEqual([]);
  });

  it('builds again exactly the constructs whose props an edit changed, and gives the bytes of a full synth', () => {
    render(INPUT, store);
    const tables = readdirSync(join(dir, 'tenants')).filter((f) => f.endsWith('.fragments')).length;
    const saved = jest.spyOn(store.tables!, 'save');
    const edited: TenantInput = { ...INPUT, tenants: INPUT.tenants.map((t) => (t.tenantId === 'b-1' ? { ...t, displayName: 'Renamed — Müller 🚀' } : t)) };
    const incremental = render(edited, store);
    // b-1's AppProject and folder Application (their descriptions name the tenant) and the ingress
    // gateway's NetworkPolicy toward b-1 (its reason does), on each cluster: nothing of another tenant.
    expect(incremental.memo.missed.length).toBeGreaterThanOrEqual(3);
    expect(incremental.memo.missed.filter((p) => !p.includes('b-1'))).toEqual([]);
    expect(incremental.memo.hits).toBeGreaterThan(incremental.memo.missed.length);
    // Only the tables of the shards something was built in again are rewritten.
    expect(saved.mock.calls.length).toBeLessThanOrEqual(incremental.memo.missed.length);
    expect(saved.mock.calls.length).toBeLessThan(tables);
    saved.mockRestore();
    expect(changed(incremental.files, render(edited).files)).toEqual([]);
    // Again, every construct from its table (b-1's documents beyond ASCII among them, kept as bytes): the same bytes.
    const warm = render(edited, store);
    expect(warm.memo.missed).toEqual([]);
    expect(changed(warm.files, render(edited).files)).toEqual([]);
    expect([...warm.files.values()].some((y) => y.includes('Müller 🚀') && y.includes('---\n'))).toBe(true);
    // Given as bytes (RenderOptions.bytesSink): the files put together from the tables, each the UTF-8 of the full synth's text.
    const bytes = new Map<string, Buffer>();
    const asBytes = render(edited, store, bytes);
    const fresh = render(edited).files;
    expect(changed(asBytes.files, fresh)).toEqual([]);
    expect(bytes.size).toBeGreaterThan(0);
    expect([...bytes.values()].some((b) => b.includes('Müller 🚀'))).toBe(true);
    for (const [p, b] of bytes) expect(b.equals(Buffer.from(fresh.get(p)!, 'utf8'))).toBe(true);
  });

  it('gives the bytes of a full synth when a tenant is added or removed (new flows, new Applications)', () => {
    render(INPUT, store);
    const added: TenantInput = { ...INPUT, tenants: [...INPUT.tenants, fixtureTenant('d-1', 'starter')] };
    const withD = render(added, store);
    expect(withD.memo.missed.some((p) => p.includes('d-1'))).toBe(true);
    expect(changed(withD.files, render(added).files)).toEqual([]);
    const removed: TenantInput = { ...INPUT, tenants: INPUT.tenants.slice(1), databases: INPUT.databases.filter((d) => d.tenantId !== 'a-1') };
    const withoutA = render(removed, store);
    expect(changed(withoutA.files, render(removed).files)).toEqual([]);
    expect([...withoutA.files.values()].some((text) => text.includes('tenant-a-1'))).toBe(false);
  });

  it('builds again from a damaged or deleted table, with the same bytes', () => {
    render(INPUT, store);
    const tables = readdirSync(join(dir, 'tenants')).filter((f) => f.endsWith('.fragments'));
    expect(tables.length).toBeGreaterThan(0);
    writeFileSync(join(dir, 'tenants', tables[0]), 'ceres-fragments 1 9\n{"entries"');
    for (const f of tables.slice(1)) rmSync(join(dir, 'tenants', f));
    const again = render(INPUT, store);
    expect(again.memo.hits).toBe(0);
    expect(changed(again.files, full.files)).toEqual([]);
  });

  it('memoizes only constructs whose props are plain JSON data (what the key is made of is all they read)', () => {
    const offending: string[] = [];
    let seen = 0;
    const plain = (v: unknown, at: string): void => {
      if (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return;
      if (Array.isArray(v)) return v.forEach((x, i) => (x === undefined ? offending.push(`${at}[${i}]`) : plain(x, `${at}[${i}]`)));
      if (typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
        // An undefined member is absent in the key, as the constructs read it (`??`, optional props).
        for (const [k, x] of Object.entries(v as object)) if (x !== undefined) plain(x, `${at}.${k}`);
        return;
      }
      offending.push(`${at}: ${typeof v === 'object' ? (Object.getPrototypeOf(v)?.constructor?.name ?? 'object') : typeof v}`);
    };
    const previous = observeMemoizedProps((props, path) => {
      seen++;
      plain(props, path);
    });
    try {
      render(INPUT, store);
    } finally {
      observeMemoizedProps(previous);
    }
    expect(seen).toBeGreaterThan(20);
    expect(offending).toEqual([]);
  });

  it('refuses a second construct at the same path whether the first was built or taken from the table', () => {
    class Leaf extends Construct {
      constructor(scope: Construct, id: string, props: { readonly n: number }) {
        super(scope, id);
        void props;
      }
    }
    const output = new EnvironmentOutput(platform, platform.environments[0]);
    const chart: Chart = output.folder('fixture').manifest('file');
    memoized(chart, 'Same', { n: 1 }, Leaf);
    expect(() => memoized(chart, 'Same', { n: 2 }, Leaf)).toThrow(/already a Construct with name 'Same'/);
    const stored = new EnvironmentOutput(platform, platform.environments[0]);
    useFragmentTables(
      stored.app,
      {
        tableName: () => 't',
        load: () => new Map([[`fixture/file/Same\u0000Leaf\u0000${createHash('sha1').update('{"n":1}').digest('base64')}`, { checked: [], docs: [] }]]),
        save: () => undefined,
      },
      'staging',
      '',
    );
    const c2 = stored.folder('fixture').manifest('file');
    memoized(c2, 'Same', { n: 1 }, Leaf);
    expect(chartMemo(c2)!.hits).toHaveLength(1);
    expect(() => memoized(c2, 'Same', { n: 1 }, Leaf)).toThrow(/already a Construct with name 'Same'/);
    expect(() => memoized(c2, 'Same', { n: 3 }, Leaf)).toThrow(/already a Construct with name 'Same'/);
  });
});
