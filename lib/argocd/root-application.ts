import { Construct } from 'constructs';
import { Application } from '../../imports/argocd-application-argoproj.io';
import { PlatformNamespaces } from '../core/namespaces';
import { IN_CLUSTER } from '../core/topology';
import { SYNC_RETRY } from './folder-application';

export interface RootApplicationProps {
  /** Application name. */
  readonly name: string;
  /** Path of the app-of-apps folder (`dist/prod/argocd`). */
  readonly path: string;
  /** Git repository holding `dist/` (the platform's `gitops.repoURL`). */
  readonly repoURL: string;
  /** Branch, tag or commit to sync (the platform's `gitops.targetRevision`). */
  readonly targetRevision: string;
  /**
   * Argo CD project. The `platform` project is itself created by this Application, so the root uses
   * the project every Argo CD has.
   * @default 'default'
   */
  readonly project?: string;
  /** Argo CD namespace. @default 'argocd' */
  readonly argocdNamespace?: string;
}

/**
 * The one Application applied by hand (`kubectl apply -f dist/<env>/bootstrap/root-app.yaml`): it syncs
 * dist/<env>/argocd/, which holds every other Application. It prunes (a folder removed from git loses
 * its Application) but has no cascading finalizer: deleting the root never deletes the platform.
 */
export class RootApplication extends Construct {
  constructor(scope: Construct, id: string, props: RootApplicationProps) {
    super(scope, id);
    new Application(this, 'Resource', {
      metadata: { name: props.name, namespace: props.argocdNamespace ?? PlatformNamespaces.argocd },
      spec: {
        project: props.project ?? 'default',
        source: { repoUrl: props.repoURL, targetRevision: props.targetRevision, path: props.path, directory: { recurse: false } },
        destination: { name: IN_CLUSTER, namespace: props.argocdNamespace ?? PlatformNamespaces.argocd },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: ['ServerSideApply=true'],
          retry: { limit: SYNC_RETRY.limit, backoff: { ...SYNC_RETRY.backoff } },
        },
      },
    });
  }
}
