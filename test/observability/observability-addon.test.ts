import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubernetesOidc } from '../../lib/core/cloud';
import { RenderedObject } from '../../lib/core/checks';
import { clusterPricing } from '../../lib/cost';
import { GitOpsAddOn } from '../../lib/gitops';
import { MeshAddOn } from '../../lib/mesh';
import { ObservabilityAddOn, runbookBase } from '../../lib/observability/observability-addon';
import { alertGroups, errorRatioSeries, PRICE_SERIES } from '../../lib/observability/alert-catalog';
import { dashboardJson } from '../../lib/observability/dashboard-model';
import { kubePrometheusStack } from '../../lib/observability/kube-prometheus-stack';
import { PLATFORM_DASHBOARDS } from '../../lib/observability/platform-dashboards';
import { WorkloadsAddOn } from '../../lib/workloads';
import {
  appliedBy,
  baseAddOns,
  find,
  FIXTURE_SERVICES,
  FixtureClusters,
  fixturePlatform,
  helmApp,
  helmValues,
  kindIs,
  renderAddOns,
  yamlFiles,
  yamlOf,
} from '../support/harness';

/**
 * The observability add-on: alert rules, scrape targets, dashboards and each cluster's price series,
 * and the monitoring charts (kube-prometheus-stack, Loki, promtail, Tempo, Kiali). Rendered with the
 * mesh (Kiali and the Envoy monitors follow it) on an EKS cluster, a GKE Autopilot cluster (no node
 * agents: Prometheus, no Kiali) and an edge site (no monitoring stack).
 */
const addOns = () => [...baseAddOns(), new WorkloadsAddOn(), new MeshAddOn(), new ObservabilityAddOn(), new GitOpsAddOn()];
const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.gcp, FixtureClusters.edge] });
const out = renderAddOns(addOns(), { platform });
const ENV = out.environment.name;
const aws = FixtureClusters.aws.name;
const rules = (objects: readonly RenderedObject[]) =>
  objects.filter(kindIs('PrometheusRule', 'monitoring.coreos.com')).flatMap((r) => r.manifest.spec.groups.flatMap((g: { rules: any[] }) => g.rules));
const alerts = rules(out.objects).filter((r) => r.alert);
const runsChart = (cluster: string, chart: string) =>
  appliedBy(out, cluster).some((o) => o.manifest.kind === 'Application' && o.manifest.metadata.labels?.['ceres.io/addon'] === chart);

