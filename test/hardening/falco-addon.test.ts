import { FalcoAddOn } from '../../lib/hardening';
import { falcoCustomRules } from '../../lib/hardening/falco-rules';
import { GitOpsAddOn } from '../../lib/gitops';
import { MonitoringEndpoints } from '../../lib/observability/monitoring-stack';
import { ObservabilityAddOn } from '../../lib/observability';
import { appliedBy, baseAddOns, FixtureClusters, fixturePlatform, helmApp, helmValues, NO_SERVICES, renderAddOns, yamlOf } from '../support/harness';

/** The Falco add-on: the chart with the platform's rules, where node agents are admitted, alerting where Alertmanager runs. */
const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.gcp, FixtureClusters.edge] });
const out = renderAddOns([...baseAddOns(), new FalcoAddOn(), new ObservabilityAddOn(), new GitOpsAddOn()], { platform, services: NO_SERVICES });
const runs = (cluster: string, chart: string) =>
  appliedBy(out, cluster).some((o) => o.manifest.kind === 'Application' && o.manifest.metadata.labels?.['ceres.io/addon'] === chart);

describe('Falco', () => {
  it('runs where node agents are admitted (not on GKE Autopilot), with the platform rules', () => {
    expect(platform.environments[0].clusters.filter((c) => runs(c.name, 'falco')).map((c) => c.name)).toEqual([
      FixtureClusters.aws.name,
      FixtureClusters.edge.name,
    ]);
    expect(helmValues(out, FixtureClusters.aws.name, 'falco').customRules).toEqual({ 'ceres-rules.yaml': falcoCustomRules() });
  });

  it('alerts to the Alertmanager of its cluster where one runs, and keeps its events in its logs elsewhere', () => {
    for (const c of [FixtureClusters.aws, FixtureClusters.edge]) {
      const sidekick = helmValues(out, c.name, 'falco').falcosidekick;
      expect({ cluster: c.name, enabled: sidekick.enabled }).toEqual({ cluster: c.name, enabled: runs(c.name, 'kube-prometheus-stack') });
      if (sidekick.enabled) expect(sidekick.config.alertmanager.hostport).toBe(MonitoringEndpoints.alertmanager);
    }
    // The endpoint is the Service of the release the observability add-on installs.
    expect(MonitoringEndpoints.alertmanager).toContain(
      `${helmApp(out, FixtureClusters.aws.name, 'kube-prometheus-stack').spec.source.helm.releaseName}-alertmanager.monitoring.svc`,
    );
  });

  it('matches the reviewed Falco Application of the EKS cluster', () => {
    expect(yamlOf([helmApp(out, FixtureClusters.aws.name, 'falco')])).toMatchSnapshot();
  });
});
