import { ISTIO_HUB, ISTIO_VERSION } from './mesh-config';
import { PlatformNamespaces } from '../core/namespaces';
import { ACME_INGRESS_CLASS, EGRESS_GATEWAY, GatewayDeployment, INGRESS_GATEWAY, MeshSettings, ReplicaRange, TRUST_DOMAIN } from './mesh-config';
import { meshId, MeshMembership } from './mesh-trust';
import { INGRESS_HEALTH_CHECK } from '../core/traffic-failover';

/**
 * Values of the official Istio charts (`base`, `istiod`, `gateway`) and the matching IstioOperator
 * fields, computed from one MeshSettings. Both install paths read these functions, so a value
 * changed here changes both.
 */

const ZONE = 'topology.kubernetes.io/zone';

/**
 * Spread replicas over zones. Preferred rather than required: edge sites (K3s) have no zone labels,
 * and a required rule would leave the control plane unschedulable there. The same stanza is valid
 * in the charts' `affinity` value and in IstioOperator `k8s.affinity`.
 */
function zoneSpread(ha: boolean, podLabels: Record<string, string>): Record<string, unknown> | undefined {
  if (!ha) return undefined;
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: ZONE, labelSelector: { matchLabels: podLabels } } }],
    },
  };
}

/**
 * A disruption budget only makes sense with more than one replica: `minAvailable: 1` over a single
 * pod blocks every node drain. HA environments keep all but one replica during voluntary disruptions.
 */
function disruptionBudget(ha: boolean, replicas: ReplicaRange): Record<string, unknown> | undefined {
  return ha && replicas.min > 1 ? { maxUnavailable: 1 } : undefined;
}

/** Sidecar requests and limits (`global.proxy.resources`): they count against every tenant's quota. */
function sidecarResources(mesh: MeshSettings): Record<string, unknown> {
  const r = mesh.sidecarResources;
  return { requests: { ...r.requests }, limits: { ...r.limits } };
}

/** Mesh-wide Envoy and istiod behaviour (the chart's `meshConfig`, IstioOperator `spec.meshConfig`). */
export function meshConfigValues(mesh: MeshSettings): Record<string, unknown> {
  return {
    // The same in every cluster of the environment (one root CA, lib/mesh/mesh-trust.ts).
    trustDomain: TRUST_DOMAIN,
    // Workloads reach only what a ServiceEntry or a Service declares: unknown hosts are refused.
    outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    accessLogFile: mesh.accessLogFile,
    accessLogEncoding: 'JSON',
    // Authorization matches the normalized path, so `//admin` or `/a/../admin` cannot bypass a rule.
    pathNormalization: { normalization: mesh.pathNormalization },
    defaultConfig: {
      // Applications start only once Envoy is ready: no failed first calls on start-up. (The
      // proxy config is the current home of this switch; recent charts dropped global.proxy's.)
      holdApplicationUntilProxyStarts: true,
    },
    enableTracing: true,
    // Kubernetes Ingress support, for cert-manager's HTTP-01 solver Ingresses (class `istio`) only,
    // served by the ingress gateway pods.
    ingressControllerMode: 'STRICT',
    ingressClass: ACME_INGRESS_CLASS,
    ingressSelector: INGRESS_GATEWAY.selector,
    ingressService: INGRESS_GATEWAY.release,
    extensionProviders: [{ name: mesh.tracing.providerName, opentelemetry: { service: mesh.tracing.service, port: mesh.tracing.port } }],
    defaultProviders: { tracing: [mesh.tracing.providerName], metrics: ['prometheus'], accessLogging: ['envoy'] },
  };
}

/**
 * The platform flavour Istio's charts need to find the node's CNI directories (`gke` for GKE, `k3s`
 * for K3s edge sites; none for EKS and AKS).
 */
export type IstioPlatform = 'gke' | 'k3s';

/** Values of the `cni` chart: the node agent that sets up traffic redirection instead of `istio-init`. */
export function cniChartValues(platform?: IstioPlatform): Record<string, unknown> {
  return {
    global: { hub: ISTIO_HUB, tag: ISTIO_VERSION, istioNamespace: PlatformNamespaces.istio, ...(platform ? { platform } : {}) },
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  };
}

