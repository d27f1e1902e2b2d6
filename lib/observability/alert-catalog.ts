import { ClusterConfig, EnvironmentConfig, PlatformConfig } from '../core/model';
import { TENANT_NAMESPACE_PREFIX } from '../core/names';
import { PLATFORM_NAMESPACE_NAMES } from '../core/namespaces';
import { clusterCostRecordings, HOURS_PER_MONTH, MONTHLY_BUDGET, PRICE_SERIES, serviceCostRecording } from '../cost';

export { PRICE_SERIES };

export type AlertSeverity = 'critical' | 'warning' | 'info';

/** One alert of the platform, with everything an on-call engineer needs to act on it. */
export interface AlertDefinition {
  /** Alert name (PascalCase; also the runbook anchor, lowercased). */
  readonly name: string;
  /** How urgent, as the `severity` label Alertmanager routes on: `critical` pages (where a pager is set up), `warning` and `info` go to chat. */
  readonly severity: AlertSeverity;
  /** PromQL expression; the alert fires for every series it returns. */
  readonly expr: string;
  /** How long the condition must hold (Prometheus duration). */
  readonly for: string;
  /** One line for the notification title; may use {{ $labels.x }}. */
  readonly summary: string;
  /** What it means and what to look at; may use {{ $labels.x }} and {{ $value }}. */
  readonly description: string;
}

/** A recording rule (precomputed series other rules and dashboards read). */
export interface RecordingDefinition {
  /** Name of the recorded series (`level:metric:operations`, `ceres:namespace_compute_cost_hourly:sum`). */
  readonly record: string;
  /** PromQL expression whose result is recorded. */
  readonly expr: string;
}

/** Alert groups, each rendered as one rule group. */
export interface AlertGroup {
  /** Rule group name (Prometheus evaluates a group's rules in order). */
  readonly name: string;
  /** Recording rules, evaluated before the group's alerts. @default [] */
  readonly recordings?: readonly RecordingDefinition[];
  /** The group's alerts. */
  readonly alerts: readonly AlertDefinition[];
}

const ISTIO_REQUESTS = 'istio_requests_total{reporter="destination"}';
const BY_SERVICE = 'destination_service_namespace, destination_service_name';

function errorRatio(window = '5m'): string {
  return (
    `sum by (${BY_SERVICE}) (rate(istio_requests_total{reporter="destination",response_code=~"5.."}[${window}]))` +
    ` / sum by (${BY_SERVICE}) (rate(${ISTIO_REQUESTS}[${window}]))`
  );
}

/** The availability SLO's error budget: 0.1 % of requests (99.9 % availability over 30 days). */
export const SLO_ERROR_BUDGET = 0.001;
/** The error ratio at which the budget burns `rate` times too fast (`14.4` → `0.0144`, without float noise). */
export function burnThreshold(rate: number): number {
  return Number((rate * SLO_ERROR_BUDGET).toPrecision(6));
}
/** Windows of the burn-rate alerts (long and short of each pair). */
const BURN_WINDOWS = ['5m', '30m', '1h', '6h'] as const;
/** The recorded error ratio of a window (`ceres:service_error_ratio:rate1h`). */
export function errorRatioSeries(window: (typeof BURN_WINDOWS)[number]): string {
  return `ceres:service_error_ratio:rate${window}`;
}

function latencyQuantile(q: number): string {
  return `histogram_quantile(${q}, sum by (le, ${BY_SERVICE}) (rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[5m])))`;
}

/** Namespaces whose pods are the platform's, for cost attribution. */
const platformNamespaceRegex = PLATFORM_NAMESPACE_NAMES.join('|');

/**
 * The design's alerts (critical: CrashLoopBackOff, error rate > 5 %, database down; warning: CPU >
 * 80 %, memory pressure, slow queries > 1 s; info: deployment, backup completed, cost threshold),
 * the migration plan's SLO alerts (HighErrorRate > 0.1 %, HighLatency p95 > 100 ms, p99 > 500 ms,
 * CostAnomaly > 110 % of the recent average), and tenant alerts (quota almost full, certificates
 * expiring). Cost series are priced with each cluster's own cloud (lib/cost/price-table.ts, through
 * the price series of the cluster's `cost-prices` folder).
 */
