import { PlatformNamespaces } from '../core/namespaces';
import { HelmChart } from '../core/addon';

/** The Fairwinds VPA chart values we set (https://github.com/FairwindsOps/charts/tree/master/stable/vpa). */
export interface VpaValues {
  readonly recommender: { readonly enabled: boolean };
  /** Recommendation only: no updater evicting pods, no admission controller rewriting requests. */
  readonly updater: { readonly enabled: boolean };
  readonly admissionController: { readonly enabled: boolean };
}

export const verticalPodAutoscaler: HelmChart<VpaValues> = {
  name: 'vpa',
  chart: { repoURL: 'https://charts.fairwinds.com/stable', chart: 'vpa', version: '4.10.0' },
  namespace: PlatformNamespaces.vpa,
  // GKE Autopilot runs its own recommender.
  placement: { traits: ['full', 'unmanagedVpa'] },
  crdGroups: ['autoscaling.k8s.io'],
  description: 'Right-sizing recommendations (recommender only)',
  values: () => ({ recommender: { enabled: true }, updater: { enabled: false }, admissionController: { enabled: false } }),
};
