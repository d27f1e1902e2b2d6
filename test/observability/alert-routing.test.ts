import { BootstrapFacts } from '../../lib/core/cloud';
import { GitOpsAddOn } from '../../lib/gitops';
import { alertmanagerConfig } from '../../lib/observability/alert-routing';
import { ObservabilityAddOn } from '../../lib/observability';
import { baseAddOns, FixtureClusters, fixturePlatform, helmValues, NO_SERVICES, renderAddOns } from '../support/harness';

/** Alertmanager routing (lib/observability/alert-routing.ts), as the kube-prometheus-stack values of each cluster carry it. */
const addOns = () => [...baseAddOns(), new ObservabilityAddOn(), new GitOpsAddOn()];
const clusters = [FixtureClusters.aws, FixtureClusters.gcp];
const alertmanagers = (['staging', 'prod'] as const).flatMap((env) => {
  const out = renderAddOns(addOns(), { platform: fixturePlatform({ env, clusters }), services: NO_SERVICES });
  return clusters.map((c) => ({ env, cluster: c.name, am: helmValues(out, c.name, 'kube-prometheus-stack').alertmanager }));
});

describe('Alertmanager routing', () => {
  it('runs on every cluster that runs Prometheus, with a receiver for every route', () => {
    expect(alertmanagers).toHaveLength(4);
    for (const { am } of alertmanagers) {
      const names = new Set(am.config.receivers.map((r: { name: string }) => r.name));
      for (const r of [am.config.route, ...am.config.route.routes]) expect(names).toContain(r.receiver);
    }
  });

  it('reads every credential from the mounted bootstrap Secret, never inline', () => {
    for (const { am } of alertmanagers) {
      expect(am.alertmanagerSpec.secrets).toEqual([BootstrapFacts.alertmanagerReceiversSecret]);
      const text = JSON.stringify(am.config.receivers);
      expect(text).not.toMatch(/"(url|routing_key|api_url|service_key)":/);
      const files = [...text.matchAll(/_file":"([^"]+)"/g)].map((m) => m[1]);
      expect(files.length).toBeGreaterThan(0);
      for (const v of files) expect(v.startsWith(`/etc/alertmanager/secrets/${BootstrapFacts.alertmanagerReceiversSecret}/`)).toBe(true);
    }
  });

  it("pages on critical alerts in production only, routes tenants' alerts to the tenant webhook, and inhibits warnings under a critical", () => {
    for (const { env, am } of alertmanagers) {
      const critical = am.config.route.routes.find((r: any) => r.matchers.includes('severity = "critical"'));
      expect({ env, receiver: critical.receiver }).toEqual({ env, receiver: env === 'prod' ? 'platform-pager' : 'platform-chat' });
      expect(am.config.route.routes.find((r: any) => r.receiver === 'tenants').matchers).toEqual(['namespace =~ "tenant-.*"']);
      expect(am.config.inhibit_rules[0]).toMatchObject({ source_matchers: ['severity = "critical"'], equal: ['alertname', 'namespace'] });
    }
  });

  it('labels pages with the environment and cluster they come from', () => {
    const prod = fixturePlatform({ env: 'prod' }).environments[0];
    const pager = (alertmanagerConfig(prod, FixtureClusters.aws).receivers as any[]).find((r) => r.name === 'platform-pager');
    expect(pager.pagerduty_configs[0].details).toEqual({ environment: 'prod', cluster: FixtureClusters.aws.name });
  });
});