export function alertGroups(env: EnvironmentConfig): AlertGroup[] {
  const budget = MONTHLY_BUDGET[env.name] ?? MONTHLY_BUDGET.prod;
  // Unit prices are series of the cluster's own cloud (cluster folder `cost-prices`, pricesOf below):
  // the same rules price AWS, Azure and GCP clusters each at their own rates.
  const price = (name: keyof typeof PRICE_SERIES) => `on() group_left() ${PRICE_SERIES[name]}`;
  const cpuCost = `sum by (namespace) (kube_pod_container_resource_requests{resource="cpu"}) * ${price('vcpuHour')}`;
  const memCost = `sum by (namespace) (kube_pod_container_resource_requests{resource="memory"}) / 1073741824 * ${price('memoryGibHour')}`;
  const diskCost = `sum by (namespace) (kube_persistentvolumeclaim_resource_requests_storage_bytes) / 1073741824 * ${price('storageGibHour')}`;

  return [
    {
      name: 'ceres-critical',
      alerts: [
        {
          name: 'PodCrashLooping',
          severity: 'critical',
          expr: 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]) >= 1',
          for: '5m',
          summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} is in CrashLoopBackOff',
          description:
            'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} keeps crashing. Check `kubectl logs --previous` and recent rollouts.',
        },
        {
          name: 'ErrorRateCritical',
          severity: 'critical',
          expr: `${errorRatio()} > 0.05`,
          for: '5m',
          summary: 'More than 5% of requests to {{ $labels.destination_service_name }} fail',
          description:
            '{{ $value | humanizePercentage }} of requests to {{ $labels.destination_service_namespace }}/{{ $labels.destination_service_name }} answered 5xx over 5 minutes.',
        },
        {
          name: 'DatabaseDown',
          severity: 'critical',
          expr: 'cnpg_collector_up == 0',
          for: '1m',
          summary: 'PostgreSQL instance {{ $labels.namespace }}/{{ $labels.pod }} is down',
          description:
            'The CloudNativePG exporter cannot reach PostgreSQL in {{ $labels.pod }}. Check `kubectl cnpg status` for the cluster and the instance logs.',
        },
      ],
    },
    {
      name: 'ceres-warning',
      alerts: [
        {
          name: 'HighCpuUsage',
          severity: 'warning',
          expr: '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) > 0.8',
          for: '15m',
          summary: 'Node {{ $labels.instance }} uses more than 80% CPU',
          description: 'CPU of {{ $labels.instance }} is at {{ $value | humanizePercentage }}. Check the right-sizing recommendations and the autoscaler.',
        },
        {
          name: 'NodeMemoryPressure',
          severity: 'warning',
          expr: 'kube_node_status_condition{condition="MemoryPressure",status="true"} == 1',
          for: '5m',
          summary: 'Node {{ $labels.node }} is under memory pressure',
          description: 'The kubelet of {{ $labels.node }} reports MemoryPressure and may evict pods.',
        },
        {
          name: 'ArgoCdApplicationOutOfSync',
          severity: 'warning',
          expr: 'argocd_app_info{sync_status="OutOfSync"} == 1',
          for: '30m',
          summary: 'Application {{ $labels.name }} differs from git for 30 minutes',
          description:
            'Argo CD heals drift at once (selfHeal); an Application that stays OutOfSync cannot be healed: a sync fails, a field is owned by a controller, or someone edits it faster than Argo CD reverts. `argocd app diff {{ $labels.name }}` shows what differs.',
        },
        {
          name: 'SlowQueries',
          severity: 'warning',
          expr: 'cnpg_backends_max_tx_duration_seconds > 1',
          for: '5m',
          summary: 'Queries slower than 1 s on {{ $labels.namespace }}/{{ $labels.pod }}',
          description: 'The longest running transaction on {{ $labels.pod }} has been open {{ $value | humanizeDuration }}.',
        },
      ],
    },
    {
      name: 'ceres-info',
      recordings: [
        { record: 'ceres:namespace_compute_cost_hourly:sum', expr: `${cpuCost} + ${memCost}` },
        { record: 'ceres:namespace_storage_cost_hourly:sum', expr: diskCost },
        {
          record: 'ceres:cluster_cost_hourly:sum',
          expr: 'sum(ceres:namespace_compute_cost_hourly:sum) + (sum(ceres:namespace_storage_cost_hourly:sum) or vector(0))',
        },
        serviceCostRecording(),
        { record: 'ceres:platform_cost_hourly:sum', expr: `sum(ceres:namespace_compute_cost_hourly:sum{namespace=~"${platformNamespaceRegex}"})` },
      ],
      alerts: [
        {
          name: 'DeploymentRolledOut',
          severity: 'info',
          expr: 'changes(kube_deployment_status_observed_generation[10m]) > 0 and kube_deployment_status_replicas_updated == kube_deployment_spec_replicas',
          for: '0m',
          summary: 'Deployment {{ $labels.namespace }}/{{ $labels.deployment }} rolled out',
          description: 'A new generation of {{ $labels.deployment }} is fully rolled out.',
        },
        {
          name: 'BackupCompleted',
          severity: 'info',
          expr: 'increase(velero_backup_success_total[1h]) > 0',
          for: '0m',
          summary: 'Backup schedule {{ $labels.schedule }} completed',
          description: 'Velero finished {{ $value }} backup(s) of schedule {{ $labels.schedule }} in the last hour.',
        },
        {
          name: 'CostThresholdExceeded',
          severity: 'info',
          expr: `ceres:cluster_cost_hourly:sum * ${HOURS_PER_MONTH} > ${budget}`,
          for: '1h',
          summary: `Projected monthly cost above the ${env.name} budget of ${budget} USD`,
          description: 'Requested capacity projects to {{ $value | humanize }} USD a month. See the cost dashboard and dist/' + env.name + '/reports/cost.md.',
        },
      ],
    },
    {
      // Multi-window, multi-burn-rate alerts on the 99.9 % availability SLO (Google SRE workbook,
      // "Alerting on SLOs"): page when 2 % of the 30-day error budget burns in an hour (14.4×) or 5 %
      // in six hours (6×), each confirmed by a short window so the alert resets quickly.
      name: 'ceres-slo-burn',
      recordings: BURN_WINDOWS.map((w) => ({ record: errorRatioSeries(w), expr: errorRatio(w) })),
      alerts: [
        {
          name: 'ErrorBudgetBurnFast',
          severity: 'critical',
          expr: `${errorRatioSeries('1h')} > ${burnThreshold(14.4)} and ${errorRatioSeries('5m')} > ${burnThreshold(14.4)}`,
          for: '2m',
          summary: '{{ $labels.destination_service_name }} burns its error budget 14.4x too fast',
          description:
            'At this rate {{ $labels.destination_service_namespace }}/{{ $labels.destination_service_name }} spends 2% of its 30-day budget (99.9% availability) in an hour.',
        },
        {
          name: 'ErrorBudgetBurnSlow',
          severity: 'critical',
          expr: `${errorRatioSeries('6h')} > ${burnThreshold(6)} and ${errorRatioSeries('30m')} > ${burnThreshold(6)}`,
          for: '15m',
          summary: '{{ $labels.destination_service_name }} burns its error budget 6x too fast',
          description:
            'At this rate {{ $labels.destination_service_namespace }}/{{ $labels.destination_service_name }} spends 5% of its 30-day budget (99.9% availability) in six hours.',
        },
      ],
    },
    {
      name: 'ceres-slo',
      alerts: [
        {
          name: 'HighErrorRate',
          severity: 'warning',
          expr: `${errorRatio()} > 0.001`,
          for: '5m',
          summary: 'Error rate of {{ $labels.destination_service_name }} above the 0.1% SLO',
          description:
            '{{ $value | humanizePercentage }} of requests to {{ $labels.destination_service_namespace }}/{{ $labels.destination_service_name }} fail (SLO: below 0.1%).',
        },
        {
          name: 'HighLatency',
          severity: 'warning',
          expr: `${latencyQuantile(0.95)} > 100`,
          for: '5m',
          summary: 'p95 latency of {{ $labels.destination_service_name }} above 100 ms',
          description: 'p95 latency is {{ $value }} ms (SLO: below 100 ms).',
        },
        {
          name: 'HighLatencyP99',
          severity: 'warning',
          expr: `${latencyQuantile(0.99)} > 500`,
          for: '5m',
          summary: 'p99 latency of {{ $labels.destination_service_name }} above 500 ms',
          description: 'p99 latency is {{ $value }} ms (SLO: below 500 ms; Flagger rolls canaries back above it).',
        },
        // The migration plan's capacity SLOs: pod restarts 0, CPU < 70 %, memory < 75 %, disk < 80 %.
        {
          name: 'PodRestarted',
          severity: 'warning',
          expr: 'increase(kube_pod_container_status_restarts_total[15m]) > 0',
          for: '0m',
          summary: 'Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} restarted',
          description:
            'It restarted {{ $value | humanize }} time(s) in 15 minutes (SLO: no restarts). `kubectl describe pod` shows the last state (OOMKilled, failed probe, exit code); `kubectl logs --previous` the output before it.',
        },
        {
          name: 'ClusterCpuAboveSlo',
          severity: 'warning',
          expr: '1 - avg(rate(node_cpu_seconds_total{mode="idle"}[30m])) > 0.7',
          for: '30m',
          summary: 'Cluster CPU utilisation above the 70% SLO',
          description:
            'The nodes use {{ $value | humanizePercentage }} of their CPU over 30 minutes (SLO: below 70%). Check the autoscaler and the right-sizing report.',
        },
        {
          name: 'ClusterMemoryAboveSlo',
          severity: 'warning',
          expr: '1 - sum(node_memory_MemAvailable_bytes) / sum(node_memory_MemTotal_bytes) > 0.75',
          for: '30m',
          summary: 'Cluster memory utilisation above the 75% SLO',
          description:
            'The nodes use {{ $value | humanizePercentage }} of their memory (SLO: below 75%). Check the autoscaler and the pods with the largest working sets.',
        },
        {
          name: 'VolumeAboveSlo',
          severity: 'warning',
          expr: 'kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes > 0.8',
          for: '15m',
          summary: 'Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} more than 80% full',
          description:
            'It is {{ $value | humanizePercentage }} full (SLO: below 80%). Expand the claim (the StorageClasses allow expansion) or clean up; databases need WAL headroom.',
        },
        {
          name: 'NodeDiskAboveSlo',
          severity: 'warning',
          expr: '1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs",mountpoint="/"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs",mountpoint="/"} > 0.8',
          for: '15m',
          summary: 'Root disk of {{ $labels.instance }} more than 80% full',
          description:
            'It is {{ $value | humanizePercentage }} full (SLO: below 80%); the kubelet garbage-collects images above 85% and evicts pods when less than 10% is free (its defaults). Look for large images and logs.',
        },
        {
          name: 'AuthenticationFailuresSpike',
          severity: 'warning',
          expr:
            'sum by (destination_service_namespace) (rate(istio_requests_total{reporter="destination",response_code="401"}[5m])) > 1' +
            ' and sum by (destination_service_namespace) (rate(istio_requests_total{reporter="destination",response_code="401"}[5m]))' +
            ' > 5 * (sum by (destination_service_namespace) (rate(istio_requests_total{reporter="destination",response_code="401"}[6h] offset 5m)) + 0.01)',
          for: '10m',
          summary: 'Failed authentications to {{ $labels.destination_service_namespace }} spike',
          description:
            '{{ $value | humanize }} requests per second are refused with 401 (no or invalid token), over five times the rate of the previous six hours: a broken client, an expired signing key in the realm, or credential stuffing. Check the ingress access logs for the source.',
        },
        {
          name: 'CostAnomaly',
          severity: 'warning',
          expr: 'ceres:cluster_cost_hourly:sum > 1.1 * avg_over_time(ceres:cluster_cost_hourly:sum[7d])',
          for: '15m',
          summary: 'Hourly cost more than 10% above its 7-day average',
          description: 'The cluster’s hourly cost is {{ $value | humanize }} USD, over 110% of its average of the last 7 days.',
        },
      ],
    },
    {
      name: 'ceres-tenants',
      alerts: [
        {
          name: 'TenantQuotaAlmostFull',
          severity: 'warning',
          expr: `kube_resourcequota{namespace=~"${TENANT_NAMESPACE_PREFIX}.*",type="used"} / ignoring(type) kube_resourcequota{namespace=~"${TENANT_NAMESPACE_PREFIX}.*",type="hard"} > 0.9`,
          for: '15m',
          summary: 'Tenant {{ $labels.namespace }} uses more than 90% of its {{ $labels.resource }} quota',
          description:
            '{{ $labels.namespace }} is at {{ $value | humanizePercentage }} of its {{ $labels.resource }} quota; new pods will be rejected when it is full. Offer the next tier or right-size.',
        },
        {
          name: 'CertificateExpiringSoon',
          severity: 'warning',
          expr: 'certmanager_certificate_expiration_timestamp_seconds - time() < 14 * 24 * 3600',
          for: '1h',
          summary: 'Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than 14 days',
          description:
            'cert-manager has not renewed {{ $labels.name }}; check the Certificate and its ClusterIssuer (HTTP-01 challenges through the ingress gateway).',
        },
        {
          name: 'CertificateExpiryCritical',
          severity: 'critical',
          expr: 'certmanager_certificate_expiration_timestamp_seconds - time() < 3 * 24 * 3600',
          for: '10m',
          summary: 'Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than 3 days',
          description: 'Renewal is failing; clients will see TLS errors when it expires.',
        },
      ],
    },
  ];
}

/**
 * The price and node-cost recording rules of one cluster, priced at its own cloud and region
 * (lib/cost: price table, cluster pricing, cost rules).
 */
export function priceGroup(cluster: ClusterConfig, platform?: PlatformConfig): AlertGroup {
  return { name: 'ceres-prices', recordings: clusterCostRecordings(cluster, platform), alerts: [] };
}
