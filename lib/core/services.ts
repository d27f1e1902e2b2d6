/**
 * The service catalog: the platform's own services (and later tenants'), declared once. The
 * workloads add-on turns a declaration into Deployments, Services, ServiceAccounts, PDBs and HPAs;
 * the mesh add-on turns the same declaration into DestinationRules, VirtualServices and
 * AuthorizationPolicies. Both read this model; neither reads the other's objects to decide.
 */

/** One deployable version of a service (a mesh subset, selected by the `version` label). */
export interface ServiceVersion {
  /** Version name, a DNS-1123 label (`v1`); the Deployment is `<service>-<version>`. */
  readonly name: string;
  /** Image with a pinned tag or digest (never `latest`). */
  readonly image: string;
  /**
   * Percentage of traffic this version receives (all versions of a service sum to 100).
   * Ignored when the rollout is owned by Flagger.
   * @default 100 for a single version
   */
  readonly weight?: number;
}

/** A call this service makes to another service of the catalog. */
export interface ServiceDependency {
  /** Name of the called service. */
  readonly service: string;
  /** Its namespace. @default the caller's namespace */
  readonly namespace?: string;
  /** Ports the caller may use. @default the called service's port */
  readonly ports?: readonly number[];
  /** HTTP paths the caller may use (Istio path syntax, `/api/*`). @default any */
  readonly paths?: readonly string[];
  /** HTTP methods the caller may use. @default any */
  readonly methods?: readonly string[];
}

/** How a service is exposed through the ingress gateway. */
export interface ServiceExposure {
  /** Host label under the environment's base domain (`api` → `api.ceres.io`). */
  readonly hostPrefix: string;
  /** Path prefixes routed to the service. @default ['/'] */
  readonly pathPrefixes?: readonly string[];
  /**
   * Require a valid JWT from the realm (RequestAuthentication + an AuthorizationPolicy requiring
   * a request principal).
   * @default true
   */
  readonly requireJwt?: boolean;
  /** Keycloak realm whose tokens are accepted. @default 'ceres' */
  readonly realm?: string;
}

export type LoadBalancing = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | { readonly consistentHashHeader: string };

/** Connection pool and circuit breaking. */
export interface TrafficPolicy {
  /** @default 'LEAST_REQUEST' */
  readonly loadBalancing?: LoadBalancing;
  /** Max TCP connections per destination host. @default 100 */
  readonly maxConnections?: number;
  /** Max pending HTTP requests. @default 100 */
  readonly maxPendingRequests?: number;
  /** Consecutive 5xx errors before ejecting a host. @default 5 */
  readonly consecutive5xxErrors?: number;
  /** Max share of hosts ejected, percent. @default 50 */
  readonly maxEjectionPercent?: number;
}

/** Container resources, Kubernetes quantities. */
export interface ResourceSpec {
  /** What the scheduler reserves: CPU (`100m`) and memory (`128Mi`). */
  readonly requests: { readonly cpu: string; readonly memory: string };
  /** The most a container may use: CPU (throttled above it) and memory (killed above it). */
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export interface ServiceDeclaration {
  /** Service name, a DNS-1123 label. */
  readonly name: string;
  /** Namespace the service runs in (`ceres` for the platform's own services). */
  readonly namespace: string;
  /** Workload service account. @default the service name */
  readonly serviceAccount?: string;
  /** The port the service listens on (container and Service port). */
  readonly port: number;
  /** @default 'http' */
  readonly protocol?: 'http' | 'grpc' | 'tcp';
  /** The versions deployed side by side, one Deployment and mesh subset each. */
  readonly versions: readonly ServiceVersion[];
  /** Services this one calls. @default [] */
  readonly dependsOn?: readonly ServiceDependency[];
  /** Exposure through the ingress gateway. @default not exposed */
  readonly expose?: ServiceExposure;
  /** Load balancing, connection pool and outlier detection (its DestinationRule). @default the TrafficPolicy defaults */
  readonly trafficPolicy?: TrafficPolicy;
  /**
   * Who owns the traffic split: `static` weights rendered by us, or `flagger` (a Canary with the
   * design's steps; we then render no weights for the route).
   * @default 'static'
   */
  readonly rollout?: 'static' | 'flagger';
  /** @default 100m / 128Mi requests, 500m / 256Mi limits */
  readonly resources?: ResourceSpec;
  /** Replica range; the HPA scales between them at `targetCpuPercent`. @default the environment's coreServices sizing */
  readonly replicas?: { readonly min: number; readonly max: number };
  /** @default 70 */
  readonly targetCpuPercent?: number;
  /** HTTP path of readiness and liveness probes. @default '/healthz' */
  readonly healthPath?: string;
  /** Per-request timeout, Istio duration. @default '10s' */
  readonly timeout?: string;
  /** Retries on 5xx / reset / connect-failure. @default 2 */
  readonly retries?: number;
}

/** A destination outside the mesh that workloads may reach through the egress gateway. */
export interface ExternalService {
  /** Name of the ServiceEntry. */
  readonly name: string;
  /** DNS names (a leading `*.` wildcard is allowed). */
  readonly hosts: readonly string[];
  /** Port the workloads connect to. */
  readonly port: number;
  /** `TLS` (pass-through, SNI routed) or `TCP`. */
  readonly protocol: 'TLS' | 'TCP';
  /** Namespaces whose workloads may use it. */
  readonly namespaces: readonly string[];
}

export interface ServiceCatalog {
  /** The services deployed in the environment. */
  readonly services: readonly ServiceDeclaration[];
  /** Destinations outside the mesh, reached through the egress gateway. */
  readonly external: readonly ExternalService[];
}

/**
 * Name of the Deployment (and HPA, PDB, VPA) running one version of a service: `<service>-<version>`,
 * or `<service>` when Flagger owns the rollout (Flagger's Canary targets that Deployment and creates
 * `<service>-primary` itself).
 */
export function workloadName(service: ServiceDeclaration, version: ServiceVersion): string {
  return service.rollout === 'flagger' ? service.name : `${service.name}-${version.name}`;
}

/** The service account a service's pods run as. */
export function serviceAccountName(service: ServiceDeclaration): string {
  return service.serviceAccount ?? service.name;
}
