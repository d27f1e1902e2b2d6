import { EnvironmentConfig } from '../core/model';
import { PlatformNamespaces } from '../core/namespaces';
import { INGRESS_SERVICE } from '../core/traffic-failover';

/**
 * The one typed mesh configuration of an environment. The Helm values of the Argo CD Applications
 * and the IstioOperator document for `istioctl install -f` are both derived from it, so the two
 * installation paths cannot drift apart.
 */

/** The Istio release the platform runs; the CRDs in imports/ were generated from this tag. */
export const ISTIO_VERSION = '1.30.3';

/**
 * Registry of the Istio images (istiod, proxyv2 sidecars and gateways, install-cni). The 1.30
 * release tooling (istio/release-builder, release-1.30) stamps `registry.istio.io/release` as the
 * published charts' `global.hub`; we set it explicitly in every Istio chart's values, and the
 * allowed-registries admission policy admits exactly this hub for injected sidecars, so the two
 * cannot disagree.
 */
export const ISTIO_HUB = 'registry.istio.io/release';

/** IngressClass of cert-manager's HTTP-01 solver Ingresses, served by Istio (controller `istio.io/ingress-controller`). */
export const ACME_INGRESS_CLASS = 'istio';

/** The official Istio Helm repository. */
export const ISTIO_HELM_REPOSITORY = 'https://istio-release.storage.googleapis.com/charts';

/** Trust domain of the mesh: SPIFFE principals are `<trustDomain>/ns/<namespace>/sa/<serviceAccount>`. */
export const TRUST_DOMAIN = 'cluster.local';

/** An Istio gateway deployment installed by the `gateway` Helm chart. */
export interface GatewayDeployment {
  /** Helm release name; also the Deployment, Service and ServiceAccount name the chart creates. */
  readonly release: string;
  /** Namespace the gateway is installed in. */
  readonly namespace: string;
  /** Pod label `istio=<value>` that Gateway resources select. */
  readonly selector: string;
  /** The Gateway resource (networking.istio.io/v1) bound to this deployment. */
  readonly gatewayName: string;
}

/** The ingress gateway: LoadBalancer Service, TLS termination for every exposed host. */
export const INGRESS_GATEWAY: GatewayDeployment = {
  // The Service Terraform's DNS failover finds (lib/core/traffic-failover.ts).
  release: INGRESS_SERVICE.name,
  namespace: INGRESS_SERVICE.namespace,
  selector: 'ingressgateway',
  gatewayName: 'ceres-ingress',
};

/** The egress gateway: the only way out of the mesh for TLS destinations. */
export const EGRESS_GATEWAY: GatewayDeployment = {
  release: 'istio-egressgateway',
  namespace: PlatformNamespaces.egress,
  selector: 'egressgateway',
  gatewayName: 'ceres-egress',
};

/** `<namespace>/<gateway>`, the form VirtualServices use to bind to a Gateway. */
export function gatewayReference(gateway: GatewayDeployment): string {
  return `${gateway.namespace}/${gateway.gatewayName}`;
}

/** Cluster-local FQDN of a Kubernetes Service. */
export function serviceHost(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.cluster.local`;
}

/** The SPIFFE principal of a service account, as AuthorizationPolicies name it. */
export function spiffePrincipal(namespace: string, serviceAccount: string): string {
  return `${TRUST_DOMAIN}/ns/${namespace}/sa/${serviceAccount}`;
}

/**
 * Service accounts that the Istio Helm charts create (so they never appear among rendered objects)
 * and that policies may name as principals. Listed explicitly: anything else must be rendered.
 */
export const HELM_INSTALLED_SERVICE_ACCOUNTS: readonly string[] = [
  spiffePrincipal(INGRESS_GATEWAY.namespace, INGRESS_GATEWAY.release),
  spiffePrincipal(EGRESS_GATEWAY.namespace, EGRESS_GATEWAY.release),
  spiffePrincipal(PlatformNamespaces.istio, 'istiod'),
];

/**
 * Annotation of a VirtualService whose destinations are Services a Helm chart creates (a console's,
 * console-routes.ts): its value is the upstream chart's name. They are not among the rendered objects,
 * so `hosts-resolve` does not look for them; `npm run verify` (`mesh/chart-routes`) finds each in the
 * rendered chart, with its port.
 */
export const CHART_SERVICE_ANNOTATION = 'ceres.io/chart-service';

/** Services the Istio Helm charts create, which routes may use as destinations. */
export const HELM_INSTALLED_SERVICES: readonly string[] = [
  serviceHost(INGRESS_GATEWAY.release, INGRESS_GATEWAY.namespace),
  serviceHost(EGRESS_GATEWAY.release, EGRESS_GATEWAY.namespace),
  serviceHost('istiod', PlatformNamespaces.istio),
];

/** Where spans go: an OTLP/gRPC receiver (Tempo, the design's Jaeger role) in the monitoring namespace. */
export interface TracingBackend {
  /** Name of the mesh extension provider that Telemetry resources reference. @default 'otel-tracing' */
  readonly providerName?: string;
  /** FQDN of the receiver Service. @default 'tempo.monitoring.svc.cluster.local' */
  readonly service?: string;
  /** OTLP/gRPC port. @default 4317 */
  readonly port?: number;
}

/** Mesh settings that are not sizing. Every field has a safe default. */
export interface MeshConfig {
  /** Istio release (Helm chart version and image tag). @default ISTIO_VERSION */
  readonly istioVersion?: string;
  /** Tracing backend. @default OTLP/gRPC to tempo.monitoring:4317 */
  readonly tracing?: TracingBackend;
  /**
   * Envoy path normalization (`NONE`, `BASE`, `MERGE_SLASHES`, `DECODE_AND_MERGE_SLASHES`).
   * Authorization policies match on the normalized path, so `//admin` cannot sneak past `/admin`.
   * @default 'MERGE_SLASHES'
   */
  readonly pathNormalization?: 'BASE' | 'MERGE_SLASHES' | 'DECODE_AND_MERGE_SLASHES';
  /** Envoy access log destination. @default '/dev/stdout' */
  readonly accessLogFile?: string;
  /** Target CPU utilisation of the istiod and gateway autoscalers. @default 80 */
  readonly targetCpuPercent?: number;
  /**
   * Resources of every injected sidecar. Istio's own default limit (2 CPU / 1Gi) would let one
   * sidecar take half of a starter tenant's CPU quota, so the default is sized for the tiers.
   * @default requests 50m / 64Mi, limits 500m / 256Mi
   */
  readonly sidecarResources?: SidecarResources;
}

