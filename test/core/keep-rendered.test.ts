import { Chart } from 'cdk8s';
import { platformAddOns } from '../../apps/platform/main';
import { composePlatform } from '../../lib/core/composition';
import { renderEnvironment } from '../../lib/core/render';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTree } from '../../lib/core/tree';
import { TreeWriter } from '../../lib/core/writer';
import { SynthError } from '../../lib/core/errors';
import { defineCheck } from '../../lib/core/checks';
import { buildAddOns, FIXTURE_INPUT, fixtureDatabase, fixtureTenant } from '../support/harness';

// synthesize() without keeping rendered objects (synth, diff): engine.test.ts's determinism test.

describe('renderEnvironment with release', () => {
  it('drops each chart once rendered and gives the same files to the sink, with the same counts', () => {
    const addOns = platformAddOns();
    const checks = composePlatform(addOns).checks;
    const input = {
      ...FIXTURE_INPUT,
      tenants: [...FIXTURE_INPUT.tenants, fixtureTenant('pro-2', 'professional')],
      databases: [...FIXTURE_INPUT.databases, fixtureDatabase('pro-2')],
    };
    const kept = renderEnvironment(buildAddOns(addOns, { input }), checks);
    const output = buildAddOns(addOns, { input });
    expect(output.folders.some((f) => f.charts.size > 0)).toBe(true);
    const sunk = new Map<string, string>();
    const released = renderEnvironment(output, checks, { release: true, sink: (p, c) => void sunk.set(p, c) });
    expect(released.files.size).toBe(0);
    expect(output.folders.every((f) => f.charts.size === 0 && !f.node.children.some((c) => c instanceof Chart))).toBe(true);
    // The tenants' own files (rendered per tenant, lib/core/tenant-render.ts) are given and dropped too.
    expect(kept.files.has(`${output.name}/tenant-pro-2/namespace.yaml`)).toBe(true);
    expect(output.folders.every((f) => f.rendered.size === 0)).toBe(true);
    expect(released.objects).toEqual([]);
    expect(kept.objects.length).toBeGreaterThan(0);
    expect([...sunk.keys()].sort()).toEqual([...kept.files.keys()].sort());
    for (const [p, c] of kept.files) expect(sunk.get(p)).toBe(c);
    const counts: Record<string, number> = {};
    for (const o of kept.objects) counts[o.manifest.kind] = (counts[o.manifest.kind] ?? 0) + 1;
    expect(released.objectsByKind).toEqual(counts);
    expect(kept.objectsByKind).toEqual(counts);
  });
});

describe('renderEnvironment with an objectSink (serialized and written by a background TreeWriter)', () => {
  const addOns = platformAddOns();
  const checks = composePlatform(addOns).checks;
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'ceres-objectsink-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('gives the same files as rendering them here, each chart handed over once', () => {
    const kept = renderEnvironment(buildAddOns(addOns, { input: FIXTURE_INPUT }), checks);
    const writer = new TreeWriter(join(work, 'dist'), { background: true });
    const handed: string[] = [];
    renderEnvironment(buildAddOns(addOns, { input: FIXTURE_INPUT }), checks, {
      release: true,
      sink: (p, c) => writer.write(p, c),
      objectSink: (p, objects) => {
        handed.push(p);
        writer.writeObjects(p, objects);
      },
    });
    writer.commit();
    const written = readTree(join(work, 'dist'));
    expect(new Set(handed).size).toBe(handed.length);
    expect(handed.length).toBeGreaterThan(5);
    expect([...written.keys()].sort()).toEqual([...kept.files.keys()].sort());
    for (const [p, c] of kept.files) expect(written.get(p)).toBe(c);
  });

  it('throws on a failing check after handing objects over; the aborted writer leaves nothing', () => {
    const failing = [defineCheck({ name: 'always-fails', across: () => ['no'] })];
    const writer = new TreeWriter(join(work, 'dist'), { background: true });
    let handed = 0;
    expect(() =>
      renderEnvironment(buildAddOns(addOns, { input: FIXTURE_INPUT }), [...checks, failing[0]], {
        release: true,
        sink: (p, c) => writer.write(p, c),
        objectSink: (p, objects) => {
          handed++;
          writer.writeObjects(p, objects);
        },
      }),
    ).toThrow(SynthError);
    expect(handed).toBeGreaterThan(0);
    writer.abort();
    expect(readTree(work).size).toBe(0);
  });
});
