import { PlatformNamespaces } from '../core/namespaces';
import { HelmChart } from '../core/addon';
import { EVERY_CLUSTER } from '../core/topology';

/** The cert-manager chart values we set (https://artifacthub.io/packages/helm/cert-manager/cert-manager). */
export interface CertManagerValues {
  /** Install and keep the CRDs with the chart (`installCRDs` is deprecated since v1.15). */
  readonly crds: { readonly enabled: boolean; readonly keep: boolean };
  readonly replicaCount: number;
  readonly webhook: { readonly replicaCount: number };
  readonly cainjector: { readonly replicaCount: number };
  readonly podDisruptionBudget: { readonly enabled: boolean };
}

export const certManager: HelmChart<CertManagerValues> = {
  name: 'cert-manager',
  chart: { repoURL: 'https://charts.jetstack.io', chart: 'cert-manager', version: 'v1.19.1' },
  namespace: PlatformNamespaces.certManager,
  placement: EVERY_CLUSTER,
  crdGroups: ['cert-manager.io', 'acme.cert-manager.io'],
  description: 'TLS certificates from ACME (Let’s Encrypt) for gateways and webhooks',
  values: ({ environment, cluster }) => {
    const replicas = environment.sizing.ha && cluster.cloud !== 'edge' ? 2 : 1;
    return {
      crds: { enabled: true, keep: true },
      replicaCount: replicas,
      webhook: { replicaCount: replicas },
      cainjector: { replicaCount: replicas },
      podDisruptionBudget: { enabled: replicas > 1 },
    };
  },
};
