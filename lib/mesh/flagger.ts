import { PlatformNamespaces } from '../core/namespaces';
import { MonitoringEndpoints } from '../observability';
import { HelmChart } from '../core/addon';

/** The Flagger chart values we set (https://docs.flagger.app/install/flagger-install-on-kubernetes). */
export interface FlaggerValues {
  readonly meshProvider: 'istio';
  /** Prometheus that holds the Istio request metrics Flagger's analysis queries. */
  readonly metricsServer: string;
  readonly crd: { readonly create: boolean };
}

export const flagger: HelmChart<FlaggerValues> = {
  name: 'flagger',
  chart: { repoURL: 'https://flagger.app', chart: 'flagger', version: '1.44.0' },
  namespace: PlatformNamespaces.flagger,
  // Canaries are for the workloads' services.
  placement: { traits: ['workloads'] },
  crdGroups: ['flagger.app'],
  description: 'Progressive delivery: canary analysis and traffic shifting through Istio',
  values: () => ({ meshProvider: 'istio', metricsServer: MonitoringEndpoints.prometheus, crd: { create: true } }),
};
