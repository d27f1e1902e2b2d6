import { Construct } from 'constructs';
import { Application } from '../../imports/argocd-application-argoproj.io';
import { GitManifestsRef, ManifestPatch } from '../core/addon';
import { argoAnnotations, isExactRelease } from '../core/argocd';
import { PlatformNamespaces } from '../core/namespaces';
import { IN_CLUSTER } from '../core/topology';
import { CASCADE_FINALIZER, SYNC_RETRY } from './folder-application';

export interface ManifestsApplicationProps {
  /** Application name (unique in the Argo CD namespace). */
  readonly name: string;
  /** The repository, pinned tag and directory. */
  readonly source: GitManifestsRef;
  /** Namespace the namespaced objects without one are applied into. */
  readonly namespace: string;
  /** Sync wave of the Application in the app of apps. */
  readonly syncWave?: number;
  /** JSON patches of upstream objects (`source.kustomize.patches`). @default none */
  readonly patches?: readonly ManifestPatch[];
  /** Labels of the Application object. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Argo CD project. @default 'platform' */
  readonly project?: string;
  /** Argo CD namespace. @default 'argocd' */
  readonly argocdNamespace?: string;
}

/**
 * An Argo CD Application applying a directory of upstream manifests at a pinned tag (a plain
 * directory source, not recursive): automated sync with prune and self-heal, server-side apply (the
 * directories of operators carry large CRDs), retries with backoff. The namespace comes from the
 * platform-namespaces folder, labelled for Pod Security.
 */
export class ManifestsApplication extends Construct {
  constructor(scope: Construct, id: string, props: ManifestsApplicationProps) {
    super(scope, id);
    if (!isExactRelease(props.source.tag)) {
      throw new Error(`ManifestsApplication ${props.name}: tag "${props.source.tag}" must be an exact release tag such as 26.0.0, never a branch`);
    }
    new Application(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.argocdNamespace ?? PlatformNamespaces.argocd,
        labels: props.labels ? { ...props.labels } : undefined,
        annotations: argoAnnotations({ wave: props.syncWave }),
        finalizers: [CASCADE_FINALIZER],
      },
      spec: {
        project: props.project ?? 'platform',
        // With patches, Argo CD renders the directory through Kustomize (its inline patches need no
        // kustomization.yaml); without, as a plain directory.
        source: {
          repoUrl: props.source.repoURL,
          targetRevision: props.source.tag,
          path: props.source.path,
          ...(props.patches?.length ? { kustomize: { patches: props.patches.map(toKustomizePatch) } } : { directory: { recurse: false } }),
        },
        destination: { name: IN_CLUSTER, namespace: props.namespace },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: ['CreateNamespace=false', 'ServerSideApply=true'],
          retry: { limit: SYNC_RETRY.limit, backoff: { ...SYNC_RETRY.backoff } },
        },
      },
    });
  }
}

/** A JSON patch as Argo CD's `kustomize.patches` takes it: the target selector and the operations as a JSON document. */
export function toKustomizePatch(p: ManifestPatch): { target: { group: string; kind: string; name: string }; patch: string } {
  return { target: { group: p.target.group, kind: p.target.kind, name: p.target.name }, patch: JSON.stringify(p.operations) };
}
