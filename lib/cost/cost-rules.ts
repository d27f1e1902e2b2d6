import { INSTANCE_TYPE_NODE_LABEL, SPOT_NODE_LABELS, spotInstanceTypes } from '../core/cloud';
import { ClusterConfig, PlatformConfig } from '../core/model';
import { clusterPricing } from './cluster-pricing';
import { HOURS_PER_MONTH } from './price-table';

/** A Prometheus recording rule of the cost model. */
export interface CostRecording {
  /** Name of the recorded series. */
  readonly record: string;
  /** PromQL expression whose result is recorded. */
  readonly expr: string;
}

/** The recorded unit-price series the shared cost rules multiply by (one value per cluster: its own cloud and region). */
export const PRICE_SERIES = {
  vcpuHour: 'ceres:price_vcpu_hour',
  memoryGibHour: 'ceres:price_memory_gib_hour',
  storageGibHour: 'ceres:price_storage_gib_hour',
} as const;

/** Series of the per-cluster node cost rules (clusters billed by their nodes). */
export const NODE_COST_SERIES = {
  /** List price of an instance type at a capacity type (`{instance_type, capacity}`), USD an hour. */
  instancePrice: 'ceres:instance_price_hourly',
  /** One series per node with its instance type and capacity (`spot` / `on-demand`). */
  nodeInfo: 'ceres:node_capacity_info',
  /** What each node costs an hour (`{node, instance_type, capacity}`). */
  nodeCost: 'ceres:node_cost_hourly',
  /** The cluster's node bill an hour, by capacity type. */
  capacityCost: 'ceres:cluster_node_cost_hourly:sum',
  /** Nodes whose instance type has no price (add it to the price table). */
  unpriced: 'ceres:unpriced_nodes:count',
} as const;

/** Per-service compute cost (`{namespace, service}`), from requests and the pod's `app` (else `app.kubernetes.io/name`) label. */
export const SERVICE_COST_SERIES = 'ceres:service_compute_cost_hourly:sum';

/** The pod labels naming a pod's service, first wins: the mesh's `app` label, then `app.kubernetes.io/name` (charts). */
export const SERVICE_POD_LABELS = ['app', 'app.kubernetes.io/name'] as const;

