import * as k8s from '../core/k8s';
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { PlatformNamespaces } from '../core/namespaces';
import { TEMPO_PODS, TracingBackend } from '../observability';
import { memoized } from '../core/memo';

/** Who is at the other end of an allowed connection. */
export type NetworkPeer =
  /** Any pod of the namespace being isolated (never another namespace). */
  | { readonly kind: 'same-namespace' }
  /** Pods of a named namespace, optionally only those with these labels. */
  | { readonly kind: 'namespace'; readonly namespace: string; readonly podLabels?: Readonly<Record<string, string>> }
  /** Addresses outside the pod network (cloud APIs, object stores), minus `except`. */
  | { readonly kind: 'cidr'; readonly cidr: string; readonly except?: readonly string[] };

export interface NetworkPort {
  /** Port number on the pods (the container port). */
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/**
 * One exception to default deny, declared as data: which pods, which direction, to or from whom,
 * on which ports, and why. Each becomes one NetworkPolicy named `allow-<name>`.
 */
export interface NetworkAllowance {
  /** DNS-1123 name suffix (`dns` → `allow-dns`). */
  readonly name: string;
  /** `ingress`: the peers may connect to the pods; `egress`: the pods may connect to the peers. */
  readonly direction: 'ingress' | 'egress';
  /** Who is on the other end: the same namespace, a named namespace's pods, or an IP block. */
  readonly peers: readonly NetworkPeer[];
  /** @default every port */
  readonly ports?: readonly NetworkPort[];
  /** Pods of the isolated namespace the allowance applies to. @default every pod */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** Why the platform needs it (rendered as an annotation, reviewed like code). */
  readonly reason: string;
}

/** Label CloudNativePG puts on every PostgreSQL instance pod. */
export const CNPG_INSTANCE_LABELS = { 'cnpg.io/podRole': 'instance' } as const;

/**
 * The allowances the platform's namespaces are built from. Ports: istiod serves xDS and
 * certificates on 15012; Envoy merged Prometheus metrics on 15020 and its own stats on 15090;
 * CloudNativePG's instance manager status API on 8000 and its exporter on 9187.
 */
export const NetworkAllowances = {
  dns(): NetworkAllowance {
    return {
      name: 'dns',
      direction: 'egress',
      peers: [{ kind: 'namespace', namespace: PlatformNamespaces.kubeSystem, podLabels: { 'k8s-app': 'kube-dns' } }],
      ports: [
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ],
      reason: 'name resolution through kube-dns',
    };
  },
  sameNamespaceIngress(): NetworkAllowance {
    return { name: 'same-namespace-ingress', direction: 'ingress', peers: [{ kind: 'same-namespace' }], reason: 'pods of the namespace talk to each other' };
  },
  sameNamespaceEgress(): NetworkAllowance {
    return { name: 'same-namespace-egress', direction: 'egress', peers: [{ kind: 'same-namespace' }], reason: 'pods of the namespace talk to each other' };
  },
  fromIngressGateway(): NetworkAllowance {
    return {
      name: 'from-ingress-gateway',
      direction: 'ingress',
      peers: [{ kind: 'namespace', namespace: PlatformNamespaces.ingress }],
      reason: 'traffic routed by the Istio ingress gateways (which routes may reach which service is the mesh AuthorizationPolicies’ job)',
    };
  },
  toIstiod(): NetworkAllowance {
    return {
      name: 'to-istiod',
      direction: 'egress',
      peers: [{ kind: 'namespace', namespace: PlatformNamespaces.istio, podLabels: { app: 'istiod' } }],
      ports: [{ port: 15012 }],
      reason: 'sidecars fetch configuration (xDS) and workload certificates from istiod',
    };
  },
  toEgressGateway(): NetworkAllowance {
    return {
      name: 'to-egress-gateway',
      direction: 'egress',
      peers: [{ kind: 'namespace', namespace: PlatformNamespaces.egress }],
      reason: 'the only way out of the cluster for mesh workloads is the Istio egress gateway',
    };
  },
  toTracing(): NetworkAllowance {
    return {
      name: 'to-tracing',
      direction: 'egress',
      peers: [{ kind: 'namespace', namespace: TEMPO_PODS.namespace, podLabels: TEMPO_PODS.podLabels }],
      ports: [{ port: TracingBackend.otlpGrpcPort }],
      reason: `sidecars send spans to ${TracingBackend.host} (the mesh's tracing provider)`,
    };
  },
  /** Egress to managed data endpoints outside the pod network (RDS, ElastiCache, Azure PostgreSQL) of one cluster. */
  toDataEndpoints(endpoints: readonly { readonly name: string; readonly port: number; readonly cidrs: readonly string[] }[]): NetworkAllowance {
    const cidrs = [...new Set(endpoints.flatMap((e) => e.cidrs))].sort();
    const ports = [...new Set(endpoints.map((e) => e.port))].sort((a, b) => a - b);
    return {
      name: 'to-data-endpoints',
      direction: 'egress',
      peers: cidrs.map((cidr) => ({ kind: 'cidr', cidr })),
      ports: ports.map((port) => ({ port })),
      reason: `managed data services of the cluster (${endpoints.map((e) => e.name).join(', ')}) in the data subnets`,
    };
  },
  scrapingFromMonitoring(extraPorts: readonly number[] = []): NetworkAllowance {
    const ports = [...new Set([15020, 15090, ...extraPorts])].sort((a, b) => a - b);
    return {
      name: 'from-monitoring',
      direction: 'ingress',
      peers: [{ kind: 'namespace', namespace: PlatformNamespaces.monitoring }],
      ports: ports.map((port) => ({ port })),
      reason: 'Prometheus scrapes Envoy (merged application metrics on 15020, proxy stats on 15090) and exporters',
    };
  },
  fromDatabaseOperator(): NetworkAllowance {
    return {
      name: 'from-database-operator',
      direction: 'ingress',
      podLabels: CNPG_INSTANCE_LABELS,
      peers: [{ kind: 'namespace', namespace: PlatformNamespaces.cnpg }],
      ports: [{ port: 8000 }, { port: 5432 }],
      reason: 'the CloudNativePG operator polls instance status (8000) and manages PostgreSQL (5432)',
    };
  },
  databaseToApiAndObjectStore(): NetworkAllowance {
    return {
      name: 'database-to-api-and-object-store',
      direction: 'egress',
      podLabels: CNPG_INSTANCE_LABELS,
      // The API server's address differs per cloud (EKS ENIs, AKS private link, GKE peering), and
      // the object store is a public endpoint; database pods are outside the mesh, so HTTPS only,
      // for the instance pods only. Falco's outbound rule watches the rest of the namespace.
      peers: [{ kind: 'cidr', cidr: '0.0.0.0/0' }],
      ports: [{ port: 443 }, { port: 6443 }],
      reason: 'PostgreSQL instances watch their Cluster through the Kubernetes API and archive WAL and base backups to the object store',
    };
  },
  databaseToWorkloadIdentity(): NetworkAllowance {
    return {
      name: 'database-to-workload-identity',
      direction: 'egress',
      podLabels: CNPG_INSTANCE_LABELS,
      // Tenant folders are environment-wide: both clouds' endpoints, neither of them the instance metadata service.
      peers: ['169.254.170.23/32', '169.254.169.252/32'].map((cidr): NetworkPeer => ({ kind: 'cidr', cidr })),
      ports: [{ port: 80 }, { port: 988 }],
      reason:
        'PostgreSQL instances get their archive credentials from the workload identity on the node (EKS Pod Identity agent 169.254.170.23:80, GKE metadata server 169.254.169.252:988)',
    };
  },
} as const;

/** What a namespace inside the mesh needs: DNS, itself, the gateways, istiod, tracing and monitoring. */
export function meshNamespaceAllowances(options: { readonly databases?: boolean; readonly metricsPorts?: readonly number[] } = {}): NetworkAllowance[] {
  const out = [
    NetworkAllowances.dns(),
    NetworkAllowances.sameNamespaceIngress(),
    NetworkAllowances.sameNamespaceEgress(),
    NetworkAllowances.fromIngressGateway(),
    NetworkAllowances.toIstiod(),
    NetworkAllowances.toEgressGateway(),
    NetworkAllowances.toTracing(),
    NetworkAllowances.scrapingFromMonitoring([...(options.metricsPorts ?? []), ...(options.databases ? [9187] : [])]),
  ];
  if (options.databases)
    out.push(NetworkAllowances.fromDatabaseOperator(), NetworkAllowances.databaseToApiAndObjectStore(), NetworkAllowances.databaseToWorkloadIdentity());
  return out;
}

export interface NamespaceNetworkIsolationProps {
  /** The namespace isolated. */
  readonly namespace: string;
  /** Exceptions to default deny. @default none: nothing in, nothing out */
  readonly allowances?: readonly NetworkAllowance[];
}

function peerToKube(peer: NetworkPeer): k8s.NetworkPolicyPeer {
  switch (peer.kind) {
    case 'same-namespace':
      // A pod selector without a namespace selector means "this namespace" only.
      return { podSelector: {} };
    case 'namespace':
      return {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': peer.namespace } },
        podSelector: { matchLabels: peer.podLabels ? { ...peer.podLabels } : undefined },
      };
    case 'cidr':
      return { ipBlock: { cidr: peer.cidr, except: peer.except ? [...peer.except] : undefined } };
  }
}

/**
 * Default deny of ingress and egress for every pod of a namespace, then one NetworkPolicy per
 * declared allowance. NetworkPolicies are additive, so each allowance can be read (and removed) alone.
 */
export class NamespaceNetworkIsolation extends Construct {
  public readonly allowances: readonly NetworkAllowance[];

