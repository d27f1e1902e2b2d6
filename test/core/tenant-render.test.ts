import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformAddOns } from '../../apps/platform/main';
import { PlatformAddOn } from '../../lib/core/addon';
import { defineCheck, ManifestCheck } from '../../lib/core/checks';
import { composePlatform } from '../../lib/core/composition';
import { buildEnvironmentOutput } from '../../lib/core/environment';
import { TenantInput } from '../../lib/core/input/types';
import { PlatformConfig } from '../../lib/core/model';
import { renderEnvironment } from '../../lib/core/render';
import { RenderCache } from '../../lib/core/render-cache';
import { renderTenant, TenantRenderStore } from '../../lib/core/tenant-render';
import { readTree } from '../../lib/core/tree';
import { TreeWriter } from '../../lib/core/writer';
import { FIXTURE_SERVICES, FixtureClusters, fixtureDatabase, fixturePlatform, fixtureTenant, NO_SERVICES, synthProblems } from '../support/harness';

/**
 * A tenant's own files are rendered from the tenant alone (add-ons' `deployTenant`) and cached per
 * tenant: a synth that reads some tenants from the cache gives the bytes a synth without it gives,
 * renders again exactly the tenants whose input changed, and is refused for exactly what a full one is.
 */

/** Two clusters (a database site with a cloud store, and a secondary), the platform's own add-ons. */
const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure] });
const env = platform.environments[0].name;

/** Three tenants of every tier; `a-1` with an external and a sealed secret, two with databases. */
const INPUT: TenantInput = {
  tenants: [
    fixtureTenant('a-1', 'enterprise', {
      secrets: [
        { name: 'smtp', external: { store: 'cloud', key: 'smtp' } },
        { name: 'keys', sealed: { encryptedData: { k: 'AgBfixtureCiphertext' } } },
      ],
    }),
    fixtureTenant('b-1', 'professional'),
    fixtureTenant('c-1', 'starter'),
  ],
  databases: [fixtureDatabase('a-1'), fixtureDatabase('c-1', { replicas: 1 })],
  backups: [],
};

function render(input: TenantInput, options: { store?: TenantRenderStore; platform?: PlatformConfig; addOns?: PlatformAddOn[] } = {}) {
  const addOns = options.addOns ?? platformAddOns();
  const composed = composePlatform(addOns);
  const p = options.platform ?? platform;
  const output = buildEnvironmentOutput(p, input, env, composed, FIXTURE_SERVICES, options.store);
  // With the store, as `ceres synth` renders (objects read from it are kept as checked, not as objects).
  const rendered = renderEnvironment(output, composed.checks, { release: !!options.store });
  const objects = Object.values(rendered.objectsByKind).reduce((a, b) => a + b, 0);
  return { files: rendered.files, objects, tenants: { ...output.tenantRenders, ms: undefined } };
}

/** The paths of files that differ between two renders (added, removed or changed). */
function changed(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((p) => a.get(p) !== b.get(p)).sort();
}

