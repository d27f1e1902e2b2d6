import { TENANT_NAMESPACE_PREFIX } from '../core/names';
import { NODE_COST_SERIES, SERVICE_COST_SERIES } from '../cost';
import { DashboardSpec } from './dashboard-model';

const MESH = 'reporter="destination"';

/** Cluster overview: nodes, CPU, memory, pods, restarts. */
export const clusterOverview: DashboardSpec = {
  uid: 'ceres-cluster-overview',
  title: 'CERES / Cluster overview',
  tags: ['ceres', 'cluster'],
  panels: [
    { title: 'Nodes ready', type: 'stat', queries: [{ expr: 'sum(kube_node_status_condition{condition="Ready",status="true"})' }], width: 6 },
    { title: 'Pods running', type: 'stat', queries: [{ expr: 'sum(kube_pod_status_phase{phase="Running"})' }], width: 6 },
    {
      title: 'Pods crash-looping',
      type: 'stat',
      queries: [{ expr: 'sum(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}) or vector(0)' }],
      width: 6,
    },
    { title: 'Container restarts (1h)', type: 'stat', queries: [{ expr: 'sum(increase(kube_pod_container_status_restarts_total[1h]))' }], width: 6 },
    {
      title: 'CPU usage by node',
      type: 'timeseries',
      unit: 'percentunit',
      queries: [{ expr: '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))', legend: '{{instance}}' }],
    },
    {
      title: 'Memory usage by node',
      type: 'timeseries',
      unit: 'percentunit',
      queries: [{ expr: '1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes', legend: '{{instance}}' }],
    },
    {
      title: 'Disk usage by node',
      type: 'timeseries',
      unit: 'percentunit',
      queries: [{ expr: '1 - node_filesystem_avail_bytes{mountpoint="/"} / node_filesystem_size_bytes{mountpoint="/"}', legend: '{{instance}}' }],
    },
    {
      title: 'CPU requested vs allocatable',
      type: 'timeseries',
      unit: 'percentunit',
      queries: [{ expr: 'sum(kube_pod_container_resource_requests{resource="cpu"}) / sum(kube_node_status_allocatable{resource="cpu"})', legend: 'requested' }],
    },
  ],
};

/** Istio mesh: traffic, success rate and latency per service, gateways. */
export const istioMesh: DashboardSpec = {
  uid: 'ceres-istio-mesh',
  title: 'CERES / Istio mesh',
  tags: ['ceres', 'istio'],
  panels: [
    {
      title: 'Requests per second by service',
      type: 'timeseries',
      unit: 'reqps',
      queries: [{ expr: `sum by (destination_service_name) (rate(istio_requests_total{${MESH}}[5m]))`, legend: '{{destination_service_name}}' }],
    },
    {
      title: 'Success rate by service',
      type: 'timeseries',
      unit: 'percentunit',
      queries: [
        {
          expr: `sum by (destination_service_name) (rate(istio_requests_total{${MESH},response_code!~"5.."}[5m])) / sum by (destination_service_name) (rate(istio_requests_total{${MESH}}[5m]))`,
          legend: '{{destination_service_name}}',
        },
      ],
    },
    {
      title: 'p95 latency by service',
      type: 'timeseries',
      unit: 'ms',
      queries: [
        {
          expr: `histogram_quantile(0.95, sum by (le, destination_service_name) (rate(istio_request_duration_milliseconds_bucket{${MESH}}[5m])))`,
          legend: '{{destination_service_name}}',
        },
      ],
    },
    {
      title: 'p99 latency by service',
      type: 'timeseries',
      unit: 'ms',
      queries: [
        {
          expr: `histogram_quantile(0.99, sum by (le, destination_service_name) (rate(istio_request_duration_milliseconds_bucket{${MESH}}[5m])))`,
          legend: '{{destination_service_name}}',
        },
      ],
    },
    {
      title: 'Ingress gateway requests by host',
      type: 'timeseries',
      unit: 'reqps',
      queries: [
        {
          expr: 'sum by (destination_service_name) (rate(istio_requests_total{reporter="source",source_workload=~"istio-ingressgateway.*"}[5m]))',
          legend: '{{destination_service_name}}',
        },
      ],
    },
    {
      title: 'Connections without mutual TLS',
      type: 'timeseries',
      unit: 'reqps',
      queries: [
        {
          expr: `sum by (destination_service_name) (rate(istio_requests_total{${MESH},connection_security_policy!="mutual_tls"}[5m]))`,
          legend: '{{destination_service_name}}',
        },
      ],
    },
  ],
};

