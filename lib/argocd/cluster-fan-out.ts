import { Construct } from 'constructs';
import { ApplicationSet, ApplicationSetSpecSyncPolicyApplicationsSync } from '../../imports/argocd-applicationset-argoproj.io';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { PlatformNamespaces } from '../core/namespaces';
import { CASCADE_FINALIZER, SYNC_RETRY } from './folder-application';

/** A folder delivered to remote clusters. */
export interface FannedOutFolder {
  readonly folder: string;
  /** Repository path (`dist/prod/core`). */
  readonly path: string;
  readonly project: string;
}

/** Clusters selected by their registration labels, and the folders they receive. */
export interface ClusterGroup {
  /** Cluster-secret labels that select the group (`ceres.io/environment`, `ceres.io/profile`, `ceres.io/cloud`). */
  readonly labels: Readonly<Record<string, string>>;
  readonly folders: readonly FannedOutFolder[];
}

export interface ClusterFanOutProps {
  /** ApplicationSet name. */
  readonly name: string;
  readonly groups: readonly ClusterGroup[];
  readonly repoURL: string;
  readonly targetRevision: string;
  /**
   * The folders hold data: generated Applications never prune nor cascade deletions, and deleting the
   * ApplicationSet keeps their resources.
   * @default false
   */
  readonly stateful?: boolean;
  /** Argo CD namespace. @default 'argocd' */
  readonly argocdNamespace?: string;
}

/**
 * An ApplicationSet fanning dist folders out to the environment's remote clusters: for every cluster
 * registered with a group's labels (cluster generator) × every folder of the group (list generator),
 * one Application `<cluster>-<folder>` syncing that folder to that cluster.
 */
export class ClusterFanOut extends Construct {
  constructor(scope: Construct, id: string, props: ClusterFanOutProps) {
    super(scope, id);
    const stateful = props.stateful ?? false;
    new ApplicationSet(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.argocdNamespace ?? PlatformNamespaces.argocd,
        // After the hub's add-ons: remote clusters get their operators from the same root sync.
        annotations: argoAnnotations({ wave: SyncWave.operatorConfig, protect: stateful }),
      },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: props.groups
          .filter((g) => g.folders.length > 0)
          .map((g) => ({
            matrix: {
              generators: [
                { clusters: { selector: { matchLabels: { ...g.labels } } } },
                { list: { elements: g.folders.map((f) => ({ folder: f.folder, path: f.path, project: f.project })) } },
              ],
            },
          })),
        syncPolicy: stateful ? { applicationsSync: ApplicationSetSpecSyncPolicyApplicationsSync.CREATE_HYPHEN_UPDATE, preserveResourcesOnDeletion: true } : { preserveResourcesOnDeletion: false },
        template: {
          metadata: {
            name: '{{.name}}-{{.folder}}',
            labels: { 'ceres.io/cluster': '{{.name}}', 'ceres.io/folder': '{{.folder}}' },
            finalizers: stateful ? undefined : [CASCADE_FINALIZER],
          },
          spec: {
            project: '{{.project}}',
            source: { repoUrl: props.repoURL, targetRevision: props.targetRevision, path: '{{.path}}', directory: { recurse: false } },
            destination: { name: '{{.name}}' },
            syncPolicy: {
              automated: { prune: !stateful, selfHeal: true },
              syncOptions: ['CreateNamespace=false', 'ServerSideApply=true', 'PruneLast=true'],
              retry: { limit: SYNC_RETRY.limit, backoff: { ...SYNC_RETRY.backoff } },
            },
          },
        },
      },
    });
  }
}
