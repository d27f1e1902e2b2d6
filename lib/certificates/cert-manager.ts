import { HelmChart } from '../core/addon';
import { PlatformNamespaces } from '../core/namespaces';
import { resources, Resources } from '../core/pod-security';
import { EVERY_CLUSTER, traitsOf } from '../core/topology';

interface Component {
  readonly replicaCount: number;
  readonly resources: Resources;
  readonly podDisruptionBudget: { readonly enabled: boolean; readonly minAvailable?: number };
}

/** The cert-manager chart values we set (https://artifacthub.io/packages/helm/cert-manager/cert-manager). */
export interface CertManagerValues extends Component {
  /** Install and keep the CRDs with the chart (`installCRDs` is deprecated since v1.15). */
  readonly crds: { readonly enabled: boolean; readonly keep: boolean };
  /** The admission webhook that validates and defaults cert-manager resources. */
  readonly webhook: Component;
  /** The CA injector that writes CA bundles into webhook configurations and CRDs. */
  readonly cainjector: Component;
  /** The post-install hook Argo CD runs (PostSync): refused without requests and limits, it would fail the sync. */
  readonly startupapicheck: { readonly resources: Resources };
}

/**
 * cert-manager, the release whose CRDs imports/ was generated from (v1.21.1). Every container has
 * requests and limits (the chart ships none; the platform's admission policy requires them); the
 * chart's security contexts meet Pod Security "restricted". Each component gets a disruption
 * budget once it has two replicas, webhook and cainjector included.
 */
export const certManager: HelmChart<CertManagerValues> = {
  name: 'cert-manager',
  chart: { repoURL: 'https://charts.jetstack.io', chart: 'cert-manager', version: 'v1.21.1' },
  kubeVersion: '>= 1.22.0-0',
  namespace: PlatformNamespaces.certManager,
  placement: EVERY_CLUSTER,
  crdGroups: ['cert-manager.io', 'acme.cert-manager.io'],
  description: 'TLS certificates from ACME (Let’s Encrypt) for gateways and webhooks',
  values: ({ environment, cluster }) => {
    const replicas = environment.sizing.ha && !traitsOf(cluster).light ? 2 : 1;
    const pdb = replicas > 1 ? { enabled: true, minAvailable: 1 } : { enabled: false };
    const component = (r: Resources): Component => ({ replicaCount: replicas, resources: r, podDisruptionBudget: pdb });
    return {
      crds: { enabled: true, keep: true },
      ...component(resources('25m', '128Mi', '500m', '256Mi')),
      webhook: component(resources('10m', '32Mi', '250m', '64Mi')),
      cainjector: component(resources('25m', '128Mi', '500m', '256Mi')),
      startupapicheck: { resources: resources('10m', '32Mi', '100m', '64Mi') },
    };
  },
};
