import { HelmChart } from '../core/addon';
import { KARPENTER_SERVICE_ACCOUNT, karpenterNames } from '../core/cloud';
import { PlatformNamespaces } from '../core/namespaces';
import { resources, Resources } from '../core/pod-security';

/** The Karpenter chart values we set (https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/). */
export interface KarpenterValues {
  /** The cluster and interruption queue Terraform creates (`karpenterNames`). */
  readonly settings: { readonly clusterName: string; readonly interruptionQueue: string };
  /** Controller replicas: 2 in HA environments, else 1. */
  readonly replicas: number;
  /** The ServiceAccount Terraform binds with EKS Pod Identity (the platform model's identity), set explicitly. */
  readonly serviceAccount: { readonly create: true; readonly name: string };
  /** Requests and limits of the controller container. */
  readonly controller: { readonly resources: Resources };
}

/**
 * Karpenter at the release imports/ was generated from (1.14.1), on clusters whose profile runs it
 * (EKS). The controller runs in kube-system as the ServiceAccount Terraform binds with EKS Pod
 * Identity (no role annotation needed).
 */
export const karpenter: HelmChart<KarpenterValues> = {
  name: 'karpenter',
  // Argo CD takes OCI Helm repositories without the oci:// scheme.
  chart: { repoURL: 'public.ecr.aws/karpenter', chart: 'karpenter', version: '1.14.1' },
  namespace: PlatformNamespaces.kubeSystem,
  placement: { traits: ['karpenter'] },
  crdGroups: ['karpenter.sh', 'karpenter.k8s.aws'],
  description: 'Node autoscaling with spot and on-demand capacity and consolidation (AWS)',
  values: ({ cluster, environment }) => ({
    settings: { clusterName: cluster.name, interruptionQueue: karpenterNames(cluster).interruptionQueue },
    replicas: environment.sizing.ha ? 2 : 1,
    serviceAccount: { create: true, name: KARPENTER_SERVICE_ACCOUNT },
    controller: { resources: resources('250m', '512Mi', '1', '1Gi') },
  }),
};