/** The Prometheus label kube-state-metrics gives a Kubernetes label (`karpenter.sh/capacity-type` → `label_karpenter_sh_capacity_type`). */
export function ksmLabel(key: string): string {
  return `label_${key.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

/**
 * The label keys kube-state-metrics must export (its `--metric-labels-allowlist`) for the cost rules:
 * node instance type and spot labels, and the pod labels naming a service.
 */
export function costLabelAllowlist(): string[] {
  const nodeLabels = [INSTANCE_TYPE_NODE_LABEL, ...new Set(Object.values(SPOT_NODE_LABELS).flatMap((ls) => ls.map((l) => l.key)))];
  return [`nodes=[${nodeLabels.join(',')}]`, `pods=[${SERVICE_POD_LABELS.join(',')}]`];
}

const round = (n: number) => Number(n.toPrecision(6));
const withLabels = (value: number, labels: Record<string, string>) =>
  Object.entries(labels).reduce((e, [k, v]) => `label_replace(${e}, "${k}", "${v}", "", "")`, `vector(${round(value)})`);

/**
 * The cost recording rules of one cluster, priced at its own cloud and region (lib/cost/price-table.ts):
 * unit prices for requests, and where the cloud bills nodes, the price of every instance type the
 * cluster's node pools run (spot pools' interchangeable types too) at each capacity type, each node's
 * cost from its `node.kubernetes.io/instance-type` and the cloud's spot label, and the node bill by
 * capacity type.
 */
export function clusterCostRecordings(cluster: ClusterConfig, platform?: PlatformConfig): CostRecording[] {
  const pricing = clusterPricing(cluster, platform);
  const rules: CostRecording[] = [
    { record: PRICE_SERIES.vcpuHour, expr: `vector(${round(pricing.unit.vcpuHour)})` },
    { record: PRICE_SERIES.memoryGibHour, expr: `vector(${round(pricing.unit.memoryGibHour)})` },
    { record: PRICE_SERIES.storageGibHour, expr: `vector(${round(pricing.unit.storageGibMonth / HOURS_PER_MONTH)})` },
  ];
  if (pricing.billing === 'pods') return rules;

  const prices = new Map<string, number>();
  for (const p of pricing.pools) {
    const types = p.pool.spot ? spotInstanceTypesOf(cluster, p.pool.instanceType) : [p.pool.instanceType];
    for (const t of types) if (!prices.has(t)) prices.set(t, p.instance.onDemandHour);
  }
  const discount = pricing.region.spotDiscount;
  for (const [type, onDemand] of [...prices].sort(([a], [b]) => a.localeCompare(b))) {
    rules.push({ record: NODE_COST_SERIES.instancePrice, expr: withLabels(onDemand, { instance_type: type, capacity: 'on-demand' }) });
    if (discount > 0)
      rules.push({ record: NODE_COST_SERIES.instancePrice, expr: withLabels(onDemand * (1 - discount), { instance_type: type, capacity: 'spot' }) });
  }
  const typed = `label_replace(kube_node_labels, "instance_type", "$1", "${ksmLabel(INSTANCE_TYPE_NODE_LABEL)}", "(.+)")`;
  const info = SPOT_NODE_LABELS[cluster.cloud].reduce(
    (e, l) => `label_replace(${e}, "capacity", "spot", "${ksmLabel(l.key)}", "${l.value}")`,
    `label_replace(${typed}, "capacity", "on-demand", "", "")`,
  );
  rules.push(
    { record: NODE_COST_SERIES.nodeInfo, expr: `max by (node, instance_type, capacity) (${info})` },
    {
      record: NODE_COST_SERIES.nodeCost,
      expr: `${NODE_COST_SERIES.nodeInfo} * on (instance_type, capacity) group_left () ${NODE_COST_SERIES.instancePrice}`,
    },
    { record: NODE_COST_SERIES.capacityCost, expr: `sum by (capacity) (${NODE_COST_SERIES.nodeCost})` },
    {
      record: NODE_COST_SERIES.unpriced,
      expr: `count(${NODE_COST_SERIES.nodeInfo} unless on (instance_type, capacity) ${NODE_COST_SERIES.instancePrice}) or vector(0)`,
    },
  );
  return rules;
}

/** The instance types a spot pool may run: on AWS the interchangeable types of its managed node group (Terraform); elsewhere its own. */
function spotInstanceTypesOf(cluster: ClusterConfig, instanceType: string): string[] {
  return cluster.cloud === 'aws' ? spotInstanceTypes(instanceType) : [instanceType];
}

/**
 * Compute cost per service (shared by every cluster; the unit prices are the cluster's own): CPU and
 * memory requests of each pod, priced, summed by namespace and the service the pod's labels name.
 */
export function serviceCostRecording(): CostRecording {
  const perPod = (resource: string, price: string, divisor = '') =>
    `sum by (namespace, pod) (kube_pod_container_resource_requests{resource="${resource}"})${divisor} * on () group_left () ${price}`;
  // label_replace leaves the series unchanged when the source label is empty, so the last (`app`) wins.
  const service = [...SERVICE_POD_LABELS].reverse().reduce((e, key) => `label_replace(${e}, "service", "$1", "${ksmLabel(key)}", "(.+)")`, 'kube_pod_labels');
  return {
    record: SERVICE_COST_SERIES,
    expr:
      `sum by (namespace, service) ((${perPod('cpu', PRICE_SERIES.vcpuHour)} + ${perPod('memory', PRICE_SERIES.memoryGibHour, ' / 1073741824')})` +
      ` * on (namespace, pod) group_left (service) max by (namespace, pod, service) (${service}))`,
  };
}
