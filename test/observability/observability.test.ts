import { platform } from '../../apps/platform/platform';
import { serviceCatalog } from '../../apps/platform/services';
import { kubePrometheusStack } from '../../lib/observability/kube-prometheus-stack';
import { alertGroups } from '../../lib/observability/alert-catalog';
import { dashboardJson } from '../../lib/observability/dashboard-model';
import { PLATFORM_DASHBOARDS } from '../../lib/observability/platform-dashboards';
import { kindIs, LooseObject, renderedPlatform } from '../gitops/support';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const prod = () => renderedPlatform().envs.get('prod')!.objects;
const rules = (objects: readonly LooseObject[]) =>
  objects.filter(kindIs('PrometheusRule', 'monitoring.coreos.com')).flatMap((r) => r.manifest.spec.groups.flatMap((g: { rules: any[] }) => g.rules));

describe('alerts', () => {
  it('defines the design’s, the SLO and the tenant alerts with their severities', () => {
    const alerts = new Map(rules(prod()).filter((r) => r.alert).map((r) => [r.alert as string, r.labels.severity as string]));
    expect(Object.fromEntries(alerts)).toMatchObject({
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

  it('gives every alert a non-empty expression, summary, description and a runbook that exists', () => {
    const doc = readFileSync(join(__dirname, '../../docs/observability.md'), 'utf8');
    const all = rules(prod()).filter((r) => r.alert);
    expect(all.length).toBeGreaterThanOrEqual(15);
    for (const r of all) {
      expect(String(r.expr).trim()).not.toBe('');
      expect(['critical', 'warning', 'info']).toContain(r.labels.severity);
      expect(r.annotations.summary.trim()).not.toBe('');
      expect(r.annotations.description.trim()).not.toBe('');
      const anchor = r.alert.toLowerCase();
      expect(r.annotations.runbook_url).toBe(`https://github.com/ceres-platform/platform-manifests/blob/main/docs/observability.md#${anchor}`);
      expect(doc).toContain(`### ${r.alert}`);
    }
  });

  it('lists every alert with its severity in the README', () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    for (const r of rules(prod()).filter((x) => x.alert)) expect(readme).toContain(`| ${r.alert} | ${r.labels.severity} |`);
  });

  it('uses the thresholds of the design and the migration plan', () => {
    const expr = (name: string) => alertGroups(platform.environments[2]).flatMap((g) => g.alerts).find((a) => a.name === name)!.expr;
    expect(expr('ErrorRateCritical')).toMatch(/> 0\.05$/);
    expect(expr('HighErrorRate')).toMatch(/> 0\.001$/);
    expect(expr('HighLatency')).toMatch(/^histogram_quantile\(0\.95,.*> 100$/);
    expect(expr('HighLatencyP99')).toMatch(/^histogram_quantile\(0\.99,.*> 500$/);
    expect(expr('SlowQueries')).toMatch(/> 1$/);
    expect(expr('HighCpuUsage')).toMatch(/> 0\.8$/);
    expect(expr('CostAnomaly')).toContain('1.1 * avg_over_time');
  });

  it('labels rules and monitors so that the kube-prometheus-stack release loads them', () => {
    const values = kubePrometheusStack.values({ platform, environment: platform.environments[2], cluster: platform.environments[2].clusters[0], backups: [], services: serviceCatalog });
    const spec = values.prometheus.prometheusSpec;
    expect(spec.ruleSelectorNilUsesHelmValues).toBe(false);
    for (const kind of ['PrometheusRule', 'ServiceMonitor', 'PodMonitor']) {
      const objs = prod().filter(kindIs(kind, 'monitoring.coreos.com'));
      expect(objs.length).toBeGreaterThan(0);
      const selector = kind === 'PrometheusRule' ? spec.ruleSelector : kind === 'ServiceMonitor' ? spec.serviceMonitorSelector : spec.podMonitorSelector;
      for (const o of objs) expect(o.manifest.metadata.labels).toMatchObject(selector.matchLabels);
    }
    expect(spec.ruleSelector.matchLabels).toEqual({ release: kubePrometheusStack.releaseName });
  });
});

describe('scrape targets and dashboards', () => {
  it('scrapes every catalog service, istiod and the Envoy sidecars', () => {
    const monitors = prod().filter(kindIs('ServiceMonitor', 'monitoring.coreos.com')).map((m) => m.manifest.metadata.name);
    for (const s of serviceCatalog.services) expect(monitors).toContain(`${s.namespace}-${s.name}`);
    expect(monitors).toContain('istiod');
    const envoy = prod().filter(kindIs('PodMonitor', 'monitoring.coreos.com'))[0].manifest.spec;
    expect(envoy.podMetricsEndpoints).toEqual([expect.objectContaining({ port: 'http-envoy-prom', path: '/stats/prometheus' })]);
    expect(envoy.namespaceSelector).toEqual({ any: true });
  });

  it('ships the four dashboards as labelled ConfigMaps with deterministic JSON', () => {
    const maps = prod().filter((o) => o.manifest.kind === 'ConfigMap' && o.manifest.metadata.labels?.grafana_dashboard === '1');
    expect(maps.map((m) => m.manifest.metadata.name).sort()).toEqual(['dashboard-ceres-cluster-overview', 'dashboard-ceres-cost', 'dashboard-ceres-istio-mesh', 'dashboard-ceres-multi-tenancy']);
    for (const m of maps) {
      expect(m.manifest.metadata.annotations['argocd.argoproj.io/sync-options']).toContain('ServerSideApply=true');
      const [json] = Object.values(m.manifest.data as Record<string, string>);
      const d = JSON.parse(json);
      expect(d.panels.length).toBeGreaterThan(3);
      for (const p of d.panels) expect(p.targets.every((t: { expr: string }) => t.expr.length > 0)).toBe(true);
    }
    for (const d of PLATFORM_DASHBOARDS) expect(JSON.stringify(dashboardJson(d))).toBe(JSON.stringify(dashboardJson(d)));
  });
});