/** Requests and limits of the Envoy sidecar, Kubernetes quantities. */
export interface SidecarResources {
  /** What the scheduler reserves per sidecar: CPU and memory. */
  readonly requests: { readonly cpu: string; readonly memory: string };
  /** The most a sidecar may use: CPU (throttled above it) and memory (killed above it). */
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export const DEFAULT_SIDECAR_RESOURCES: SidecarResources = {
  requests: { cpu: '50m', memory: '64Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};

/** A replica range for an autoscaled component. */
export interface ReplicaRange {
  /** Fewest replicas (also the HPA's `minReplicas`). */
  readonly min: number;
  /** Most replicas (the HPA's `maxReplicas`). */
  readonly max: number;
}

/** The resolved mesh configuration of one environment: every value the install paths need. */
export interface MeshSettings {
  /** Name of the environment (`prod`). */
  readonly environment: string;
  /** `full`, or `edge` for light sites (single replicas, at most two when autoscaled, no HA). */
  readonly profile: MeshProfile;
  /** Istio release: Helm chart version and image tag. */
  readonly istioVersion: string;
  /** High availability (PDBs, zone spreading): the environment's `sizing.ha`, never on edge sites. */
  readonly ha: boolean;
  /** istiod replica range. */
  readonly istiod: ReplicaRange;
  /** Ingress gateway replica range. */
  readonly ingressGateway: ReplicaRange;
  /** Egress gateway replica range. */
  readonly egressGateway: ReplicaRange;
  /** Share of requests traced, percent (0 to 100). */
  readonly tracingSamplePercent: number;
  /** Where spans go, every default filled in. */
  readonly tracing: Required<TracingBackend>;
  /** Envoy path normalization, applied before authorization policies match paths. */
  readonly pathNormalization: string;
  /** Envoy access log destination (`/dev/stdout`). */
  readonly accessLogFile: string;
  /** Target CPU utilisation of the istiod and gateway autoscalers. */
  readonly targetCpuPercent: number;
  /** Requests and limits of every injected sidecar. */
  readonly sidecarResources: SidecarResources;
  /** TLS ports of external services routed through the egress gateway (the gateway's Service exposes them). */
  readonly egressTlsPorts: readonly number[];
}

/** Tempo in `monitoring` (installed by the GitOps Helm add-ons), its OTLP/gRPC receiver. */
export const DEFAULT_TRACING: Required<TracingBackend> = {
  providerName: 'otel-tracing',
  service: serviceHost('tempo', PlatformNamespaces.monitoring),
  port: 4317,
};

/**
 * What a cluster can hold: `full` clusters get the environment's sizing; `edge` sites (K3s mini
 * clusters) run one replica of each component, without disruption budgets or zone spreading.
 */
export type MeshProfile = 'full' | 'edge';

/**
 * Resolves the mesh settings of an environment from its sizing and the platform's MeshConfig.
 * HA environments never run a single istiod or ingress gateway, whatever the sizing says: a
 * single replica cannot honour a disruption budget.
 */
export function resolveMeshSettings(
  environment: EnvironmentConfig,
  config: MeshConfig = {},
  egressTlsPorts: readonly number[] = [443],
  profile: MeshProfile = 'full',
): MeshSettings {
  const sizing = environment.sizing;
  const ha = sizing.ha && profile === 'full';
  const haFloor = (r: ReplicaRange, floor: number): ReplicaRange => {
    if (profile === 'edge') return { min: 1, max: Math.max(1, Math.min(r.max, 2)) };
    const min = ha ? Math.max(r.min, floor) : r.min;
    return { min, max: Math.max(min, r.max) };
  };
  const version = config.istioVersion ?? ISTIO_VERSION;
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`MeshConfig.istioVersion "${version}" must be an exact release such as ${ISTIO_VERSION}`);
  if (sizing.tracingSamplePercent < 0 || sizing.tracingSamplePercent > 100) {
    throw new Error(`environment ${environment.name}: sizing.tracingSamplePercent ${sizing.tracingSamplePercent} must be between 0 and 100`);
  }
  return {
    environment: environment.name,
    istioVersion: version,
    profile,
    ha,
    istiod: haFloor(sizing.istiod, 2),
    ingressGateway: haFloor(sizing.ingressGateway, 2),
    egressGateway: haFloor(sizing.egressGateway, 2),
    tracingSamplePercent: sizing.tracingSamplePercent,
    tracing: { ...DEFAULT_TRACING, ...config.tracing },
    pathNormalization: config.pathNormalization ?? 'MERGE_SLASHES',
    accessLogFile: config.accessLogFile ?? '/dev/stdout',
    targetCpuPercent: config.targetCpuPercent ?? 80,
    sidecarResources: config.sidecarResources ?? DEFAULT_SIDECAR_RESOURCES,
    egressTlsPorts: [...new Set(egressTlsPorts)].sort((a, b) => a - b),
  };
}
