import { KubeManifest } from '../../core/checks';
import { LabelSelector, selectorMatches } from '../selector';
import { allObjects } from '../state';
import { ClusterState, describeManifest, Finding, findingAt, VerifyCheck } from '../types';

/** The monitoring.coreos.com kinds a Prometheus selects, and the fields of its spec that select them. */
const SELECTED = {
  ServiceMonitor: { selector: 'serviceMonitorSelector', namespaceSelector: 'serviceMonitorNamespaceSelector' },
  PodMonitor: { selector: 'podMonitorSelector', namespaceSelector: 'podMonitorNamespaceSelector' },
  PrometheusRule: { selector: 'ruleSelector', namespaceSelector: 'ruleNamespaceSelector' },
} as const;

const isMonitoring = (m: KubeManifest) => m.apiVersion.startsWith('monitoring.coreos.com/');

/**
 * prometheus-operator's selection (Documentation/api-reference, PrometheusSpec): an absent selector
 * selects nothing, an empty one everything; an absent namespace selector means the Prometheus's own
 * namespace only, an empty one every namespace.
 */
export function prometheusSelects(
  prometheus: KubeManifest,
  object: KubeManifest,
  namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>,
): boolean {
  const fields = SELECTED[object.kind as keyof typeof SELECTED];
  if (!fields) return false;
  const spec = ((prometheus as { spec?: Record<string, unknown> }).spec ?? {}) as Record<string, LabelSelector | undefined>;
  const selector = spec[fields.selector];
  if (!selector || !selectorMatches(selector, object.metadata.labels ?? {})) return false;
  const nsSelector = spec[fields.namespaceSelector];
  const ns = object.metadata.namespace ?? '';
  if (!nsSelector) return ns === prometheus.metadata.namespace;
  return selectorMatches(nsSelector, namespaceLabels.get(ns) ?? { 'kubernetes.io/metadata.name': ns });
}

/**
 * Every ServiceMonitor, PodMonitor and PrometheusRule on a cluster is picked up by one of its
 * Prometheus servers: one that matches none is a right-looking file whose metrics or alerts never
 * exist (a chart's monitor without the label our Prometheus selects on). Judged only where the
 * Prometheus resource itself is known (its chart rendered).
 */
export const monitorsSelected: VerifyCheck = {
  name: 'observability/monitors-selected',
  description: 'every ServiceMonitor, PodMonitor and PrometheusRule is selected by a Prometheus of the cluster',
  run: (state: ClusterState): Finding[] => {
    const objects = allObjects(state);
    const servers = objects.filter((o) => isMonitoring(o.manifest) && o.manifest.kind === 'Prometheus');
    if (servers.length === 0) return [];
    const namespaceLabels = new Map(
      objects.filter((o) => o.manifest.kind === 'Namespace').map((o) => [o.manifest.metadata.name ?? '', o.manifest.metadata.labels ?? {}]),
    );
    return objects
      .filter((o) => isMonitoring(o.manifest) && o.manifest.kind in SELECTED)
      .filter((o) => !servers.some((p) => prometheusSelects(p.manifest, o.manifest, namespaceLabels)))
      .map((o) => {
        const fields = SELECTED[o.manifest.kind as keyof typeof SELECTED];
        const wanted = servers
          .map(
            (p) =>
              `${describeManifest(p.manifest)} selects ${JSON.stringify(((p.manifest as { spec?: Record<string, unknown> }).spec ?? {})[fields.selector] ?? null)}`,
          )
          .join('; ');
        return findingAt(
          'observability/monitors-selected',
          state,
          o,
          `selected by no Prometheus, so it is never read: its labels are ${JSON.stringify(o.manifest.metadata.labels ?? {})}; ${wanted}`,
          'give it the labels the Prometheus selects (PROMETHEUS_SELECTOR_LABELS in lib/observability/monitoring-stack.ts; for a chart, its monitor labels value)',
        );
      });
  },
};
