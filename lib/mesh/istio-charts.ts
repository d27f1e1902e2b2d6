import { ChartTarget, HelmChart, IgnoredDifference } from '../core/addon';
import { SyncWave } from '../core/argocd';
import { Cloud } from '../core/model';
import { PlatformNamespaces } from '../core/namespaces';
import { ClusterPlacement, traitsOf } from '../core/topology';
import { ingressServiceAnnotations } from '../core/traffic-failover';
import { baseChartValues, cniChartValues, gatewayChartValues, istiodChartValues, IstioPlatform } from './istio-values';
import { meshCaBootstrap, meshMembership } from './mesh-trust';
import { EGRESS_GATEWAY, INGRESS_GATEWAY, ISTIO_HELM_REPOSITORY, ISTIO_VERSION, MeshConfig, MeshSettings, resolveMeshSettings } from './mesh-config';

/** The Istio chart platform of a cluster: GKE and K3s keep CNI binaries in non-default places. */
export function istioPlatform(cloud: Cloud): IstioPlatform | undefined {
  return cloud === 'gcp' ? 'gke' : cloud === 'edge' ? 'k3s' : undefined;
}

/** TLS ports of the external services routed through the egress gateway (its Service exposes them). */
export function egressTlsPorts(target: Pick<ChartTarget, 'services'>): number[] {
  const ports = target.services.external.filter((e) => e.protocol === 'TLS' && !e.hosts.some((h) => h.includes('*'))).map((e) => e.port);
  return ports.length ? ports : [443];
}

/** The mesh settings of the cluster a chart is rendered for (edge sites get the light profile). */
export function clusterMeshSettings(target: ChartTarget, config: MeshConfig): MeshSettings {
  return resolveMeshSettings(target.environment, config, egressTlsPorts(target), traitsOf(target.cluster).light ? 'edge' : 'full');
}

// istiod patches the failurePolicy and caBundle of the validation webhook at run time.
const WEBHOOK_PATCHED: readonly IgnoredDifference[] = [
  {
    group: 'admissionregistration.k8s.io',
    kind: 'ValidatingWebhookConfiguration',
    jsonPointers: ['/webhooks/0/failurePolicy', '/webhooks/0/clientConfig/caBundle'],
  },
];

/**
 * The official Istio charts, in install order: `base` (CRDs) → `cni` and `istiod` → the ingress and
 * egress `gateway` releases. Waves come from the shared table: base at SyncWave.operators, the node
 * agent and istiod one step later (they need the CRDs and the webhook configuration of base),
 * gateways at SyncWave.operatorConfig (their injection template comes from istiod). Every cluster
 * gets them, in `argocd/istio.yaml`.
 */
export function istioCharts(config: MeshConfig = {}): HelmChart[] {
  // The sidecar mesh needs its CNI node agent (restricted pods cannot run istio-init).
  const meshClusters: ClusterPlacement = { traits: ['nodeAgents'] };
  const ref = (chart: string) => ({ repoURL: ISTIO_HELM_REPOSITORY, chart, version: config.istioVersion ?? ISTIO_VERSION });
  const common = { placement: meshClusters, file: 'istio', crdGroups: [] as string[] };
  return [
    {
      ...common,
      name: 'istio-base',
      chart: ref('base'),
      namespace: PlatformNamespaces.istio,
      crdGroups: ['networking.istio.io', 'security.istio.io', 'telemetry.istio.io', 'extensions.istio.io'],
      description: 'Istio CRDs and the cluster-wide validation webhook',
      syncWave: SyncWave.operators,
      ignoreDifferences: WEBHOOK_PATCHED,
      values: () => baseChartValues(),
    },
    {
      ...common,
      // The node agent replaces istio-init, so meshed pods need no NET_ADMIN/NET_RAW (Pod Security "restricted").
      name: 'istio-cni',
      chart: ref('cni'),
      namespace: PlatformNamespaces.istio,
      description: 'Istio CNI node agent: traffic redirection without privileged init containers',
      syncWave: SyncWave.operators + 1,
      values: (t) => cniChartValues(istioPlatform(t.cluster.cloud)),
    },
    {
      ...common,
      name: 'istiod',
      chart: ref('istiod'),
      namespace: PlatformNamespaces.istio,
      description: 'Istio control plane: configuration, certificates, sidecar injection',
      syncWave: SyncWave.operators + 1,
      ignoreDifferences: WEBHOOK_PATCHED,
      bootstrap: meshCaBootstrap,
      values: (t) => istiodChartValues(clusterMeshSettings(t, config), meshMembership(t.environment, t.cluster), istioPlatform(t.cluster.cloud)),
    },
    ...[INGRESS_GATEWAY, EGRESS_GATEWAY].map((gw): HelmChart => ({
      ...common,
      name: gw.release,
      chart: ref('gateway'),
      namespace: gw.namespace,
      description:
        gw === INGRESS_GATEWAY ? 'Istio ingress gateway (LoadBalancer, TLS termination)' : 'Istio egress gateway (the only way out for TLS destinations)',
      syncWave: SyncWave.operatorConfig,
      values: (t) => gatewayChartValues(gw, clusterMeshSettings(t, config), ingressServiceAnnotations(t.cluster)),
    })),
  ];
}
