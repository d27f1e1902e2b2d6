import { Construct } from 'constructs';
import { SyncWave } from '../core/argocd';
import { PlatformNamespaces } from '../core/namespaces';
import { HelmApplication } from '../gitops/helm-application';
import { baseChartValues, cniChartValues, gatewayChartValues, istiodChartValues, IstioPlatform } from './istio-values';
import { EGRESS_GATEWAY, INGRESS_GATEWAY, ISTIO_HELM_REPOSITORY, MeshSettings } from './mesh-config';

export interface IstioHelmReleasesProps {
  /** The cluster's resolved mesh settings. */
  readonly mesh: MeshSettings;
  /** Prefix of the Application names, unique in the environment's Argo CD (the cluster name). @default mesh.environment */
  readonly namePrefix?: string;
  /** Argo CD destination name of the cluster. @default 'in-cluster' */
  readonly destinationName?: string;
  /** Labels of the Applications (cost allocation, cluster). @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Argo CD project of the Applications. @default 'platform' */
  readonly project?: string;
  /** Platform flavour for the charts (`gke`, `k3s`). @default none (EKS, AKS) */
  readonly platform?: IstioPlatform;
}

/**
 * The official Istio charts as Argo CD Applications, in install order: `base` (CRDs) → `istiod` →
 * the ingress and egress `gateway` releases. Waves come from the shared table: base at
 * SyncWave.operators, istiod one step later (it needs the CRDs and the webhook configuration of
 * base), gateways at SyncWave.operatorConfig (their injection template comes from istiod).
 */
export class IstioHelmReleases extends Construct {
  /** Application names, in install order. */
  public readonly applications: readonly string[];

  constructor(scope: Construct, id: string, props: IstioHelmReleasesProps) {
    super(scope, id);
    const prefix = props.namePrefix ?? props.mesh.environment;
    const chart = (name: string) => ({ repoURL: ISTIO_HELM_REPOSITORY, chart: name, version: props.mesh.istioVersion });
    const common = { project: props.project, destinationName: props.destinationName };
    const labels = (component: string) => ({ ...props.labels, 'ceres.io/addon': component });

    const base = new HelmApplication(this, 'Base', {
      name: `${prefix}-istio-base`,
      releaseName: 'istio-base',
      chart: chart('base'),
      namespace: PlatformNamespaces.istio,
      values: baseChartValues(),
      syncWave: SyncWave.operators,
      labels: labels('istio-base'),
      ...common,
      // istiod patches the failurePolicy and caBundle of the validation webhook at run time.
      ignoreDifferences: [{ group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jsonPointers: ['/webhooks/0/failurePolicy', '/webhooks/0/clientConfig/caBundle'] }],
    });
    // The node agent replaces istio-init, so meshed pods need no NET_ADMIN/NET_RAW (Pod Security "restricted").
    const cni = new HelmApplication(this, 'Cni', {
      name: `${prefix}-istio-cni`,
      releaseName: 'istio-cni',
      chart: chart('cni'),
      namespace: PlatformNamespaces.istio,
      values: cniChartValues(props.platform),
      syncWave: SyncWave.operators + 1,
      labels: labels('istio-cni'),
      ...common,
    });
    const istiod = new HelmApplication(this, 'Istiod', {
      name: `${prefix}-istiod`,
      releaseName: 'istiod',
      chart: chart('istiod'),
      namespace: PlatformNamespaces.istio,
      values: istiodChartValues(props.mesh, props.platform),
      syncWave: SyncWave.operators + 1,
      labels: labels('istiod'),
      ...common,
      ignoreDifferences: [{ group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jsonPointers: ['/webhooks/0/failurePolicy', '/webhooks/0/clientConfig/caBundle'] }],
    });
    const gateways = [INGRESS_GATEWAY, EGRESS_GATEWAY].map(
      (gw) =>
        new HelmApplication(this, gw.release, {
          name: `${prefix}-${gw.release}`,
          releaseName: gw.release,
          chart: chart('gateway'),
          namespace: gw.namespace,
          values: gatewayChartValues(gw, props.mesh),
          syncWave: SyncWave.operatorConfig,
          labels: labels(gw.release),
          ...common,
        }),
    );
    this.applications = [base.name, cni.name, istiod.name, ...gateways.map((g) => g.name)];
  }
}
