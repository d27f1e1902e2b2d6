import { tenantNames } from '../../lib/core/names';
import { SUBSCRIPTION_LEVELS } from '../../lib/core/input/types';
import { TenantQuota, TierPriorityClasses } from '../../lib/quotas';
import { PLATFORM_PRIORITY_CLASS } from '../../lib/quotas/tier-priority-classes';
import { TIERS, TIERS_IN_ORDER } from '../../lib/quotas/tier-table';
import { ofKind, renderAddOns, baseAddOns, synthChart, TENANT_PER_TIER, testChart, yamlFiles, yamlOf } from '../support/harness';

/**
 * TenantQuota (a tenant namespace's ResourceQuota and LimitRange, from its tier) on small charts and
 * as the tenants add-on renders it for a tenant of each tier; TierPriorityClasses.
 */
const quota = (tier: (typeof SUBSCRIPTION_LEVELS)[number]) => {
  const chart = testChart();
  new TenantQuota(chart, 'Quota', { namespace: 'tenant-x', tier });
  return synthChart(chart);
};
const amount = (q: string) => {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti)?$/.exec(q);
  if (!m) throw new Error(`not a quantity: ${q}`);
  const f: Record<string, number> = { '': 1, m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(m[1]) * f[m[2] ?? ''];
};

describe('TenantQuota', () => {
  it("renders the tier's quota and limit range in the namespace, every value from the tier table", () => {
    for (const level of SUBSCRIPTION_LEVELS) {
      const [rq, lr] = quota(level);
      const t = TIERS[level];
      expect(rq).toMatchObject({ kind: 'ResourceQuota', metadata: { name: 'tenant-quota', namespace: 'tenant-x' } });
      expect(rq.spec.hard).toEqual({
        'requests.cpu': t.quota.requestsCpu,
        'requests.memory': t.quota.requestsMemory,
        'limits.cpu': t.quota.limitsCpu,
        'limits.memory': t.quota.limitsMemory,
        'requests.storage': t.quota.storage,
        persistentvolumeclaims: String(t.quota.persistentVolumeClaims),
        pods: String(t.quota.pods),
        services: String(t.quota.services),
        'services.loadbalancers': String(t.quota.loadBalancers),
        'services.nodeports': String(t.quota.loadBalancers),
        configmaps: String(t.quota.configMaps),
        secrets: String(t.quota.secrets),
      });
      expect(lr.spec.limits).toEqual([
        { type: 'Container', defaultRequest: t.limitRange.defaultRequest, default: t.limitRange.defaultLimit, min: t.limitRange.min, max: t.limitRange.max },
      ]);
    }
  });

  describe('in the tenants of each tier', () => {
    const out = renderAddOns(baseAddOns(), { input: TENANT_PER_TIER });
    const nsOf = (level: string) => tenantNames(TENANT_PER_TIER.tenants.find((t) => t.subscriptionLevel === level)!.tenantId).namespace;
    const hard = (level: string) => ofKind(out, 'ResourceQuota', nsOf(level))[0].spec.hard as Record<string, string>;

    it('orders quotas starter < professional < enterprise for every resource (LoadBalancers and NodePorts aside)', () => {
      const [s, p, e] = SUBSCRIPTION_LEVELS.map(hard);
      expect(Object.keys(s).length).toBe(12);
      for (const key of Object.keys(s)) {
        if (key === 'services.loadbalancers' || key === 'services.nodeports') continue;
        expect({ key, ordered: amount(s[key]) < amount(p[key]) && amount(p[key]) < amount(e[key]) }).toEqual({ key, ordered: true });
      }
    });

    it('matches the reviewed quota of each tier', () => {
      expect(yamlFiles(out, /\/tenant-[^/]+\/quota\.yaml$/)).toMatchSnapshot();
    });
  });
});

describe('TierPriorityClasses', () => {
  const chart = testChart();
  new TierPriorityClasses(chart, 'Priorities');
  const classes = synthChart(chart);

  it('renders one non-preempting class per tier, ordered like the tiers, below the platform class', () => {
    const tiers = classes.filter((c) => c.metadata.name !== PLATFORM_PRIORITY_CLASS.name);
    expect(tiers.map((c) => [c.metadata.name, c.value])).toEqual(TIERS_IN_ORDER.map((t) => [t.priorityClass.name, t.priorityClass.value]));
    for (const c of tiers)
      expect({ preemptionPolicy: c.preemptionPolicy, globalDefault: c.globalDefault }).toEqual({ preemptionPolicy: 'Never', globalDefault: false });
    const values = tiers.map((c) => c.value as number);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
    const platform = classes.find((c) => c.metadata.name === PLATFORM_PRIORITY_CLASS.name)!;
    expect(platform.value).toBeGreaterThan(Math.max(...values));
  });

  it('matches the reviewed classes', () => {
    expect(yamlOf(classes)).toMatchSnapshot();
  });
});