/** Values of the `base` chart (CRDs and the cluster-wide validation webhook). */
export function baseChartValues(): Record<string, unknown> {
  return { defaultRevision: 'default', global: { istioNamespace: PlatformNamespaces.istio } };
}

/**
 * Values of the `istiod` chart. The chart autoscales istiod between autoscaleMin and autoscaleMax,
 * and the HPA overrides `replicaCount`: the HA floor must be raised with `autoscaleMin`.
 */
export function istiodChartValues(mesh: MeshSettings, membership: MeshMembership, platform?: IstioPlatform): Record<string, unknown> {
  return {
    // Traffic redirection by the istio-cni node agent: without it every meshed pod gets an
    // `istio-init` container needing NET_ADMIN and NET_RAW, which Pod Security "restricted" refuses.
    // (Since Istio 1.24 the istiod chart reads the top-level `cni.enabled`; `pilot.cni` is ignored.)
    cni: { enabled: true },
    autoscaleEnabled: true,
    autoscaleMin: mesh.istiod.min,
    autoscaleMax: mesh.istiod.max,
    replicaCount: mesh.istiod.min,
    cpu: { targetAverageUtilization: mesh.targetCpuPercent },
    affinity: zoneSpread(mesh.ha, { app: 'istiod' }) ?? {},
    // istiod's own pod: RuntimeDefault seccomp and limits (the platform's admission rules require them).
    seccompProfile: { type: 'RuntimeDefault' },
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    global: {
      hub: ISTIO_HUB,
      tag: mesh.istioVersion,
      istioNamespace: PlatformNamespaces.istio,
      logAsJson: true,
      // One mesh per environment across clouds; each cluster its own network (lib/mesh/mesh-trust.ts).
      meshID: membership.meshId,
      multiCluster: { clusterName: membership.clusterName },
      network: membership.network,
      defaultPodDisruptionBudget: { enabled: disruptionBudget(mesh.ha, mesh.istiod) !== undefined },
      ...(platform ? { platform } : {}),
      // Injected sidecars: RuntimeDefault seccomp, or Pod Security "restricted" refuses meshed pods.
      proxy: { resources: sidecarResources(mesh), seccompProfile: { type: 'RuntimeDefault' } },
    },
    meshConfig: meshConfigValues(mesh),
  };
}

/** Service ports of a gateway deployment. */
function gatewayPorts(gateway: GatewayDeployment, mesh: MeshSettings): Record<string, unknown>[] {
  // The status port: readiness of the gateway pods, probed through the load balancer by the DNS failover's health checks.
  const status = { name: 'status-port', port: INGRESS_HEALTH_CHECK.port, protocol: 'TCP', targetPort: INGRESS_HEALTH_CHECK.port };
  if (gateway === INGRESS_GATEWAY) {
    return [status, { name: 'http2', port: 80, protocol: 'TCP', targetPort: 80 }, { name: 'https', port: 443, protocol: 'TCP', targetPort: 443 }];
  }
  return [status, ...mesh.egressTlsPorts.map((p) => ({ name: `tls-${p}`, port: p, protocol: 'TCP', targetPort: p }))];
}

function gatewayReplicas(gateway: GatewayDeployment, mesh: MeshSettings): ReplicaRange {
  return gateway === INGRESS_GATEWAY ? mesh.ingressGateway : mesh.egressGateway;
}

/**
 * Values of the `gateway` chart for the ingress or the egress gateway. `serviceAnnotations` go on the
 * ingress gateway's Service (its cloud's static address, lib/core/traffic-failover.ts).
 */
export function gatewayChartValues(gateway: GatewayDeployment, mesh: MeshSettings, serviceAnnotations: Record<string, string> = {}): Record<string, unknown> {
  const replicas = gatewayReplicas(gateway, mesh);
  const pdb = disruptionBudget(mesh.ha, replicas);
  return {
    replicaCount: replicas.min,
    autoscaling: { enabled: true, minReplicas: replicas.min, maxReplicas: replicas.max, targetCPUUtilizationPercentage: mesh.targetCpuPercent },
    podDisruptionBudget: pdb ?? {},
    affinity: zoneSpread(mesh.ha, { istio: gateway.selector }) ?? {},
    labels: { istio: gateway.selector },
    serviceAccount: { create: true, name: gateway.release },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '1Gi' } },
    service: {
      ...gatewayService(gateway, mesh),
      ...(gateway === INGRESS_GATEWAY && Object.keys(serviceAnnotations).length ? { annotations: serviceAnnotations } : {}),
    },
  };
}

