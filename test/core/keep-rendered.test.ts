import { synthesize } from '../../apps/synthesize';

describe('synthesize without keeping rendered objects (synth, diff)', () => {
  it('gives the same files and summaries, and no objects', () => {
    const kept = synthesize({ environments: ['dev'] });
    const dropped = synthesize({ environments: ['dev'], keepRendered: false });
    expect(kept.environments.map((e) => e.name)).toEqual(['dev']);
    expect(kept.environments[0].objects.length).toBeGreaterThan(0);
    expect(dropped.environments).toEqual([]);
    expect(dropped.catalog).toBeUndefined();
    expect([...dropped.files.keys()]).toEqual([...kept.files.keys()]);
    for (const [p, c] of kept.files) expect(dropped.files.get(p)).toBe(c);
    expect(dropped.summary.map((s) => ({ ...s, ms: 0 }))).toEqual(kept.summary.map((s) => ({ ...s, ms: 0 })));
  });
});
