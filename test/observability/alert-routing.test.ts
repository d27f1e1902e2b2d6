import { platform } from '../../apps/platform/platform';
import { BootstrapFacts } from '../../lib/core/cloud';
import { defaultSynthesis } from '../support/synthesis-cache';

/** The Alertmanager values of every cluster's kube-prometheus-stack Application. */
function alertmanagers(): { env: string; cluster: string; am: any }[] {
  const out: { env: string; cluster: string; am: any }[] = [];
  for (const e of defaultSynthesis().environments) {
    for (const [cluster, objects] of e.view.clusters) {
      const app = objects.find((o) => o.manifest.kind === 'Application' && o.manifest.metadata.labels?.['ceres.io/addon'] === 'kube-prometheus-stack');
      if (app) out.push({ env: e.name, cluster, am: (app.manifest as any).spec.source.helm.valuesObject.alertmanager });
    }
  }
  return out;
}

describe('Alertmanager routing', () => {
  it('runs on every cluster that runs Prometheus, with receivers for every route', () => {
    const all = alertmanagers();
    expect(all.length).toBeGreaterThan(0);
    for (const { am } of all) {
      const names = new Set(am.config.receivers.map((r: { name: string }) => r.name));
      const routes = [am.config.route, ...am.config.route.routes];
      for (const r of routes) expect(names).toContain(r.receiver);
    }
  });

  it('reads every credential from the mounted bootstrap Secret, never inline', () => {
    for (const { am } of alertmanagers()) {
      expect(am.alertmanagerSpec.secrets).toEqual([BootstrapFacts.alertmanagerReceiversSecret]);
      const text = JSON.stringify(am.config.receivers);
      expect(text).not.toMatch(/"(url|routing_key|api_url|service_key)":/);
      for (const [, v] of text.matchAll(/_file":"([^"]+)"/g)) expect(v.startsWith(`/etc/alertmanager/secrets/${BootstrapFacts.alertmanagerReceiversSecret}/`)).toBe(true);
    }
  });

  it('pages on critical alerts in production only, routes tenants\' alerts to the tenant webhook, and inhibits warnings under a critical', () => {
    for (const { env, am } of alertmanagers()) {
      const critical = am.config.route.routes.find((r: any) => r.matchers.includes('severity = "critical"'));
      expect(critical.receiver).toBe(env === 'prod' ? 'platform-pager' : 'platform-chat');
      expect(am.config.route.routes.find((r: any) => r.receiver === 'tenants').matchers).toEqual(['namespace =~ "tenant-.*"']);
      expect(am.config.inhibit_rules[0]).toMatchObject({ source_matchers: ['severity = "critical"'], equal: ['alertname', 'namespace'] });
    }
    expect(platform.environments.map((e) => e.name)).toContain('prod');
  });
});

describe('cost series per cloud', () => {
  it('prices every cluster that runs Prometheus at its own cloud\'s list prices, which the shared cost rules read', () => {
    const { PRICE_TABLE } = require('../../lib/cost/price-table');
    const { PRICE_SERIES } = require('../../lib/observability/alert-catalog');
    for (const env of platform.environments) {
      const rendered = defaultSynthesis().environments.find((e) => e.name === env.name)!;
      for (const cluster of env.clusters) {
        const objects = rendered.view.clusters.get(cluster.name)!.map((o) => o.manifest as any);
        const runsPrometheus = objects.some((m) => m.kind === 'Application' && m.metadata.labels?.['ceres.io/addon'] === 'kube-prometheus-stack');
        const prices = objects.filter((m) => m.kind === 'PrometheusRule' && m.metadata.name === 'ceres-prices');
        expect(prices.length).toBe(runsPrometheus ? 1 : 0);
        if (!runsPrometheus) continue;
        const rules = new Map(prices[0].spec.groups[0].rules.map((r: any) => [r.record, r.expr]));
        expect(rules.get(PRICE_SERIES.vcpuHour)).toBe(`vector(${PRICE_TABLE[cluster.cloud].vcpuHour})`);
        const cost = objects.find((m) => m.kind === 'PrometheusRule' && m.metadata.name === 'ceres-alerts');
        expect(JSON.stringify(cost.spec)).toContain(PRICE_SERIES.vcpuHour);
      }
    }
  });
});

describe('Kiali', () => {
  it('runs read-only behind the platform realm where the mesh and Prometheus run, its client secret from the bootstrap', () => {
    const { kubernetesOidc } = require('../../lib/core/cloud');
    let seen = 0;
    for (const e of defaultSynthesis().environments) {
      for (const [cluster, objects] of e.view.clusters) {
        const addon = (name: string) => objects.find((o) => o.manifest.kind === 'Application' && o.manifest.metadata.labels?.['ceres.io/addon'] === name)?.manifest as any;
        const k = addon('kiali');
        expect({ cluster, kiali: Boolean(k) }).toEqual({ cluster, kiali: Boolean(addon('kube-prometheus-stack')) && objects.some((o) => o.manifest.kind === 'Application' && (o.manifest as any).spec.source?.chart === 'istiod') });
        if (!k) continue;
        seen++;
        const v = k.spec.source.helm.valuesObject;
        expect(v.deployment.view_only_mode).toBe(true);
        expect(v.auth).toMatchObject({ strategy: 'openid', openid: { issuer_uri: kubernetesOidc(platform).issuerUrl } });
        expect(JSON.stringify(v)).not.toMatch(/client_secret/);
        expect(e.files.get(`${e.name}/clusters/${cluster}/bootstrap/README.md`)).toContain(`create secret generic ${v.deployment.secret_name}`);
      }
    }
    expect(seen).toBeGreaterThan(0);
  });
});

describe('SLO burn-rate alerts', () => {
  it('pair a long and a short window at 14.4x and 6x the 0.1% budget, over recorded error ratios', () => {
    const { errorRatioSeries } = require('../../lib/observability/alert-catalog');
    const rules = defaultSynthesis().environments.find((e) => e.name === 'prod')!.objects.find((o) => o.manifest.kind === 'PrometheusRule' && o.manifest.metadata.name === 'ceres-alerts')!.manifest as any;
    const group = rules.spec.groups.find((g: any) => g.name === 'ceres-slo-burn');
    const recorded = new Set(group.rules.filter((r: any) => r.record).map((r: any) => r.record));
    for (const w of ['5m', '30m', '1h', '6h']) expect(recorded).toContain(errorRatioSeries(w));
    const fast = group.rules.find((r: any) => r.alert === 'ErrorBudgetBurnFast');
    expect(fast.expr).toBe(`${errorRatioSeries('1h')} > 0.0144 and ${errorRatioSeries('5m')} > 0.0144`);
    expect(fast.labels.severity).toBe('critical');
    expect(group.rules.find((r: any) => r.alert === 'ErrorBudgetBurnSlow').expr).toContain(errorRatioSeries('6h'));
  });
});
