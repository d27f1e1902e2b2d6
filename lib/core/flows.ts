import { DatabaseSpec, TenantSpec } from './input/types';
import { ClusterConfig, EnvironmentConfig, PlatformConfig } from './model';
import { controlPlaneNetwork, nodeLocalDnsAddresses, workloadIdentityEndpoint } from './cloud';
import { PlatformNamespaces } from './namespaces';
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
  /**
   * The cluster or a controller creates them (kube-dns, konnectivity agents, ACME solver pods): no release renders them, so
   * `flows/endpoints-exist` does not look for them. @default false
   */
  readonly clusterProvided?: boolean;
  /**
   * Only the pods of the set that run a sidecar: a namespace-wide flow through the mesh (to the egress
   * gateway) does not come from the namespace's pods outside it (CloudNativePG instances). @default false
   */
  readonly meshed?: boolean;
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
  /** Addresses inside `cidrs` the flow never reaches (link-local metadata services). @default none */
  readonly except?: readonly string[];
  /** Host name the workload connects to (the mesh routes by it; a ServiceEntry must declare it). */
  readonly host?: string;
}

/**
 * Where a flow comes from: pods, the Kubernetes API server calling a webhook (its addresses per cloud
 * are `controlPlaneNetwork` in cloud.ts), or addresses outside the pod network (clients of a load balancer).
 */
export type FlowSource = { readonly pods: PodSet } | { readonly apiServer: true } | { readonly external: ExternalTarget };

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

/** The cluster's DNS service (CoreDNS or kube-dns: every cloud labels it `k8s-app: kube-dns`). */
export const KUBE_DNS_PODS: PodSet = { namespace: PlatformNamespaces.kubeSystem, podLabels: { 'k8s-app': 'kube-dns' }, clusterProvided: true };

/** The ports of cluster DNS. */
export const DNS_PORTS: readonly FlowPort[] = [
  { port: 53, protocol: 'UDP' },
  { port: 53, protocol: 'TCP' },
];

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

/**
 * What every pod of a platform namespace needs: names resolved by kube-dns, and (`apiServer`) the
 * Kubernetes API, at the addresses the cluster's control plane has (`controlPlaneNetwork`). An add-on
 * declares them for each namespace its charts install into; `apiServer` may name the pods that need
 * the API when not all of them do.
 */
export function namespaceBaseFlows(
  addOn: string,
  namespace: string,
  cluster: ClusterConfig,
  options: { readonly apiServer?: boolean | Readonly<Record<string, string>> } = {},
): Flow[] {
  const flows: Flow[] = [
    {
      name: `${addOn}/dns/${namespace}`,
      from: { pods: { namespace } },
      to: { pods: KUBE_DNS_PODS, ports: DNS_PORTS },
      plaintext: true,
      reason: 'name resolution through kube-dns',
    },
  ];
  const nodeLocal = nodeLocalDnsAddresses(cluster);
  if (nodeLocal.length) {
    flows.push({
      name: `${addOn}/node-local-dns/${namespace}`,
      from: { pods: { namespace } },
      to: { external: { cidrs: nodeLocal }, ports: DNS_PORTS },
      plaintext: true,
      reason: "name resolution through the node's DNS cache (NodeLocal DNSCache, Cloud DNS)",
    });
  }
  if (options.apiServer) {
    const api = controlPlaneNetwork(cluster).endpoint;
    flows.push({
      name: `${addOn}/api-server/${namespace}`,
      from: { pods: { namespace, ...(typeof options.apiServer === 'object' ? { podLabels: options.apiServer } : {}) } },
      to: { external: { cidrs: api.cidrs }, ports: api.ports.map((port) => ({ port })) },
      plaintext: true,
      reason: 'controllers watch and write their objects through the Kubernetes API',
    });
  }
  return flows;
}

/** The pods reach the cluster's workload identity endpoint (`workloadIdentityEndpoint`), where it has one. */
export function workloadIdentityFlows(addOn: string, pods: PodSet, cluster: ClusterConfig): Flow[] {
  const endpoint = workloadIdentityEndpoint(cluster);
  if (!endpoint) return [];
  return [
    {
      name: `${addOn}/workload-identity/${pods.namespace}`,
      from: { pods },
      to: { external: { cidrs: endpoint.cidrs }, ports: endpoint.ports.map((port) => ({ port })) },
      plaintext: true,
      reason: 'the workload identity hands out cloud credentials on the node (EKS Pod Identity agent, GKE metadata server)',
    },
  ];
}

/**
 * Every address outside the cluster: public endpoints (ACME, registries, object stores, cloud APIs,
 * webhooks), except the link-local range, where the nodes' metadata services and credential agents
 * answer (a flow that needs one names it: `workloadIdentityFlows`).
 */
export const INTERNET: ExternalTarget = { cidrs: ['0.0.0.0/0'], except: ['169.254.0.0/16'] };
