import { KubeManifest } from '../../lib/core/checks';
import { monitorsSelected, prometheusSelects } from '../../lib/verify/checks/monitoring';
import { context, namespace, state } from './flow-fixtures';

const prometheus = (spec: Record<string, unknown>): KubeManifest => ({
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'Prometheus',
  metadata: { name: 'k8s', namespace: 'monitoring' },
  spec,
});
const monitor = (kind: string, ns: string, labels: Record<string, string>): KubeManifest => ({
  apiVersion: 'monitoring.coreos.com/v1',
  kind,
  metadata: { name: 'm', namespace: ns, labels },
  spec: {},
});
const run = (objects: KubeManifest[]) => {
  const s = state({ objects });
  return monitorsSelected.run(s, context([s])).map((f) => `${f.object}: ${f.message.split(':')[0]}`);
};

describe('observability/monitors-selected', () => {
  const platformPrometheus = prometheus({
    serviceMonitorSelector: { matchLabels: { release: 'kps' } },
    serviceMonitorNamespaceSelector: {},
    ruleSelector: { matchLabels: { release: 'kps' } },
  });

  it('finds a chart monitor without the label the Prometheus selects on', () => {
    expect(
      run([platformPrometheus, monitor('ServiceMonitor', 'trivy-system', { app: 'trivy' }), monitor('ServiceMonitor', 'kyverno', { release: 'kps' })]),
    ).toEqual(['ServiceMonitor trivy-system/m: selected by no Prometheus, so it is never read']);
  });

  it('follows prometheus-operator: absent selector selects nothing, absent namespace selector only its own namespace', () => {
    const labels = new Map<string, Record<string, string>>();
    // PodMonitors: no podMonitorSelector at all.
    expect(prometheusSelects(platformPrometheus, monitor('PodMonitor', 'monitoring', { release: 'kps' }), labels)).toBe(false);
    // Rules: selector set, namespace selector absent.
    expect(prometheusSelects(platformPrometheus, monitor('PrometheusRule', 'monitoring', { release: 'kps' }), labels)).toBe(true);
    expect(prometheusSelects(platformPrometheus, monitor('PrometheusRule', 'ceres', { release: 'kps' }), labels)).toBe(false);
    // Namespace selectors read the Namespace's labels.
    const byTeam = prometheus({ serviceMonitorSelector: {}, serviceMonitorNamespaceSelector: { matchLabels: { team: 'platform' } } });
    expect(prometheusSelects(byTeam, monitor('ServiceMonitor', 'a', {}), new Map([['a', { team: 'platform' }]]))).toBe(true);
    expect(prometheusSelects(byTeam, monitor('ServiceMonitor', 'b', {}), new Map([['b', { team: 'apps' }]]))).toBe(false);
    expect(run([byTeam, namespace('a', { team: 'platform' }), namespace('b'), monitor('ServiceMonitor', 'a', {}), monitor('ServiceMonitor', 'b', {})])).toEqual(
      ['ServiceMonitor b/m: selected by no Prometheus, so it is never read'],
    );
  });

  it('says nothing where the Prometheus resource is unknown (its chart not rendered)', () => {
    expect(run([monitor('ServiceMonitor', 'trivy-system', {})])).toEqual([]);
  });
});
