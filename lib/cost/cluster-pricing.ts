import { InputError, InputIssue } from '../core/errors';
import { ClusterConfig, NodePoolConfig, PlatformConfig } from '../core/model';
import { profileOf } from '../core/topology';
import { ANY_REGION, HOURS_PER_MONTH, InstancePrice, PRICE_TABLE, RegionPrices, VCPU_TO_GIB_PRICE_RATIO } from './price-table';

/** The file the platform model (clusters, regions, node pools) is written in, for error messages. */
export const PLATFORM_MODEL_FILE = 'apps/platform/platform.ts';

/** A node pool of the model with its list price. */
export interface PricedPool {
  /** The pool, as the model declares it. */
  readonly pool: NodePoolConfig;
  /** Its instance type's shape and on-demand price. */
  readonly instance: InstancePrice;
  /** What one node of the pool costs an hour at its capacity type (spot pools at the spot discount). */
  readonly nodeHour: number;
}

/** Per-unit prices that pod requests are charged at on one cluster (USD). */
export interface UnitPrices {
  /** One requested vCPU for one hour. */
  readonly vcpuHour: number;
  /** One requested GiB of memory for one hour. */
  readonly memoryGibHour: number;
  /** One GiB of the default StorageClass's disk for one month. */
  readonly storageGibMonth: number;
}

/** Everything the cost rules and the cost report need to price one cluster at its own cloud and region. */
export interface ClusterPricing {
  /** The cluster priced. */
  readonly cluster: ClusterConfig;
  /** The price table row of its cloud and region. */
  readonly region: RegionPrices;
  /**
   * What the cloud bills: `nodes` (EKS, AKS, GKE Standard: the node pools' instances) or `pods` (GKE
   * Autopilot bills pod requests; edge sites are owned hardware, amortized per requested unit).
   */
  readonly billing: 'nodes' | 'pods';
  /** The node pools with their prices (empty where pods are billed). */
  readonly pools: readonly PricedPool[];
  /**
   * What requests cost: the cloud's per-pod prices where pods are billed, else the node pools' hourly
   * cost at their desired counts (spot pools discounted) split into vCPU and GiB by
   * `VCPU_TO_GIB_PRICE_RATIO`, so the requests of a fully packed cluster add up to its node bill.
   */
  readonly unit: UnitPrices;
  /**
   * Unit prices of pods on spot capacity where pods are billed (GKE Spot Pods). Where nodes are billed,
   * `unit` already blends the spot pools in, and this equals `unit`.
   */
  readonly spotUnit: UnitPrices;
}

/** Where a cluster is in the platform model (`environments[2].clusters[1]`), or its name when the platform is not given. */
export function clusterModelPath(cluster: ClusterConfig, platform?: PlatformConfig): string {
  for (const [i, env] of (platform?.environments ?? []).entries()) {
    const j = env.clusters.indexOf(cluster);
    if (j >= 0) return `environments[${i}].clusters[${j}]`;
  }
  return `clusters[name=${cluster.name}]`;
}

/** The problems that keep a cluster from being priced (unknown region or instance type), each naming the field. */
export function pricingIssues(cluster: ClusterConfig, platform?: PlatformConfig): InputIssue[] {
  const at = clusterModelPath(cluster, platform);
  const regions = PRICE_TABLE[cluster.cloud];
  const region = regions[cluster.region] ?? regions[ANY_REGION];
  if (!region) {
    return [
      {
        file: PLATFORM_MODEL_FILE,
        path: `${at}.region`,
        message: `no ${cluster.cloud} prices for region ${JSON.stringify(cluster.region)}; priced regions: ${Object.keys(regions).join(', ')}. Add the region to lib/cost/price-table.ts with its source`,
      },
    ];
  }
  const issues: InputIssue[] = [];
  if (billingOf(cluster) === 'nodes') {
    if (!cluster.nodePools.length)
      issues.push({
        file: PLATFORM_MODEL_FILE,
        path: `${at}.nodePools`,
        message: `a ${profileOf(cluster)} cluster is billed by its nodes: declare its node pools`,
      });
    cluster.nodePools.forEach((p, k) => {
      if (!region.instances[p.instanceType])
        issues.push({
          file: PLATFORM_MODEL_FILE,
          path: `${at}.nodePools[${k}].instanceType`,
          message: `no ${cluster.cloud} ${cluster.region} price for instance type ${JSON.stringify(p.instanceType)}; priced types: ${Object.keys(region.instances).join(', ')}. Add it to lib/cost/price-table.ts with its source`,
        });
    });
  } else if (!region.pods) {
    issues.push({
      file: PLATFORM_MODEL_FILE,
      path: `${at}.region`,
      message: `no per-pod ${cluster.cloud} prices for region ${cluster.region} in lib/cost/price-table.ts`,
    });
  }
  return issues;
}

/** Pods are billed on GKE Autopilot and (amortized) on edge sites; nodes everywhere else. */
export function billingOf(cluster: ClusterConfig): 'nodes' | 'pods' {
  return profileOf(cluster) === 'gke-autopilot' || cluster.cloud === 'edge' ? 'pods' : 'nodes';
}

const scale = (u: UnitPrices, factor: number): UnitPrices => ({
  vcpuHour: u.vcpuHour * factor,
  memoryGibHour: u.memoryGibHour * factor,
  storageGibMonth: u.storageGibMonth,
});

/**
 * Prices a cluster at its own cloud and region. Throws an InputError naming the model field when its
 * region or an instance type has no price.
 */
export function clusterPricing(cluster: ClusterConfig, platform?: PlatformConfig): ClusterPricing {
  const issues = pricingIssues(cluster, platform);
  if (issues.length) throw new InputError(issues);
  const regions = PRICE_TABLE[cluster.cloud];
  const region = regions[cluster.region] ?? regions[ANY_REGION];
  const billing = billingOf(cluster);
  if (billing === 'pods') {
    const unit = { ...region.pods!, storageGibMonth: region.storageGibMonth };
    return { cluster, region, billing, pools: [], unit, spotUnit: scale(unit, 1 - region.spotDiscount) };
  }
  const pools = cluster.nodePools.map((pool) => {
    const instance = region.instances[pool.instanceType];
    return { pool, instance, nodeHour: instance.onDemandHour * (pool.spot ? 1 - region.spotDiscount : 1) };
  });
  // Desired counts weigh the pools; a cluster whose pools all start empty is weighed by their maximum.
  const weight = pools.some((p) => p.pool.desired > 0) ? (p: PricedPool) => p.pool.desired : (p: PricedPool) => p.pool.max;
  const hourly = pools.reduce((s, p) => s + weight(p) * p.nodeHour, 0);
  const units = pools.reduce((s, p) => s + weight(p) * (p.instance.vcpus + p.instance.memoryGib / VCPU_TO_GIB_PRICE_RATIO), 0);
  const vcpuHour = units ? hourly / units : 0;
  const unit = { vcpuHour, memoryGibHour: vcpuHour / VCPU_TO_GIB_PRICE_RATIO, storageGibMonth: region.storageGibMonth };
  return { cluster, region, billing, pools, unit, spotUnit: unit };
}

/** Monthly cost of a priced pool at a node count. */
export function poolMonthly(p: PricedPool, nodes: number): number {
  return nodes * p.nodeHour * HOURS_PER_MONTH;
}
