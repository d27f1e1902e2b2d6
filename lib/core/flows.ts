import { DatabaseSpec, TenantSpec } from './input/types';
import { ClusterConfig, EnvironmentConfig, PlatformConfig } from './model';
import { ServiceCatalog } from './services';

/**
 * Network flows the platform needs, declared by the add-on that needs them. `npm run verify`
 * proves each is allowed by what a cluster applies (NetworkPolicies at both ends, Istio
 * AuthorizationPolicies at a meshed destination, the source namespace's Sidecar egress hosts) and
 * that no flow a policy allows crosses tenants.
 */

/** A set of pods: every pod of a namespace, or those with the labels. */
export interface PodSet {
  /** Namespace of the pods. */
  readonly namespace: string;
  /** Pod labels that select the pods. @default every pod of the namespace */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** Their service account (the mesh principal `cluster.local/ns/<namespace>/sa/<serviceAccount>`). */
  readonly serviceAccount?: string;
}

export interface FlowPort {
  /** Destination port number (the container port, not the Service port). */
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/** Something outside the pod network: an address range and, for the mesh, the host name used. */
export interface ExternalTarget {
  /** Address ranges the destination lives in (`10.30.96.0/20` for database subnets, `0.0.0.0/0` for a public endpoint). */
  readonly cidrs: readonly string[];
  /** Host name the workload connects to (the mesh routes by it; a ServiceEntry must declare it). */
  readonly host?: string;
}

/** Where a flow comes from: pods, or the Kubernetes API server calling a webhook. */
export type FlowSource = { readonly pods: PodSet } | { readonly apiServer: true };

/** Where a flow goes. */
export type FlowDestination =
  { readonly pods: PodSet; readonly ports: readonly FlowPort[] } | { readonly external: ExternalTarget; readonly ports: readonly FlowPort[] };

export interface Flow {
  /** Stable name, `<add-on>/<what>` (`observability/scrape-tenant-sidecars`). */
  readonly name: string;
  /** Who opens the connection. */
  readonly from: FlowSource;
  /** Who accepts it, and on which ports. */
  readonly to: FlowDestination;
  /**
   * The connection bypasses the sidecars' mTLS and authorization: Envoy's own ports (15020 merged
   * metrics, 15090 stats, 15021 health) and pods outside the mesh. @default false
   */
  readonly plaintext?: boolean;
  /** Why the platform needs it (shown in findings). */
  readonly reason: string;
  /**
   * The requests carry a valid end-user token of this issuer (JWT validated by the destination's
   * RequestAuthentication): calls routed by the ingress gateway for signed-in users. @default none
   */
  readonly endUserTokenIssuer?: string;
  /**
   * The destination's Service belongs to someone else's Application (a tenant's own workloads), so
   * it is not in dist/: the Sidecar registry check cannot decide and is skipped. @default true
   */
  readonly registryChecked?: boolean;
}

/** What an add-on sees when it declares the flows of one cluster. */
export interface FlowTarget {
  /** The whole platform description (registries, GitOps repository, Keycloak URL). */
  readonly platform: PlatformConfig;
  /** The environment the cluster belongs to. */
  readonly environment: EnvironmentConfig;
  /** The cluster whose flows are declared (its profile decides which components run). */
  readonly cluster: ClusterConfig;
  /** Tenants whose folders the cluster syncs. */
  readonly tenants: readonly TenantSpec[];
  /** Their databases. */
  readonly databases: readonly DatabaseSpec[];
  /** The service catalog of the environment (core services and their dependencies). */
  readonly services: ServiceCatalog;
}