describe('alerts', () => {
  it('defines the design’s, the SLO and the tenant alerts with their severities', () => {
    expect(Object.fromEntries(alerts.map((r) => [r.alert, r.labels.severity]))).toMatchObject({
      PodCrashLooping: 'critical',
      ErrorRateCritical: 'critical',
      DatabaseDown: 'critical',
      HighCpuUsage: 'warning',
      NodeMemoryPressure: 'warning',
      SlowQueries: 'warning',
      DeploymentRolledOut: 'info',
      BackupCompleted: 'info',
      CostThresholdExceeded: 'info',
      HighErrorRate: 'warning',
      HighLatency: 'warning',
      HighLatencyP99: 'warning',
      CostAnomaly: 'warning',
      TenantQuotaAlmostFull: 'warning',
      CertificateExpiringSoon: 'warning',
    });
  });

  it('gives every alert an expression, summary, description and a runbook anchor that exists in docs/observability.md', () => {
    const doc = readFileSync(join(__dirname, '../../docs/observability.md'), 'utf8');
    expect(alerts.length).toBeGreaterThanOrEqual(15);
    const base = runbookBase(out.platform.gitops.repoURL, out.platform.gitops.targetRevision);
    for (const r of alerts) {
      expect(String(r.expr).trim()).not.toBe('');
      expect(['critical', 'warning', 'info']).toContain(r.labels.severity);
      expect(r.annotations.summary.trim()).not.toBe('');
      expect(r.annotations.description.trim()).not.toBe('');
      expect(r.annotations.runbook_url).toBe(`${base}#${r.alert.toLowerCase()}`);
      expect(doc).toContain(`### ${r.alert}`);
    }
    expect(runbookBase('https://github.com/o/r.git', 'main')).toBe('https://github.com/o/r/blob/main/docs/observability.md');
  });

  it('lists every alert with its severity in the README', () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    for (const r of alerts) expect(readme).toContain(`| ${r.alert} | ${r.labels.severity} |`);
  });

  it('uses the thresholds of the design and the migration plan', () => {
    const expr = (name: string) =>
      alertGroups(out.environment)
        .flatMap((g) => g.alerts)
        .find((a) => a.name === name)!.expr;
    expect(expr('ErrorRateCritical')).toMatch(/> 0\.05$/);
    expect(expr('HighErrorRate')).toMatch(/> 0\.001$/);
    expect(expr('HighLatency')).toMatch(/^histogram_quantile\(0\.95,.*> 100$/);
    expect(expr('HighLatencyP99')).toMatch(/^histogram_quantile\(0\.99,.*> 500$/);
    expect(expr('SlowQueries')).toMatch(/> 1$/);
    expect(expr('HighCpuUsage')).toMatch(/> 0\.8$/);
    expect(expr('CostAnomaly')).toContain('1.1 * avg_over_time');
    // The migration plan's capacity SLOs: restarts 0, CPU < 70 %, memory < 75 %, disk < 80 %.
    expect(expr('PodRestarted')).toMatch(/^increase\(kube_pod_container_status_restarts_total\[15m\]\) > 0$/);
    expect(expr('ClusterCpuAboveSlo')).toMatch(/node_cpu_seconds_total\{mode="idle"\}.* > 0\.7$/);
    expect(expr('ClusterMemoryAboveSlo')).toMatch(/MemAvailable_bytes.*MemTotal_bytes\) > 0\.75$/);
    expect(expr('VolumeAboveSlo')).toMatch(/kubelet_volume_stats_used_bytes \/ kubelet_volume_stats_capacity_bytes > 0\.8$/);
    expect(expr('NodeDiskAboveSlo')).toMatch(/node_filesystem_avail_bytes.* > 0\.8$/);
    expect(expr('AuthenticationFailuresSpike')).toContain('response_code="401"');
    // The design's drift monitoring: what selfHeal cannot revert.
    expect(expr('ArgoCdApplicationOutOfSync')).toBe('argocd_app_info{sync_status="OutOfSync"} == 1');
  });

  it('pairs a long and a short burn-rate window at 14.4x and 6x the 0.1% budget, over recorded error ratios', () => {
    const group = find(out, 'PrometheusRule', 'ceres-alerts', 'monitoring').spec.groups.find((g: any) => g.name === 'ceres-slo-burn');
    const recorded = new Set(group.rules.filter((r: any) => r.record).map((r: any) => r.record));
    for (const w of ['5m', '30m', '1h', '6h'] as const) expect(recorded).toContain(errorRatioSeries(w));
    const fast = group.rules.find((r: any) => r.alert === 'ErrorBudgetBurnFast');
    expect(fast.expr).toBe(`${errorRatioSeries('1h')} > 0.0144 and ${errorRatioSeries('5m')} > 0.0144`);
    expect(fast.labels.severity).toBe('critical');
    expect(group.rules.find((r: any) => r.alert === 'ErrorBudgetBurnSlow').expr).toContain(errorRatioSeries('6h'));
  });

  it('labels rules and monitors so that the kube-prometheus-stack release loads them', () => {
    const spec = helmValues(out, aws, 'kube-prometheus-stack').prometheus.prometheusSpec;
    expect(spec.ruleSelectorNilUsesHelmValues).toBe(false);
    for (const kind of ['PrometheusRule', 'ServiceMonitor', 'PodMonitor']) {
      const objs = out.objects.filter(kindIs(kind, 'monitoring.coreos.com'));
      expect(objs.length).toBeGreaterThan(0);
      const selector = kind === 'PrometheusRule' ? spec.ruleSelector : kind === 'ServiceMonitor' ? spec.serviceMonitorSelector : spec.podMonitorSelector;
      for (const o of objs) expect(o.manifest.metadata.labels).toMatchObject(selector.matchLabels);
    }
    expect(spec.ruleSelector.matchLabels).toEqual({ release: kubePrometheusStack.releaseName });
  });
});

describe('cost series per cloud', () => {
  it("prices every cluster that runs Prometheus at its own cloud's list prices, which the shared cost rules read", () => {
    let priced = 0;
    for (const cluster of platform.environments[0].clusters) {
      const objects = appliedBy(out, cluster.name).map((o) => o.manifest);
      const runsPrometheus = runsChart(cluster.name, 'kube-prometheus-stack');
      const prices = objects.filter((m) => m.kind === 'PrometheusRule' && m.metadata.name === 'ceres-prices');
      expect({ cluster: cluster.name, prices: prices.length }).toEqual({ cluster: cluster.name, prices: runsPrometheus ? 1 : 0 });
      if (!runsPrometheus) continue;
      priced++;
      const series = new Map(prices[0].spec.groups[0].rules.map((r: any) => [r.record, r.expr]));
      // The cluster's own cloud and region (lib/cost/cluster-pricing.ts), rounded to 6 significant digits.
      const vcpuHour = Number(/^vector\((.+)\)$/.exec(series.get(PRICE_SERIES.vcpuHour) as string)![1]);
      expect(vcpuHour).toBeCloseTo(clusterPricing(cluster).unit.vcpuHour, 6);
      const cost = objects.find((m) => m.kind === 'PrometheusRule' && m.metadata.name === 'ceres-alerts')!;
      expect(JSON.stringify(cost.spec)).toContain(PRICE_SERIES.vcpuHour);
    }
    expect(priced).toBe(2);
  });
});