/** Multi-tenancy: per-tenant resources against quota, and isolation signals. */
export const multiTenancy: DashboardSpec = {
  uid: 'ceres-multi-tenancy',
  title: 'CERES / Tenants',
  tags: ['ceres', 'tenants'],
  variables: [
    { name: 'tenant', label: 'Tenant namespace', query: `label_values(kube_namespace_labels{namespace=~"${TENANT_NAMESPACE_PREFIX}.*"}, namespace)` },
  ],
  panels: [
    {
      title: 'Quota used (%) by resource',
      type: 'table',
      unit: 'percentunit',
      queries: [{ expr: 'kube_resourcequota{namespace=~"$tenant",type="used"} / ignoring(type) kube_resourcequota{namespace=~"$tenant",type="hard"}' }],
      width: 24,
    },
    {
      title: 'CPU used',
      type: 'timeseries',
      queries: [{ expr: 'sum by (namespace) (rate(container_cpu_usage_seconds_total{namespace=~"$tenant",container!=""}[5m]))', legend: '{{namespace}}' }],
    },
    {
      title: 'Memory used',
      type: 'timeseries',
      unit: 'bytes',
      queries: [{ expr: 'sum by (namespace) (container_memory_working_set_bytes{namespace=~"$tenant",container!=""})', legend: '{{namespace}}' }],
    },
    {
      title: 'Requests denied by authorization policies',
      type: 'timeseries',
      unit: 'reqps',
      queries: [
        {
          expr: `sum by (destination_service_namespace) (rate(istio_requests_total{${MESH},destination_service_namespace=~"$tenant",response_code="403"}[5m]))`,
          legend: '{{destination_service_namespace}}',
        },
      ],
    },
    {
      title: 'Requests from tenant namespaces (only a tenant itself should appear)',
      type: 'timeseries',
      unit: 'reqps',
      queries: [
        {
          expr: `sum by (source_workload_namespace, destination_service_namespace) (rate(istio_requests_total{${MESH},source_workload_namespace=~"${TENANT_NAMESPACE_PREFIX}.*",destination_service_namespace=~"$tenant",response_code!="403"}[5m]))`,
          legend: '{{source_workload_namespace}} → {{destination_service_namespace}}',
        },
      ],
    },
    {
      title: 'Estimated cost per hour',
      type: 'timeseries',
      unit: 'currencyUSD',
      queries: [{ expr: 'ceres:namespace_compute_cost_hourly:sum{namespace=~"$tenant"}', legend: '{{namespace}}' }],
    },
  ],
};

/**
 * Cost of this cluster at its own cloud's prices: hourly and daily spend, per namespace and per service,
 * node cost spot vs on-demand. One per cluster (each Prometheus prices its own cluster); the
 * environment's multi-cloud total and the reserved-capacity coverage are in dist/<env>/reports/cost.md.
 */
export const cost: DashboardSpec = {
  uid: 'ceres-cost',
  title: 'CERES / Cost',
  tags: ['ceres', 'cost'],
  panels: [
    { title: 'Cost per hour (cluster)', type: 'stat', unit: 'currencyUSD', queries: [{ expr: 'ceres:cluster_cost_hourly:sum' }], width: 8 },
    { title: 'Cost per day (projected)', type: 'stat', unit: 'currencyUSD', queries: [{ expr: 'ceres:cluster_cost_hourly:sum * 24' }], width: 8 },
    { title: 'Cost per month (projected)', type: 'stat', unit: 'currencyUSD', queries: [{ expr: 'ceres:cluster_cost_hourly:sum * 730' }], width: 8 },
    {
      title: 'Hourly cost by namespace',
      type: 'timeseries',
      unit: 'currencyUSD',
      queries: [{ expr: 'topk(15, ceres:namespace_compute_cost_hourly:sum)', legend: '{{namespace}}' }],
    },
    {
      title: 'Daily cost trend',
      type: 'timeseries',
      unit: 'currencyUSD',
      queries: [{ expr: 'sum_over_time(ceres:cluster_cost_hourly:sum[1d:1h])', legend: 'last 24 h' }],
    },
    {
      title: "Hourly cost by service (requests × this cluster's unit prices)",
      type: 'timeseries',
      unit: 'currencyUSD',
      queries: [{ expr: `topk(20, ${SERVICE_COST_SERIES})`, legend: '{{namespace}}/{{service}}' }],
    },
    {
      title: 'Node cost per hour by capacity type (spot vs on-demand; clusters billed by nodes)',
      type: 'timeseries',
      unit: 'currencyUSD',
      queries: [{ expr: NODE_COST_SERIES.capacityCost, legend: '{{capacity}}' }],
    },
    {
      title: 'On-demand spend vs the committable baseline (its 30-day minimum: what Savings Plans / Reservations / CUDs could cover)',
      type: 'timeseries',
      unit: 'currencyUSD',
      queries: [
        { expr: `sum(${NODE_COST_SERIES.capacityCost}{capacity="on-demand"}) or ceres:cluster_cost_hourly:sum`, legend: 'on-demand now' },
        {
          expr: `min_over_time((sum(${NODE_COST_SERIES.capacityCost}{capacity="on-demand"}) or ceres:cluster_cost_hourly:sum)[30d:1h])`,
          legend: 'baseline (30-day minimum)',
        },
      ],
    },
    {
      title: 'Nodes by capacity type',
      type: 'timeseries',
      queries: [{ expr: `count by (capacity) (${NODE_COST_SERIES.nodeInfo})`, legend: '{{capacity}}' }],
    },
    {
      title: 'Nodes without a price (add their instance type to lib/cost/price-table.ts)',
      type: 'stat',
      queries: [{ expr: NODE_COST_SERIES.unpriced }],
      width: 8,
    },
    {
      title: 'Cost per request (USD per 1000 requests)',
      type: 'timeseries',
      unit: 'currencyUSD',
      queries: [{ expr: `ceres:cluster_cost_hourly:sum / (sum(rate(istio_requests_total{${MESH}}[1h])) * 3600) * 1000`, legend: 'cluster' }],
    },
  ],
};

export const PLATFORM_DASHBOARDS: readonly DashboardSpec[] = [clusterOverview, istioMesh, multiTenancy, cost];
