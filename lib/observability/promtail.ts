import { PlatformNamespaces } from '../core/namespaces';
import { MonitoringEndpoints } from './monitoring-stack';
import { HelmChart } from '../core/addon';

/** The Promtail chart values we set: ship every node's container logs to Loki. */
export interface PromtailValues {
  /** Where Promtail pushes: the Loki push endpoint. */
  readonly config: { readonly clients: readonly { readonly url: string }[] };
}

export const promtail: HelmChart<PromtailValues> = {
  name: 'promtail',
  chart: { repoURL: 'https://grafana.github.io/helm-charts', chart: 'promtail', version: '6.16.6' },
  namespace: PlatformNamespaces.monitoring,
  // A node agent reading every node's container logs.
  placement: { traits: ['full', 'nodeAgents'] },
  crdGroups: [],
  description: 'Ships container logs to Loki',
  values: () => ({ config: { clients: [{ url: MonitoringEndpoints.lokiPush }] } }),
};
