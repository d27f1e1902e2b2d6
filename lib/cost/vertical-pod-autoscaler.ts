import { HelmChart } from '../core/addon';
import { PlatformNamespaces } from '../core/namespaces';
import { resources, Resources } from '../core/pod-security';
import { traitsOf } from '../core/topology';

/** The Fairwinds VPA chart values we set (https://github.com/FairwindsOps/charts/tree/master/stable/vpa). */
export interface VpaValues {
  /** The chart sets requests only; the platform's admission policy requires limits too. */
  readonly recommender: { readonly enabled: boolean; readonly resources: Resources };
  /** Recommendation only: no updater evicting pods, no admission controller rewriting requests. */
  readonly updater: { readonly enabled: boolean };
  /** Disabled too: it would rewrite pods' requests at admission. */
  readonly admissionController: { readonly enabled: boolean };
  /**
   * The chart's metrics-server subchart, where the cluster has none of its own (EKS; AKS, GKE and
   * K3s ship one): the recommender, HPAs and `kubectl top` read the metrics API.
   */
  readonly 'metrics-server': { readonly enabled: boolean; readonly resources?: Resources; readonly replicas?: number };
}

/** The VPA recommender at the release imports/ was generated from (1.7.1, chart 5.0.0). */
export const verticalPodAutoscaler: HelmChart<VpaValues> = {
  name: 'vpa',
  chart: { repoURL: 'https://charts.fairwinds.com/stable', chart: 'vpa', version: '5.0.0' },
  kubeVersion: '>= 1.28.0-0',
  namespace: PlatformNamespaces.vpa,
  // GKE Autopilot runs its own recommender; the recommendations are for the workloads.
  placement: { traits: ['workloads', 'unmanagedVpa'] },
  crdGroups: ['autoscaling.k8s.io'],
  description: 'Right-sizing recommendations (recommender only)',
  values: ({ cluster, environment }) => ({
    recommender: { enabled: true, resources: resources('50m', '500Mi', '500m', '1Gi') },
    updater: { enabled: false },
    admissionController: { enabled: false },
    'metrics-server': !traitsOf(cluster).provides.metricsServer
      ? { enabled: true, replicas: environment.sizing.ha ? 2 : 1, resources: resources('100m', '200Mi', '1', '512Mi') }
      : { enabled: false },
  }),
};
