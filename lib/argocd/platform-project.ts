import { Construct } from 'constructs';
import { AppProject } from '../../imports/argocd-appproject-argoproj.io';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { PlatformNamespaces } from '../core/namespaces';
import { IN_CLUSTER } from '../core/topology';

export interface PlatformProjectProps {
  /** Project name. @default 'platform' */
  readonly name?: string;
  /** Repositories the platform's Applications may read: the manifests repository and the Helm chart repositories. */
  readonly sourceRepos: readonly string[];
  /** Argo CD namespace. @default 'argocd' */
  readonly argocdNamespace?: string;
}

/**
 * The AppProject of the platform's own Applications (operators, policies, namespaces, observability):
 * cluster-wide by nature, so every kind in every namespace of the cluster Argo CD runs in, but only
 * from the listed repositories. Tenants get their own, narrower projects.
 */
export class PlatformProject extends Construct {
  constructor(scope: Construct, id: string, props: PlatformProjectProps) {
    super(scope, id);
    new AppProject(this, 'Resource', {
      metadata: {
        name: props.name ?? 'platform',
        namespace: props.argocdNamespace ?? PlatformNamespaces.argocd,
        // Projects exist before the Applications that name them.
        annotations: argoAnnotations({ wave: SyncWave.platformNamespaces - 10 }),
      },
      spec: {
        description: 'CERES platform: operators, policies, namespaces, core services, observability',
        sourceRepos: [...new Set(props.sourceRepos)].sort(),
        // Each cluster's Argo CD deploys to its own cluster only.
        destinations: [{ name: IN_CLUSTER, namespace: '*' }],
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
        namespaceResourceWhitelist: [{ group: '*', kind: '*' }],
      },
    });
  }
}
