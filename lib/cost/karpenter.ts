import { PlatformNamespaces } from '../core/namespaces';
import { HelmChart } from '../core/addon';

/** The Karpenter chart values we set (https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/). */
export interface KarpenterValues {
  /** The interruption queue is `<cluster>` + `-karpenter` (lib/infra/aws/karpenter.ts). */
  readonly settings: { readonly clusterName: string; readonly interruptionQueue: string };
  readonly replicas: number;
}

/**
 * Karpenter on AWS clusters. The controller runs in kube-system as service account `karpenter`,
 * the identity Terraform binds with EKS Pod Identity (so no role annotation is needed here).
 */
export const karpenter: HelmChart<KarpenterValues> = {
  name: 'karpenter',
  // Argo CD takes OCI Helm repositories without the oci:// scheme.
  chart: { repoURL: 'public.ecr.aws/karpenter', chart: 'karpenter', version: '1.8.1' },
  namespace: PlatformNamespaces.kubeSystem,
  placement: { traits: ['karpenter'] },
  crdGroups: ['karpenter.sh', 'karpenter.k8s.aws'],
  description: 'Node autoscaling with spot and on-demand capacity and consolidation (AWS)',
  values: ({ cluster, environment }) => ({
    settings: { clusterName: cluster.name, interruptionQueue: `${cluster.name}-karpenter` },
    replicas: environment.sizing.ha ? 2 : 1,
  }),
};