describe('rendering per tenant, with the render cache', () => {
  let dir: string;
  let store: TenantRenderStore;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ceres-tenant-render-'));
    store = new RenderCache(dir, 'test-build').tenants();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const full = render(INPUT);
  /** Whether the store holds INPUT's tenants (a test that needs them renders INPUT first only when not). */
  let storeWarm = false;
  const ensureWarm = () => {
    if (!storeWarm) render(INPUT, { store });
    storeWarm = true;
  };

  it('gives a tenant its own files from the hooks: its folder, its databases on each site, its secrets, its realm', () => {
    const own = [...full.files.keys()].filter((p) => p.includes('a-1'));
    expect(own).toEqual(
      expect.arrayContaining([
        `${env}/tenant-a-1/namespace.yaml`,
        `${env}/tenant-a-1/mesh.yaml`,
        `${env}/clusters/${FixtureClusters.aws.name}/tenant-secrets/tenant-a-1.yaml`,
        `${env}/keycloak-realms/a-1-realm.yaml`,
      ]),
    );
    expect(own.some((p) => p.includes('/databases/'))).toBe(true);
    // The hooks see one tenant: what they render names no other.
    const alone = renderTenant(
      composePlatform(platformAddOns()),
      { platform, environment: platform.environments[0], services: FIXTURE_SERVICES },
      INPUT.tenants[0],
      [INPUT.databases[0]],
    );
    const text = JSON.stringify(alone);
    expect(text).toContain('tenant-a-1');
    expect(text).not.toMatch(/b-1|c-1/);
  });

  it('is byte-identical to a synth without the cache, cold and warm, and reads unchanged tenants', () => {
    const cold = render(INPUT, { store });
    storeWarm = true;
    expect(cold.tenants).toMatchObject({ rendered: 3, cached: 0 });
    expect(changed(cold.files, full.files)).toEqual([]);
    const warm = render(INPUT, { store });
    expect(warm.tenants).toMatchObject({ rendered: 0, cached: 3 });
    expect(changed(warm.files, full.files)).toEqual([]);
    // The checks saw every object, cached ones included.
    expect(warm.objects).toBe(full.objects);
  });

  it('renders again only the edited tenant, and equals a full synth of the edited input', () => {
    ensureWarm();
    // Not ASCII (the store writes ASCII, escaping the rest): an accent, a dash and a character beyond 16 bits.
    const edited: TenantInput = { ...INPUT, tenants: INPUT.tenants.map((t) => (t.tenantId === 'b-1' ? { ...t, displayName: 'Renamed — Müller 🚀' } : t)) };
    const incremental = render(edited, { store });
    expect(incremental.tenants).toMatchObject({ rendered: 1, cached: 2 });
    const fresh = render(edited);
    expect(changed(incremental.files, fresh.files)).toEqual([]);
    expect(fresh.files.get(`${env}/tenant-b-1/namespace.yaml`)).toContain('Müller 🚀');
    // Read back from the store, the same bytes.
    const warm = render(edited, { store });
    expect(warm.tenants).toMatchObject({ rendered: 0, cached: 3 });
    expect(changed(warm.files, fresh.files)).toEqual([]);
    // The edit reached b-1's own files and files listing tenants, and no other tenant's own files.
    const touched = changed(full.files, incremental.files);
    expect(touched).toContain(`${env}/tenant-b-1/namespace.yaml`);
    expect(touched.filter((p) => /a-1|c-1/.test(p))).toEqual([]);
  });

  it("gives a tenant's files by key, so that a writer with an index reads none of an unchanged tenant's files", () => {
    ensureWarm();
    const work = mkdtempSync(join(tmpdir(), 'ceres-tenant-keys-'));
    try {
      const dist = join(work, 'dist');
      const index = join(work, 'dist.index');
      /** Renders `input` with the store into dist/ through a TreeWriter with the index; the paths whose content was read. */
      const write = (input: TenantInput) => {
        const composed = composePlatform(platformAddOns());
        const output = buildEnvironmentOutput(platform, input, env, composed, FIXTURE_SERVICES, store);
        const writer = new TreeWriter(dist, { index });
        const read: string[] = [];
        const keys = new Map<string, string>();
        renderEnvironment(output, composed.checks, {
          release: true,
          sink: (p, c) => writer.write(p, c),
          keyedSink: (p, key, content) => {
            keys.set(p, key);
            writer.writeKnown(p, key, () => {
              read.push(p);
              return content();
            });
          },
        });
        // Past the file system clock's tick: the index is newer than every file in the tree.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        writer.commit();
        return { read, keys };
      };
      // Rendered now or read from the store, a tenant's files go by key (the same key either way).
      const first = write(INPUT);
      expect([...first.keys.keys()].filter((p) => p.includes('/tenant-b-1/')).length).toBeGreaterThan(0);
      expect(readTree(dist)).toEqual(full.files);
      // b-1 edited: its files are rendered again under new keys and read; no other tenant file is.
      const edited: TenantInput = { ...INPUT, tenants: INPUT.tenants.map((t) => (t.tenantId === 'b-1' ? { ...t, displayName: 'Renamed' } : t)) };
      const second = write(edited);
      expect(second.read.length).toBeGreaterThan(0);
      expect(second.read.every((p) => p.includes('b-1'))).toBe(true);
      expect(new Set(second.keys.keys())).toEqual(new Set(first.keys.keys()));
      for (const [p, key] of second.keys) expect(key === first.keys.get(p)).toBe(!p.includes('b-1'));
      expect(readTree(dist)).toEqual(render(edited).files);
      // Back to INPUT: b-1's files were stored under their first keys, and the tree has other bytes: read again.
      const third = write(INPUT);
      expect(third.read.every((p) => p.includes('b-1'))).toBe(true);
      expect(readTree(dist)).toEqual(full.files);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('adds and removes a tenant as a full synth does', () => {
    ensureWarm();
    const added: TenantInput = { ...INPUT, tenants: [...INPUT.tenants, fixtureTenant('d-1', 'starter')] };
    const withD = render(added, { store });
    expect(withD.tenants).toMatchObject({ rendered: 1, cached: 3 });
    expect(changed(withD.files, render(added).files)).toEqual([]);
    expect([...withD.files.keys()].some((p) => p.startsWith(`${env}/tenant-d-1/`))).toBe(true);

    const removed: TenantInput = {
      ...INPUT,
      tenants: INPUT.tenants.filter((t) => t.tenantId !== 'c-1'),
      databases: INPUT.databases.filter((d) => d.tenantId !== 'c-1'),
    };
    const withoutC = render(removed, { store });
    expect(withoutC.tenants).toMatchObject({ rendered: 0, cached: 2 });
    expect(changed(withoutC.files, render(removed).files)).toEqual([]);
    expect([...withoutC.files.keys()].filter((p) => p.includes('c-1'))).toEqual([]);
  });

  it('renders every tenant again when a platform-wide setting the hooks read changes', () => {
    ensureWarm();
    // The base domain reaches every tenant's realm import and JWT requirement (the Keycloak URL).
    const moved = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure], baseDomain: 'moved.test' });
    const incremental = render(INPUT, { store, platform: moved });
    expect(incremental.tenants).toMatchObject({ rendered: 3, cached: 0 });
    const fresh = render(INPUT, { platform: moved });
    expect(changed(incremental.files, fresh.files)).toEqual([]);
    expect(changed(incremental.files, full.files)).toContain(`${env}/keycloak-realms/a-1-realm.yaml`);
  });

  it('is safe to delete: an emptied or corrupted store renders again and gives the same bytes', () => {
    ensureWarm();
    const entries = join(dir, 'tenants');
    const files = readdirSync(entries);
    expect(files.length).toBeGreaterThanOrEqual(3);
    // One entry cut short (a crash while another process wrote it is impossible, a full disk is not), the others gone.
    writeFileSync(join(entries, files[0]), '{"tenantId":');
    for (const f of files.slice(1)) rmSync(join(entries, f));
    storeWarm = false;
    const again = render(INPUT, { store });
    storeWarm = true;
    expect(again.tenants).toMatchObject({ rendered: 3, cached: 0 });
    expect(changed(again.files, full.files)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
    expect(changed(render(INPUT, { store }).files, full.files)).toEqual([]);
    storeWarm = true;
  });

  it('refuses for a cached tenant exactly what it refuses for a rendered one (the checks see cached objects)', () => {
    // A check over the whole environment that refuses one tenant's namespace by its display name.
    const refuse: ManifestCheck = defineCheck({
      name: 'fixture-refusal',
      fact: (o) => (o.manifest.kind === 'Namespace' && o.manifest.metadata.annotations?.['ceres.io/display-name'] === 'Refused' ? true : undefined),
      across: (facts) => facts.map(({ ref }) => `${ref.file}: refused`),
    });
    const addOns = [...platformAddOns(), { name: 'fixture-refusal', checks: [refuse] }];
    const input: TenantInput = { ...INPUT, tenants: INPUT.tenants.map((t) => (t.tenantId === 'a-1' ? { ...t, displayName: 'Refused' } : t)) };
    const expected = [`[fixture-refusal] ${env}/tenant-a-1/namespace.yaml: refused`];
    // First with the store: a-1 is rendered (its display name is new) and stored, as a synth without
    // the store renders it; then it is read from the store, and refused the same.
    expect(synthProblems(() => render(input, { addOns, store }))).toEqual(expected);
    expect(synthProblems(() => render(input, { addOns, store }))).toEqual(expected);
  });

  it('meshes a tenant the service catalog names over the environment, with its services', () => {
    // The fixture catalog has no tenant service: every tenant's mesh file is its own; with a service in
    // a tenant's namespace, that tenant's mesh file is rendered with the environment, and still the same bytes.
    expect(FIXTURE_SERVICES.services.some((s) => s.namespace.startsWith('tenant-'))).toBe(false);
    const composed = composePlatform(platformAddOns());
    const alone = renderTenant(composed, { platform, environment: platform.environments[0], services: NO_SERVICES }, INPUT.tenants[1], []);
    expect(alone.folders.find((f) => f.name === 'tenant-b-1')!.manifests.map((m) => m.file)).toContain('mesh');
    const named = {
      ...NO_SERVICES,
      external: [{ name: 'partner', hosts: ['api.partner.example'], port: 443, protocol: 'TLS' as const, namespaces: ['tenant-b-1'] }],
    };
    const withExternal = renderTenant(composed, { platform, environment: platform.environments[0], services: named }, INPUT.tenants[1], []);
    expect(withExternal.folders.find((f) => f.name === 'tenant-b-1')!.manifests.map((m) => m.file)).not.toContain('mesh');
  });
});

describe('validatedObjects (the tenant render walks its constructs once)', () => {
  it("gives validateConstructs's problems and each chart's objects as chart.node.findAll() lists them, nested charts included", () => {
    const { App, ApiObject, Chart } = require('cdk8s') as typeof import('cdk8s');
    const { Construct } = require('constructs') as typeof import('constructs');
    const { validateConstructs, validatedObjects } = require('../../lib/core/render') as typeof import('../../lib/core/render');
    const app = new App();
    const outer = new Chart(app, 'outer');
    const group = new Construct(outer, 'group');
    new ApiObject(group, 'b', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } });
    const inner = new Chart(outer, 'inner');
    new ApiObject(inner, 'c', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
    new ApiObject(outer, 'a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
    const other = new Chart(app, 'other');
    new ApiObject(other, 'd', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd' } });
    group.node.addValidation({ validate: () => ['group is wrong', 'and twice'] });
    inner.node.addValidation({ validate: () => ['inner is wrong'] });
    const { problems, objects } = validatedObjects(app);
    expect(problems).toEqual(validateConstructs(app));
    expect(problems).toEqual(['outer/group: group is wrong', 'outer/group: and twice', 'outer/inner: inner is wrong']);
    for (const chart of [outer, inner, other]) expect(objects.get(chart)).toEqual(chart.node.findAll().filter(ApiObject.isApiObject));
    expect(objects.get(outer)!.map((o) => o.name)).toEqual(['b', 'c', 'a']);
    expect([...objects.keys()]).toEqual([outer, inner, other]);
  });
});
