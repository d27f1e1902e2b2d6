import { Construct } from 'constructs';
import { Application, ApplicationSpecIgnoreDifferences } from '../../imports/argocd-application-argoproj.io';
import { argoAnnotations, CASCADE_FINALIZER } from '../core/argocd';
import { PlatformNamespaces } from '../core/namespaces';
import { IN_CLUSTER } from '../core/topology';

/** A field a controller owns, left out of Argo CD's diff (`spec.ignoreDifferences`). */
export interface ControllerOwnedField {
  /** API group of the object ('' for the core group). */
  readonly group: string;
  /** Kind of the object (`Deployment`, `Service`). */
  readonly kind: string;
  /** Name of the object. */
  readonly name: string;
  /** Its namespace; absent for cluster-scoped objects. */
  readonly namespace?: string;
  /** JSON pointers of the fields the controller writes (`/spec/replicas`). */
  readonly jsonPointers: readonly string[];
  /** Which controller owns it, for reviewers (not rendered). */
  readonly owner: string;
}

/** Retries of every sync: 10 s, 20 s, 40 s ... up to 5 minutes, 10 times. */
export const SYNC_RETRY = { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } } as const;

// The cascade finalizer is defined in lib/core/argocd.ts, where the review reads it too.
export { CASCADE_FINALIZER };

export interface FolderApplicationProps {
  /** Application name (`applicationName(env, folder)`). */
  readonly name: string;
  /** Folder path in the repository (`dist/prod/core`). */
  readonly path: string;
  /** Git repository holding `dist/` (the platform's `gitops.repoURL`). */
  readonly repoURL: string;
  /** Branch, tag or commit to sync (the platform's `gitops.targetRevision`). */
  readonly targetRevision: string;
  /** Argo CD project. @default 'platform' */
  readonly project?: string;
  /** Sync wave of the Application within the root Application. @default 0 */
  readonly syncWave?: number;
  /**
   * The folder holds data (tenant namespaces, databases, PVCs): never prune, never cascade a deletion,
   * and the root Application never prunes nor deletes this Application.
   * @default false
   */
  readonly stateful?: boolean;
  /** Apply server-side (folders with CRDs or large ConfigMaps such as dashboards). @default false */
  readonly serverSideApply?: boolean;
  /** Controller-owned fields ignored in diffs (and respected on sync). @default [] */
  readonly controllerOwnedFields?: readonly ControllerOwnedField[];
  /** One line shown on the Application. @default none */
  readonly description?: string;
  /** Destination cluster as registered in Argo CD. @default 'in-cluster' */
  readonly destinationName?: string;
  /** Labels of the Application object. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Argo CD namespace. @default 'argocd' */
  readonly argocdNamespace?: string;
}

/**
 * The child Application of one dist/<env>/<folder>: a plain directory (no recursion), automated sync
 * with self-heal and retries with backoff; prune and cascading deletion unless the folder is stateful.
 */
export class FolderApplication extends Construct {
  public readonly application: Application;

  constructor(scope: Construct, id: string, props: FolderApplicationProps) {
    super(scope, id);
    const stateful = props.stateful ?? false;
    const fields = props.controllerOwnedFields ?? [];
    const syncOptions = ['CreateNamespace=false', 'PrunePropagationPolicy=foreground', 'PruneLast=true'];
    if (props.serverSideApply) syncOptions.push('ServerSideApply=true');
    if (fields.length) syncOptions.push('RespectIgnoreDifferences=true');
    const annotations = argoAnnotations({ wave: props.syncWave ?? 0, protect: stateful });
    this.application = new Application(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.argocdNamespace ?? PlatformNamespaces.argocd,
        labels: props.labels ? { ...props.labels } : undefined,
        annotations,
        // A stateful folder's Application is never deleted with its resources.
        finalizers: stateful ? undefined : [CASCADE_FINALIZER],
      },
      spec: {
        project: props.project ?? 'platform',
        info: props.description ? [{ name: 'Description', value: props.description }] : undefined,
        source: { repoUrl: props.repoURL, targetRevision: props.targetRevision, path: props.path, directory: { recurse: false } },
        destination: { name: props.destinationName ?? IN_CLUSTER },
        syncPolicy: {
          automated: { prune: !stateful, selfHeal: true },
          syncOptions,
          retry: { limit: SYNC_RETRY.limit, backoff: { ...SYNC_RETRY.backoff } },
        },
        ignoreDifferences: fields.length ? fields.map(toIgnoreDifference) : undefined,
      },
    });
  }
}

function toIgnoreDifference(f: ControllerOwnedField): ApplicationSpecIgnoreDifferences {
  return { group: f.group, kind: f.kind, name: f.name, namespace: f.namespace, jsonPointers: [...f.jsonPointers] };
}