  constructor(scope: Chart, id: string, props: NamespaceNetworkIsolationProps) {
    super(scope, id);
    this.allowances = props.allowances ?? [];
    const annotations = argoAnnotations({ wave: SyncWave.namespaces });
    new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: { name: 'default-deny', namespace: props.namespace, annotations },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    const names = new Set<string>();
    for (const a of this.allowances) {
      if (names.has(a.name)) throw new Error(`NamespaceNetworkIsolation ${props.namespace}: allowance "${a.name}" is declared twice`);
      names.add(a.name);
      // One NetworkPolicy per allowance, kept between synths where the render cache is on (at a thousand
      // tenants a platform namespace has one toward each tenant: lib/core/memo.ts).
      memoized(this, `Allow-${a.name}`, { namespace: props.namespace, allowance: a }, NetworkAllowancePolicy);
    }
  }
}

/** One allowance as its NetworkPolicy `allow-<name>` (for namespaces whose default deny is declared elsewhere). */
export class NetworkAllowancePolicy extends Construct {
  constructor(scope: Construct, id: string, props: { readonly namespace: string; readonly allowance: NetworkAllowance }) {
    super(scope, id);
    const a = props.allowance;
    const rule = { ports: a.ports?.map((p) => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol ?? 'TCP' })) };
    const peers = a.peers.map(peerToKube);
    new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: {
        name: `allow-${a.name}`,
        namespace: props.namespace,
        annotations: { ...argoAnnotations({ wave: SyncWave.namespaces }), 'ceres.io/reason': a.reason },
      },
      spec: {
        podSelector: { matchLabels: a.podLabels ? { ...a.podLabels } : undefined },
        policyTypes: [a.direction === 'ingress' ? 'Ingress' : 'Egress'],
        ingress: a.direction === 'ingress' ? [{ ...rule, from: peers }] : undefined,
        egress: a.direction === 'egress' ? [{ ...rule, to: peers }] : undefined,
      },
    });
  }
}