/**
 * The gateway's Service. The ingress gateway's keeps clients' addresses (`externalTrafficPolicy:
 * Local`): its NetworkPolicy admits clients by address, and a load balancer's traffic SNATed to a node
 * would carry the node's identity, which Cilium's ipBlocks never match (AKS).
 */
function gatewayService(gateway: GatewayDeployment, mesh: MeshSettings): Record<string, unknown> {
  return gateway === INGRESS_GATEWAY
    ? { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: gatewayPorts(gateway, mesh) }
    : { type: 'ClusterIP', ports: gatewayPorts(gateway, mesh) };
}

/** `components.<x>Gateways[]` entry of the IstioOperator, equivalent to gatewayChartValues. */
function operatorGateway(gateway: GatewayDeployment, mesh: MeshSettings): Record<string, unknown> {
  const replicas = gatewayReplicas(gateway, mesh);
  const pdb = disruptionBudget(mesh.ha, replicas);
  const affinity = zoneSpread(mesh.ha, { istio: gateway.selector });
  return {
    name: gateway.release,
    namespace: gateway.namespace,
    enabled: true,
    label: { istio: gateway.selector, app: gateway.release },
    k8s: {
      replicaCount: replicas.min,
      hpaSpec: {
        minReplicas: replicas.min,
        maxReplicas: replicas.max,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: mesh.targetCpuPercent } } }],
      },
      ...(pdb ? { podDisruptionBudget: pdb } : {}),
      ...(affinity ? { affinity } : {}),
      service: gatewayService(gateway, mesh),
    },
  };
}

/**
 * `spec` of the IstioOperator document for `istioctl install -f`: the same control plane, gateways
 * and mesh config as the Helm path.
 */
export function istioOperatorSpec(mesh: MeshSettings, platform?: IstioPlatform): Record<string, unknown> {
  const istiodPdb = disruptionBudget(mesh.ha, mesh.istiod);
  const istiodAffinity = zoneSpread(mesh.ha, { app: 'istiod' });
  return {
    profile: 'minimal',
    tag: mesh.istioVersion,
    meshConfig: meshConfigValues(mesh),
    components: {
      base: { enabled: true },
      cni: { enabled: true, namespace: PlatformNamespaces.istio },
      pilot: {
        enabled: true,
        k8s: {
          replicaCount: mesh.istiod.min,
          hpaSpec: { minReplicas: mesh.istiod.min, maxReplicas: mesh.istiod.max },
          ...(istiodPdb ? { podDisruptionBudget: istiodPdb } : {}),
          ...(istiodAffinity ? { affinity: istiodAffinity } : {}),
        },
      },
      ingressGateways: [operatorGateway(INGRESS_GATEWAY, mesh)],
      egressGateways: [operatorGateway(EGRESS_GATEWAY, mesh)],
    },
    values: {
      global: {
        istioNamespace: PlatformNamespaces.istio,
        logAsJson: true,
        // Per cluster, add --set values.global.multiCluster.clusterName=<cluster> --set values.global.network=<cluster>-network.
        meshID: meshId(mesh.environment),
        defaultPodDisruptionBudget: { enabled: istiodPdb !== undefined },
        ...(platform ? { platform } : {}),
        // Injected sidecars: RuntimeDefault seccomp, or Pod Security "restricted" refuses meshed pods.
        proxy: { resources: sidecarResources(mesh), seccompProfile: { type: 'RuntimeDefault' } },
      },
      pilot: { autoscaleEnabled: true, autoscaleMin: mesh.istiod.min, autoscaleMax: mesh.istiod.max, replicaCount: mesh.istiod.min, cni: { enabled: true } },
    },
  };
}
