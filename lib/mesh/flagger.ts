import { HelmChart } from '../core/addon';
import { PlatformNamespaces } from '../core/namespaces';
import { resources, Resources, RESTRICTED_CONTAINER } from '../core/pod-security';
import { WORKLOAD_CLUSTERS } from '../core/topology';
import { MonitoringEndpoints } from '../observability';

/** The Flagger chart values we set (https://docs.flagger.app/install/flagger-install-on-kubernetes). */
export interface FlaggerValues {
  /** Flagger shifts traffic by rewriting Istio VirtualServices. */
  readonly meshProvider: 'istio';
  /** Prometheus that holds the Istio request metrics Flagger's analysis queries. */
  readonly metricsServer: string;
  /** Install the Canary CRDs (`flagger.app`) with the chart. */
  readonly crd: { readonly create: boolean };
  /**
   * The chart's container context sets only a read-only root and uid 10001, which Pod Security
   * "restricted" refuses (no seccomp, no drop ALL, escalation allowed); the chart has no pod-level
   * value, so the whole restricted context goes on the container.
   */
  readonly securityContext: { readonly enabled: true; readonly context: typeof RESTRICTED_CONTAINER & { readonly runAsUser: number } };
  /** Requests and limits of the Flagger container. */
  readonly resources: Resources;
}

export const flagger: HelmChart<FlaggerValues> = {
  name: 'flagger',
  chart: { repoURL: 'https://flagger.app', chart: 'flagger', version: '1.44.0' },
  kubeVersion: '>=1.19.0-0',
  namespace: PlatformNamespaces.flagger,
  // Canaries are for the workloads' services.
  placement: WORKLOAD_CLUSTERS,
  crdGroups: ['flagger.app'],
  description: 'Progressive delivery: canary analysis and traffic shifting through Istio',
  values: () => ({
    meshProvider: 'istio',
    metricsServer: MonitoringEndpoints.prometheus,
    crd: { create: true },
    securityContext: { enabled: true, context: { ...RESTRICTED_CONTAINER, runAsUser: 10001 } },
    resources: resources('10m', '32Mi', '500m', '256Mi'),
  }),
};
