import { PlatformNamespaces } from '../core/namespaces';
import { HelmChart } from '../core/addon';

/** The CloudNativePG operator chart values we set (https://cloudnative-pg.github.io/charts). */
export interface CloudNativePgValues {
  readonly crds: { readonly create: boolean };
  readonly replicaCount: number;
  /** A PodMonitor for the operator (kube-prometheus-stack picks it up by the release label). */
  readonly monitoring: { readonly podMonitorEnabled: boolean; readonly podMonitorAdditionalLabels: Record<string, string> };
}

export const cloudNativePg: HelmChart<CloudNativePgValues> = {
  name: 'cloudnative-pg',
  chart: { repoURL: 'https://cloudnative-pg.github.io/charts', chart: 'cloudnative-pg', version: '0.27.1' },
  namespace: PlatformNamespaces.cnpg,
  // Databases run next to the workloads that use them.
  placement: { traits: ['workloads'] },
  crdGroups: ['postgresql.cnpg.io'],
  description: 'PostgreSQL operator for tenant databases',
  values: ({ environment }) => ({
    crds: { create: true },
    replicaCount: environment.sizing.ha ? 2 : 1,
    monitoring: { podMonitorEnabled: true, podMonitorAdditionalLabels: { release: 'kube-prometheus-stack' } },
  }),
};