describe('scrape targets and dashboards', () => {
  it('scrapes every catalog service, istiod and the Envoy sidecars', () => {
    const monitors = out.objects.filter(kindIs('ServiceMonitor', 'monitoring.coreos.com')).map((m) => m.manifest.metadata.name);
    for (const s of FIXTURE_SERVICES.services) expect(monitors).toContain(`${s.namespace}-${s.name}`);
    expect(monitors).toContain('istiod');
    const envoy = out.objects.filter(kindIs('PodMonitor', 'monitoring.coreos.com'))[0].manifest.spec;
    expect(envoy.podMetricsEndpoints).toEqual([expect.objectContaining({ port: 'http-envoy-prom', path: '/stats/prometheus' })]);
    expect(envoy.namespaceSelector).toEqual({ any: true });
  });

  it('ships the four dashboards as labelled ConfigMaps with deterministic JSON, applied server-side', () => {
    const maps = out.objects.filter((o) => o.manifest.kind === 'ConfigMap' && o.manifest.metadata.labels?.grafana_dashboard === '1');
    expect(maps.map((m) => m.manifest.metadata.name).sort()).toEqual([
      'dashboard-ceres-cluster-overview',
      'dashboard-ceres-cost',
      'dashboard-ceres-istio-mesh',
      'dashboard-ceres-multi-tenancy',
    ]);
    for (const m of maps) {
      expect(m.manifest.metadata.annotations!['argocd.argoproj.io/sync-options']).toContain('ServerSideApply=true');
      const [json] = Object.values(m.manifest.data as Record<string, string>);
      const d = JSON.parse(json);
      expect(d.panels.length).toBeGreaterThan(3);
      for (const p of d.panels) expect(p.targets.every((t: { expr: string }) => t.expr.length > 0)).toBe(true);
    }
    for (const d of PLATFORM_DASHBOARDS) expect(JSON.stringify(dashboardJson(d))).toBe(JSON.stringify(dashboardJson(d)));
  });
});

describe('the monitoring charts', () => {
  it('run where the profile allows: the stack on full clusters, Kiali and promtail only where node agents run too', () => {
    const expected: Record<string, string[]> = {
      [aws]: ['kiali', 'kube-prometheus-stack', 'loki', 'promtail', 'tempo'],
      [FixtureClusters.gcp.name]: ['kube-prometheus-stack', 'loki', 'tempo'],
      [FixtureClusters.edge.name]: [],
    };
    for (const [cluster, charts] of Object.entries(expected)) {
      expect({ cluster, charts: ['kiali', 'kube-prometheus-stack', 'loki', 'promtail', 'tempo'].filter((c) => runsChart(cluster, c)) }).toEqual({
        cluster,
        charts,
      });
    }
  });

  it('run Kiali read-only behind the platform realm, its client secret from the bootstrap, next to the mesh', () => {
    expect(runsChart(aws, 'istiod')).toBe(true);
    const v = helmValues(out, aws, 'kiali');
    expect(v.deployment.view_only_mode).toBe(true);
    expect(v.auth).toMatchObject({ strategy: 'openid', openid: { issuer_uri: kubernetesOidc(out.environment).issuerUrl } });
    expect(JSON.stringify(v)).not.toMatch(/client_secret/);
    expect(out.files.get(`${ENV}/clusters/${aws}/bootstrap/README.md`)).toContain(`create secret generic ${v.deployment.secret_name}`);
  });
});

describe('the YAML', () => {
  it('matches the reviewed rules, monitors, price series and monitoring charts of the EKS cluster', () => {
    expect(yamlFiles(out, new RegExp(`^${ENV}/(observability/(alerts|monitors)\\.yaml|clusters/${aws}/cost-prices/)`))).toMatchSnapshot();
    expect(yamlOf(['kube-prometheus-stack', 'loki', 'promtail', 'tempo', 'kiali'].map((c) => helmApp(out, aws, c)))).toMatchSnapshot();
  });
});
