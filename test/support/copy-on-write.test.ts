import { CopyOnWrite } from './copy-on-write';

describe('CopyOnWrite (test support)', () => {
  const original = () => ({
    kind: 'AppProject',
    metadata: { name: 'p', annotations: { a: '1' } },
    spec: { repos: ['x', 'istio', 'y'], rules: [{ n: 1 }, { n: 2 }] },
  });

  it('reads through to the original and copies nothing until written', () => {
    const o = original();
    const c = new CopyOnWrite(o);
    expect(c.view.metadata.name).toBe('p');
    expect(JSON.parse(JSON.stringify(c.view))).toEqual(o);
    expect(Array.isArray(c.view.spec.repos)).toBe(true);
    expect(c.view.spec.rules.filter((r: { n: number }) => r.n > 1)).toHaveLength(1);
    expect(c.view.metadata).toBe(c.view.metadata);
    expect(c.written).toBe(false);
    expect(c.current).toBe(o);
  });

  it('writes, deletes and filters into itself on a copy, and leaves the original intact', () => {
    const o = original();
    const before = JSON.stringify(o);
    const c = new CopyOnWrite(o);
    c.view.metadata.annotations['argocd.argoproj.io/sync-wave'] = '100';
    c.view.spec.repos = c.view.spec.repos.filter((r: string) => r !== 'istio');
    c.view.spec.rules = c.view.spec.rules.filter((r: { n: number }) => r.n === 2);
    delete c.view.metadata.annotations.a;
    c.view.spec.rules[0].n = 3;
    expect(JSON.stringify(o)).toBe(before);
    expect(c.written).toBe(true);
    expect(c.current).toEqual({
      kind: 'AppProject',
      metadata: { name: 'p', annotations: { 'argocd.argoproj.io/sync-wave': '100' } },
      spec: { repos: ['x', 'y'], rules: [{ n: 3 }] },
    });
    expect(JSON.parse(JSON.stringify(c.view))).toEqual(c.current);
  });
});
