import { SUBSCRIPTION_LEVELS, SubscriptionLevel, TenantSpec } from '../core/input/types';
import { parseQuantity } from '../core/quantity';
import { ClusterConfig, EnvironmentConfig, PlatformConfig } from '../core/model';
import { traitsOf } from '../core/topology';
import { ClusterPricing, clusterPricing, poolMonthly, UnitPrices } from './cluster-pricing';
import { TIERS } from '../quotas';
import { HOURS_PER_MONTH, MONTHLY_BUDGET } from './price-table';

const GIB = 2 ** 30;

/** Monthly cost of a tier's quota, fully used, at one cloud's prices (USD). */
export interface TierCost {
  /** The tier priced. */
  readonly level: SubscriptionLevel;
  /** CPU requests of the quota, in cores. */
  readonly vcpus: number;
  /** Memory requests of the quota, in GiB. */
  readonly memoryGib: number;
  /** Storage requests of the quota, in GiB. */
  readonly storageGib: number;
  /** Monthly cost of the CPU and memory requests (USD). */
  readonly compute: number;
  /** Monthly cost of the storage (USD). */
  readonly storage: number;
  /** `compute` + `storage` (USD a month). */
  readonly total: number;
}

/** Cores of a CPU quantity (`500m` → 0.5, `8` → 8). */
export function cpuCores(q: string): number {
  return q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q);
}

/** What a tier's quota costs a month when fully requested on a cluster: CPU and memory requests, plus storage, at the cluster's unit prices. */
export function tierCost(level: SubscriptionLevel, prices: UnitPrices): TierCost {
  const q = TIERS[level].quota;
  const vcpus = cpuCores(q.requestsCpu);
  const memoryGib = parseQuantity(q.requestsMemory)! / GIB;
  const storageGib = parseQuantity(q.storage)! / GIB;
  const compute = (vcpus * prices.vcpuHour + memoryGib * prices.memoryGibHour) * HOURS_PER_MONTH;
  const storage = storageGib * prices.storageGibMonth;
  return { level, vcpus, memoryGib, storageGib, compute, storage, total: compute + storage };
}

/** What one cluster costs a month at its own cloud's and region's list prices (USD). */
export interface ClusterCost {
  /** The cluster and its prices. */
  readonly pricing: ClusterPricing;
  /** Its node pools at their desired counts (spot pools at the spot discount); 0 where pods are billed. */
  readonly nodes: number;
  /** The managed control plane. */
  readonly controlPlane: number;
  /** `nodes` + `controlPlane`. */
  readonly total: number;
  /** What the spot pools save against on-demand at their desired counts. */
  readonly spotSavings: number;
  /** The on-demand pools at their desired counts. */
  readonly onDemand: number;
  /** The steady on-demand baseline: on-demand pools at their minimum counts, which never scale away. */
  readonly baseline: number;
  /** What the cloud's commitment offer saves on `baseline` (0 where there is none). */
  readonly commitmentSavings: number;
}

/** The environment's cost across its clusters and clouds (the multi-cloud view): each cluster, and their sums. */
export interface EnvironmentCost {
  /** Each cluster of the environment, in model order. */
  readonly clusters: readonly ClusterCost[];
  /** Sums over `clusters` of every figure. */
  readonly total: Omit<ClusterCost, 'pricing'>;
}

/** Prices one cluster's node pools, control plane, spot savings and commitment coverage for a month. */
export function clusterCost(cluster: ClusterConfig, platform?: PlatformConfig): ClusterCost {
  const pricing = clusterPricing(cluster, platform);
  const discount = pricing.region.spotDiscount;
  let nodes = 0;
  let spotSavings = 0;
  let onDemand = 0;
  let baseline = 0;
  for (const p of pricing.pools) {
    nodes += poolMonthly(p, p.pool.desired);
    if (p.pool.spot) {
      spotSavings += p.pool.desired * p.instance.onDemandHour * discount * HOURS_PER_MONTH;
    } else {
      onDemand += poolMonthly(p, p.pool.desired);
      baseline += poolMonthly(p, p.pool.min);
    }
  }
  const controlPlane = pricing.region.controlPlaneHour * HOURS_PER_MONTH;
  const commitmentSavings = baseline * (pricing.region.commitment?.discount ?? 0);
  return { pricing, nodes, controlPlane, total: nodes + controlPlane, spotSavings, onDemand, baseline, commitmentSavings };
}

/** Every cluster of the environment priced at its own cloud, and the sums: what no single Prometheus can add up. */
export function environmentCost(env: EnvironmentConfig, platform?: PlatformConfig): EnvironmentCost {
  const clusters = env.clusters.map((c) => clusterCost(c, platform));
  const sum = (k: keyof Omit<ClusterCost, 'pricing'>) => clusters.reduce((s, c) => s + c[k], 0);
  return {
    clusters,
    total: {
      nodes: sum('nodes'),
      controlPlane: sum('controlPlane'),
      total: sum('total'),
      spotSavings: sum('spotSavings'),
      onDemand: sum('onDemand'),
      baseline: sum('baseline'),
      commitmentSavings: sum('commitmentSavings'),
    },
  };
}

