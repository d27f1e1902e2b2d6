import { Construct } from 'constructs';
import { Application } from '../../imports/argocd-application-argoproj.io';
import { HelmChartRef } from '../core/addon';
import { argoAnnotations, CASCADE_FINALIZER, isExactRelease } from '../core/argocd';
import { PlatformNamespaces } from '../core/namespaces';
import { sortKeysDeep } from '../core/yaml';

export interface HelmApplicationProps {
  /** Application name (unique in the Argo CD namespace). */
  readonly name: string;
  /** The Helm repository, chart and pinned version to install. */
  readonly chart: HelmChartRef;
  /** Namespace the release is installed into. */
  readonly namespace: string;
  /** Helm release name. @default the application name */
  readonly releaseName?: string;
  /** Typed values, rendered inline (`valuesObject`) so that a review shows every value. @default {} */
  readonly values?: Record<string, unknown>;
  /** Argo CD project. @default 'platform' */
  readonly project?: string;
  /** Sync wave of the Application in the app of apps. */
  readonly syncWave?: number;
  /** Destination cluster name as registered in Argo CD. @default 'in-cluster' */
  readonly destinationName?: string;
  /** Apply server-side (charts with large CRDs). @default true */
  readonly serverSideApply?: boolean;
  /**
   * Fields owned by controllers, ignored in diffs (`ignoreDifferences`). Keep this empty unless a
   * controller really owns the field.
   * @default []
   */
  readonly ignoreDifferences?: readonly { group: string; kind: string; jsonPointers: readonly string[]; name?: string; namespace?: string }[];
  /** Argo CD namespace. @default 'argocd' */
  readonly argocdNamespace?: string;
  /** Labels of the Application object (cost allocation, cluster, add-on name). @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * An Argo CD Application installing a pinned Helm chart with inline values: automated sync with
 * prune and self-heal, retries with backoff, namespace created by the sync.
 */
export class HelmApplication extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: HelmApplicationProps) {
    super(scope, id);
    if (!isExactRelease(props.chart.version)) {
      throw new Error(`HelmApplication ${props.name}: chart version "${props.chart.version}" must be an exact version such as 1.2.3`);
    }
    this.name = props.name;
    // The namespace comes from the platform-namespaces folder, labelled for Pod Security; a chart
    // that creates its own would start pods in an unlabelled namespace.
    const syncOptions = ['CreateNamespace=false'];
    if (props.serverSideApply ?? true) syncOptions.push('ServerSideApply=true');
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
        source: {
          repoUrl: props.chart.repoURL,
          chart: props.chart.chart,
          targetRevision: props.chart.version,
          helm: {
            releaseName: props.releaseName ?? props.name,
            valuesObject: sortKeysDeep(props.values ?? {}),
          },
        },
        destination: { name: props.destinationName ?? 'in-cluster', namespace: props.namespace },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions,
          retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
        },
        ignoreDifferences: props.ignoreDifferences?.length
          ? props.ignoreDifferences.map((d) => ({ group: d.group, kind: d.kind, name: d.name, namespace: d.namespace, jsonPointers: [...d.jsonPointers] }))
          : undefined,
      },
    });
  }
}
