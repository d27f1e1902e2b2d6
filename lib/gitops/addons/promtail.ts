import { PlatformNamespaces } from '../../core/namespaces';
import { MonitoringEndpoints } from '../../observability/monitoring-stack';
import { HelmAddOn } from './helm-addon';

/** The Promtail chart values we set: ship every node's container logs to Loki. */
export interface PromtailValues {
  readonly config: { readonly clients: readonly { readonly url: string }[] };
}

export const promtail: HelmAddOn<PromtailValues> = {
  name: 'promtail',
  chart: { repoURL: 'https://grafana.github.io/helm-charts', chart: 'promtail', version: '6.16.6' },
  namespace: PlatformNamespaces.monitoring,
  profiles: ['full'],
  crdGroups: [],
  description: 'Ships container logs to Loki',
  values: () => ({ config: { clients: [{ url: MonitoringEndpoints.lokiPush }] } }),
};
