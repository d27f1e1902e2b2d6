import { parseQuantity } from '../../lib/core/quantity';
import { SUBSCRIPTION_LEVELS } from '../../lib/core/input/types';
import { TIERS, TIERS_IN_ORDER, TierValues } from '../../lib/quotas/tier-table';

/** CPU quantities (`500m`, `2`) in millicores; memory and storage via parseQuantity. */
function amount(value: string | number): number {
  if (typeof value === 'number') return value;
  if (/^\d+m$/.test(value)) return Number(value.slice(0, -1)) / 1000;
  const n = parseQuantity(value);
  if (n === undefined) throw new Error(`not a quantity: ${value}`);
  return n;
}

/** Every numeric leaf of a tier, by dotted path. */
function leaves(t: TierValues): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (v: unknown, path: string) => {
    if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, path ? `${path}.${k}` : k);
    else if (typeof v === 'number' || (typeof v === 'string' && /^\d/.test(v))) out.set(path, amount(v));
  };
  walk({ quota: t.quota, limitRange: t.limitRange, priority: t.priorityClass.value, databaseInstance: t.databaseInstance }, '');
  return out;
}

describe('tier table', () => {
  it('has one entry per subscription level, cheapest first', () => {
    expect(TIERS_IN_ORDER.map((t) => t.level)).toEqual([...SUBSCRIPTION_LEVELS]);
    for (const level of SUBSCRIPTION_LEVELS) expect(TIERS[level].level).toBe(level);
  });

  it('grows strictly from starter to professional to enterprise for every resource', () => {
    const [s, p, e] = TIERS_IN_ORDER.map(leaves);
    // Same floor for everybody; LoadBalancers are 0 below enterprise (checked below).
    const notStrict = new Set(['quota.loadBalancers', 'limitRange.min.cpu', 'limitRange.min.memory']);
    expect(s.size).toBeGreaterThan(15);
    for (const [path, starter] of s) {
      if (notStrict.has(path)) continue;
      expect({ path, ordered: starter < p.get(path)! && p.get(path)! < e.get(path)! }).toEqual({ path, ordered: true });
    }
  });

  it('allows LoadBalancer Services only to enterprise tenants', () => {
    expect(TIERS.starter.quota.loadBalancers).toBe(0);
    expect(TIERS.professional.quota.loadBalancers).toBe(0);
    expect(TIERS.enterprise.quota.loadBalancers).toBeGreaterThan(0);
  });

  it('keeps every LimitRange coherent: min <= default request <= default limit <= max, and max admits the Istio sidecar', () => {
    for (const t of TIERS_IN_ORDER) {
      const l = t.limitRange;
      for (const r of ['cpu', 'memory'] as const) {
        expect(amount(l.min[r])).toBeLessThanOrEqual(amount(l.defaultRequest[r]));
        expect(amount(l.defaultRequest[r])).toBeLessThanOrEqual(amount(l.defaultLimit[r]));
        expect(amount(l.defaultLimit[r])).toBeLessThanOrEqual(amount(l.max[r]));
      }
      expect(amount(l.max.cpu)).toBeGreaterThanOrEqual(2);
      expect(amount(l.max.memory)).toBeGreaterThanOrEqual(amount('1Gi'));
      expect(amount(t.quota.requestsCpu)).toBeLessThanOrEqual(amount(t.quota.limitsCpu));
    }
  });

  it('uses distinct priority class names below the system classes', () => {
    const names = new Set(TIERS_IN_ORDER.map((t) => t.priorityClass.name));
    expect(names.size).toBe(3);
    for (const t of TIERS_IN_ORDER) expect(t.priorityClass.value).toBeLessThan(1_000_000_000);
  });
});