/** The cluster tenants are priced at: the primary (data home) cluster, else the first that runs workloads, else the first. */
export function tenantPricingCluster(env: EnvironmentConfig): ClusterConfig {
  return env.clusters.find((c) => c.role === 'primary') ?? env.clusters.find((c) => traitsOf(c).workloads) ?? env.clusters[0];
}

const usd = (n: number) => `$${n.toFixed(2)}`;
const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
const unitPrice = (n: number) => `$${Number(n.toPrecision(4))}`;

/**
 * The cost report of an environment (Markdown), every cluster at its own cloud's and region's list
 * prices: the multi-cloud total, node pools, reserved / committed-use coverage of the steady on-demand
 * baseline, tier quotas per workload cluster, and tenants. Deterministic: no generation date (the
 * table's `asOf` only), clusters and tenants in model order. Linear in clusters, pools and tenants.
 */
export function costReport(env: EnvironmentConfig, tenants: readonly TenantSpec[], platform?: PlatformConfig): string {
  const cost = environmentCost(env, platform);
  const lines: string[] = [
    `# Cost report: ${env.name}`,
    '',
    'Generated by `npm run synth` (lib/cost/cost-report.ts); not synced by Argo CD. How to read it: docs/cost.md.',
    '',
    `Every cluster is priced at its own cloud's and region's list prices (lib/cost/price-table.ts; sources at the end), ${HOURS_PER_MONTH} hours a month, USD. ` +
      'Clusters billed by their nodes are priced from their node pools at desired counts; clusters billed per pod (GKE Autopilot, edge) by the requests of their pods, which only Prometheus knows (Cost dashboard).',
    '',
    '## All clusters (multi-cloud)',
    '',
    '| Cluster | Cloud | Region | Billed by | Nodes / month | Control plane / month | Total / month | Spot savings / month | Commitment savings / month |',
    '|---|---|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const c of cost.clusters) {
    const k = c.pricing.cluster;
    lines.push(
      `| ${k.name} | ${k.cloud} | ${k.region} | ${c.pricing.billing} | ${c.pricing.billing === 'pods' ? '(pod requests)' : usd(c.nodes)} | ${usd(c.controlPlane)} | ${usd(c.total)} | ${usd(c.spotSavings)} | ${usd(c.commitmentSavings)} |`,
    );
  }
  const t = cost.total;
  lines.push(`| **all** | | | | ${usd(t.nodes)} | ${usd(t.controlPlane)} | ${usd(t.total)} | ${usd(t.spotSavings)} | ${usd(t.commitmentSavings)} |`);
  const budget = MONTHLY_BUDGET[env.name] ?? MONTHLY_BUDGET.prod;
  lines.push(
    '',
    `Budget: the modelled total is ${usd(t.total)} of the ${env.name} budget of ${usd(budget)} a month (${pct(t.total / budget)}), pod-billed compute not included. ` +
      "`CostThresholdExceeded` can only compare one cluster's Prometheus with the budget; this line is the cross-cloud check.",
  );

  lines.push(
    '',
    '## Node pools',
    '',
    '| Cluster | Pool | Instance type | Capacity | Nodes (min / desired / max) | Per node-hour | Desired / month |',
    '|---|---|---|---|---|---:|---:|',
  );
  for (const c of cost.clusters) {
    if (c.pricing.billing === 'pods') {
      const u = c.pricing.unit;
      const spot = c.pricing.region.spotDiscount
        ? `; spot pods ${unitPrice(c.pricing.spotUnit.vcpuHour)} / ${unitPrice(c.pricing.spotUnit.memoryGibHour)}`
        : '';
      lines.push(`| ${c.pricing.cluster.name} | (per pod) | | | | ${unitPrice(u.vcpuHour)} per vCPU, ${unitPrice(u.memoryGibHour)} per GiB${spot} | |`);
      continue;
    }
    for (const p of c.pricing.pools) {
      lines.push(
        `| ${c.pricing.cluster.name} | ${p.pool.name} | ${p.pool.instanceType} | ${p.pool.spot ? 'spot' : 'on-demand'} | ${p.pool.min} / ${p.pool.desired} / ${p.pool.max} | ${unitPrice(p.nodeHour)} | ${usd(poolMonthly(p, p.pool.desired))} |`,
      );
    }
  }

  lines.push(
    '',
    '## Reserved and committed-use coverage',
    '',
    'The steady baseline is the on-demand node pools at their minimum counts (they never scale away); spot pools are left out (cheaper already, not committable). ' +
      "Coverage = baseline / on-demand spend at desired counts; the saving is the baseline at the offer's discount. Commit to the baseline, not to the desired count: what autoscaling removes would be paid for unused.",
    '',
    '| Cluster | Offer | On-demand / month | Steady baseline / month | Coverage | Saving / month |',
    '|---|---|---:|---:|---:|---:|',
  );
  for (const c of cost.clusters) {
    const offer = c.pricing.region.commitment;
    const name = c.pricing.cluster.name;
    if (!offer) lines.push(`| ${name} | none (owned hardware) | | | | |`);
    else if (c.pricing.billing === 'pods')
      lines.push(
        `| ${name} | ${offer.name} (${pct(offer.discount)}) | (pod requests) | commit to the 30-day minimum of \`ceres:cluster_cost_hourly:sum\` | | |`,
      );
    else
      lines.push(
        `| ${name} | ${offer.name} (${pct(offer.discount)}) | ${usd(c.onDemand)} | ${usd(c.baseline)} | ${pct(c.onDemand ? c.baseline / c.onDemand : 0)} | ${usd(c.commitmentSavings)} |`,
      );
  }
  lines.push(`| **all** | | ${usd(t.onDemand)} | ${usd(t.baseline)} | ${pct(t.onDemand ? t.baseline / t.onDemand : 0)} | ${usd(t.commitmentSavings)} |`);

  const workloadClusters = cost.clusters.filter((c) => traitsOf(c.pricing.cluster).workloads);
  lines.push(
    '',
    '## Tiers',
    '',
    "What a tier's quota (CPU and memory requests, storage) costs a month when fully used, on each cluster that runs tenants, at its unit prices.",
    '',
    `| Tier | vCPU | Memory (GiB) | Storage (GiB) |${workloadClusters.map((c) => ` ${c.pricing.cluster.name} / month |`).join('')}`,
    `|---|---:|---:|---:|${workloadClusters.map(() => '---:|').join('')}`,
  );
  for (const level of SUBSCRIPTION_LEVELS) {
    const costs = workloadClusters.map((c) => tierCost(level, c.pricing.unit));
    const shape = tierCost(level, { vcpuHour: 0, memoryGibHour: 0, storageGibMonth: 0 });
    lines.push(`| ${level} | ${shape.vcpus} | ${shape.memoryGib} | ${shape.storageGib} |${costs.map((x) => ` ${usd(x.total)} |`).join('')}`);
  }

  const home = clusterPricing(tenantPricingCluster(env), platform);
  lines.push('', '## Tenants', '', `Priced at ${home.cluster.name} (${home.cluster.cloud} ${home.cluster.region}), the environment's data home.`, '');
  if (!tenants.length) {
    lines.push('No tenant is deployed to this environment.');
  } else {
    lines.push('| Tenant | Name | Tier | Quota-backed / month |', '|---|---|---|---:|');
    const byTier = new Map<SubscriptionLevel, { count: number; total: number }>();
    let total = 0;
    for (const tenant of tenants) {
      const c = tierCost(tenant.subscriptionLevel, home.unit);
      total += c.total;
      const agg = byTier.get(tenant.subscriptionLevel) ?? { count: 0, total: 0 };
      byTier.set(tenant.subscriptionLevel, { count: agg.count + 1, total: agg.total + c.total });
      lines.push(`| ${tenant.tenantId} | ${tenant.displayName.replace(/\|/g, '\\|')} | ${tenant.subscriptionLevel} | ${usd(c.total)} |`);
    }
    lines.push('', '### By tier', '', '| Tier | Tenants | Quota-backed / month |', '|---|---:|---:|');
    for (const level of SUBSCRIPTION_LEVELS) {
      const a = byTier.get(level);
      if (a) lines.push(`| ${level} | ${a.count} | ${usd(a.total)} |`);
    }
    lines.push(`| **all** | ${tenants.length} | ${usd(total)} |`);
  }

  lines.push(
    '',
    '## Prices used',
    '',
    '| Cloud | Region | Unit prices (vCPU-hour / GiB-hour) | Disk (GiB-month) | Control plane (hour) | Spot discount | As of | Source |',
    '|---|---|---|---|---:|---:|---|---|',
  );
  for (const c of cost.clusters) {
    const r = c.pricing.region;
    lines.push(
      `| ${c.pricing.cluster.cloud} | ${c.pricing.cluster.region} (${c.pricing.cluster.name}) | ${unitPrice(c.pricing.unit.vcpuHour)} / ${unitPrice(c.pricing.unit.memoryGibHour)} | ${r.storageClass} ${unitPrice(r.storageGibMonth)} | ${unitPrice(r.controlPlaneHour)} | ${pct(r.spotDiscount)} | ${r.asOf} | ${r.source} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
