import { KubeManifest } from '../../core/checks';
import { controlPlaneNetwork } from '../../core/cloud';
import { NETWORK_ISOLATION_DEFAULT_DENY, NETWORK_ISOLATION_LABEL } from '../../hardening';
import { Flow, FlowPort, PodSet } from '../../core/flows';
import { Labels } from '../../core/names';
import { LabelSelector, Labels as Dict, selectorMatches } from '../selector';
import { allObjects } from '../state';
import { ClusterState, describeManifest, Finding, StateObject, VerifyCheck } from '../types';

/**
 * `npm run verify`: the flows the add-ons declare (lib/core/flows.ts) against what a cluster applies.
 *
 * - `flows/network-policy`: Kubernetes NetworkPolicy semantics at both ends of every flow.
 * - `flows/mesh-authorization`: Istio AuthorizationPolicy (CUSTOM, DENY, ALLOW) and PeerAuthentication
 *   at a meshed destination.
 * - `flows/sidecar-egress`: the source namespace's Sidecar egress hosts and ServiceEntry visibility
 *   under `REGISTRY_ONLY`.
 * - `flows/tenant-isolation`: no NetworkPolicy or AuthorizationPolicy opens one tenant to another.
 *
 * The evaluators are exported and pure: they read manifests, never files or clusters. Upstream
 * semantics they follow are cited where they are implemented (kubernetes/kubernetes
 * `staging/src/k8s.io/api/networking/v1/types.go` and `pkg/apis/networking/v1/defaults.go`;
 * istio/istio `pilot/pkg/model/authorization.go`, `pilot/pkg/security/authz/builder/builder.go`,
 * `pilot/pkg/security/authz/model/{model,generator}.go`, `pilot/pkg/security/authz/matcher/string.go`,
 * `pilot/pkg/security/authn/policy_applier.go`, `pilot/pkg/model/sidecar.go`,
 * `pilot/pkg/model/push_context.go`, `pkg/config/host/name.go`).
 */

// =============================================================================================
// Label selectors (metav1.LabelSelector)

function formatLabels(labels: Dict | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length ? `{${entries.map(([k, v]) => `${k}=${v}`).join(', ')}}` : '{}';
}

function formatSelector(selector: LabelSelector | undefined): string {
  if (!selector) return '{}';
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) parts.push(`${e.key} ${e.operator}${e.values?.length ? ` (${e.values.join(', ')})` : ''}`);
  return parts.length ? `{${parts.join(', ')}}` : '{} (every pod)';
}

// =============================================================================================
// Address ranges (IPv4 and IPv6)

export interface AddressRange {
  /** An IPv6 range (IPv4 otherwise); ranges of different families never overlap. */
  readonly v6: boolean;
  /** First address of the range, as an integer. */
  readonly start: bigint;
  /** Last address of the range, inclusive. */
  readonly end: bigint;
}

function parseIPv4(ip: string): bigint | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
}

function parseIPv6(ip: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(ip) || !ip.includes(':')) return undefined;
  const [head, tail, ...rest] = ip.split('::');
  if (rest.length) return undefined;
  const groups = (s: string | undefined): string[] => (s ? s.split(':') : []);
  let h = groups(head);
  let t = groups(tail);
  const expand = (g: string[]): string[] | undefined => {
    const last = g[g.length - 1];
    if (last && last.includes('.')) {
      const v4 = parseIPv4(last);
      if (v4 === undefined) return undefined;
      return [...g.slice(0, -1), ((v4 >> 16n) & 0xffffn).toString(16), (v4 & 0xffffn).toString(16)];
    }
    return g;
  };
  if (tail === undefined) {
    const e = expand(h);
    if (!e || e.length !== 8) return undefined;
    h = e;
    t = [];
  } else {
    const et = expand(t);
    if (!et) return undefined;
    t = et;
    if (h.length + t.length > 7) return undefined;
  }
  const all = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  let v = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}

/** The addresses of a CIDR (or of one address, as a /32 or /128); undefined when it is not one. */
export function cidrRange(cidr: string): AddressRange | undefined {
  const [ip, prefixText] = cidr.trim().split('/');
  const v4 = parseIPv4(ip);
  const v6 = v4 === undefined ? parseIPv6(ip) : undefined;
  if (v4 === undefined && v6 === undefined) return undefined;
  const bits = v4 !== undefined ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return undefined;
  const addr = (v4 ?? v6)!;
  const size = 1n << BigInt(bits - prefix);
  const start = (addr / size) * size;
  return { v6: v4 === undefined, start, end: start + size - 1n };
}

/** Whether `inner` lies inside `outer`. */
export function rangeContains(outer: AddressRange, inner: AddressRange): boolean {
  return outer.v6 === inner.v6 && outer.start <= inner.start && inner.end <= outer.end;
}

export function rangesOverlap(a: AddressRange, b: AddressRange): boolean {
  return a.v6 === b.v6 && a.start <= b.end && b.start <= a.end;
}

/** `range` minus `excluded`, as disjoint ranges. */
function subtract(range: AddressRange, excluded: readonly AddressRange[]): AddressRange[] {
  let pieces: AddressRange[] = [range];
  for (const x of excluded) {
    const next: AddressRange[] = [];
    for (const p of pieces) {
      if (!rangesOverlap(p, x)) {
        next.push(p);
        continue;
      }
      if (p.start < x.start) next.push({ v6: p.v6, start: p.start, end: x.start - 1n });
      if (x.end < p.end) next.push({ v6: p.v6, start: x.end + 1n, end: p.end });
    }
    pieces = next;
  }
  return pieces;
}

/** Whether the union of `allowed` covers all of `target`. */
export function rangeCovered(target: AddressRange, allowed: readonly AddressRange[]): boolean {
  const sorted = allowed.filter((a) => a.v6 === target.v6).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  let next = target.start;
  for (const a of sorted) {
    if (a.start > next) break;
    if (a.end >= next) next = a.end + 1n;
    if (next > target.end) return true;
  }
  return next > target.end;
}

/**
 * The addresses a NetworkPolicy ipBlock admits: `cidr` minus every `except`
 * (types.go: "except is a slice of CIDRs that should not be included within an IPBlock").
 */
export function ipBlockRanges(block: { cidr?: string; except?: readonly string[] } | undefined): AddressRange[] {
  const range = block?.cidr ? cidrRange(block.cidr) : undefined;
  if (!range) return [];
  const except = (block?.except ?? []).map(cidrRange).filter((r): r is AddressRange => !!r);
  return subtract(range, except);
}

// =============================================================================================
// The cluster as the evaluators see it

export interface ContainerPort {
  /** Port name, which Services and policies may refer to instead of the number. */
  readonly name?: string;
  /** Port number the container listens on. */
  readonly containerPort: number;
  /** `TCP`, `UDP` or `SCTP` (`TCP` when unset). */
  readonly protocol: string;
}

/** A pod template of the state: what every pod a controller creates looks like. */
export interface PodTemplate {
  /** Namespace the pods run in. */
  readonly namespace: string;
  /** The pods' labels. */
  readonly labels: Dict;
  /** The pods' annotations (sidecar injection and traffic annotations). */
  readonly annotations: Dict;
  /** Ports of all containers. */
  readonly ports: readonly ContainerPort[];
  /** ServiceAccount the pods run as (`default` when unset). */
  readonly serviceAccount: string;
  /** The object it comes from (a Deployment, a CloudNativePG Cluster…). */
  readonly source: StateObject;
}

/** Everything the flow checks consult, indexed once per cluster state. */
export interface FlowIndex {
  /** The cluster state indexed. */
  readonly state: ClusterState;
  /** Every object of the state, rendered releases included. */
  readonly objects: readonly StateObject[];
  /** Namespace → its labels, plus the automatic `kubernetes.io/metadata.name`. */
  readonly namespaces: ReadonlyMap<string, Dict>;
  /** Namespace name → its Namespace object. */
  readonly namespaceObjects: ReadonlyMap<string, StateObject>;
  /** Pod templates of every pod-creating object (controllers, CloudNativePG Clusters, Prometheus). */
  readonly templates: readonly PodTemplate[];
  /** Every NetworkPolicy. */
  readonly networkPolicies: readonly StateObject[];
  /** Every Istio AuthorizationPolicy. */
  readonly authorizationPolicies: readonly StateObject[];
  /** Every Istio PeerAuthentication. */
  readonly peerAuthentications: readonly StateObject[];
  /** Every Istio Sidecar resource. */
  readonly sidecars: readonly StateObject[];
  /** Every Istio ServiceEntry. */
  readonly serviceEntries: readonly StateObject[];
  /** Every Service, plus those Flagger creates at runtime for each Canary. */
  readonly services: readonly StateObject[];
  /** Mesh-wide settings of the cluster's istiod. */
  readonly mesh: MeshSettings;
}

/** Mesh-wide settings read from the istiod release values (`meshConfig`). */
export interface MeshSettings {
  /** The mesh's root namespace (its policies apply mesh-wide): `meshConfig.rootNamespace`, else istiod's namespace. */
  readonly rootNamespace: string;
  /** SPIFFE trust domain of principals (`cluster.local`). */
  readonly trustDomain: string;
  /** `meshConfig.outboundTrafficPolicy.mode`; Istio's default is ALLOW_ANY. */
  readonly outboundTrafficPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  /** Where it was read from (for messages). */
  readonly source: string;
}

const isKind = (o: StateObject, kind: string, group?: string): boolean =>
  o.manifest.kind === kind && (group === undefined || o.manifest.apiVersion.split('/')[0] === group || (group === '' && !o.manifest.apiVersion.includes('/')));

function podTemplateOf(o: StateObject): { metadata?: any; spec?: any } | undefined {
  const m = o.manifest;
  const group = m.apiVersion.includes('/') ? m.apiVersion.split('/')[0] : '';
  if (group === '' && m.kind === 'Pod') return m;
  if (group === 'apps' && ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(m.kind)) return m.spec?.template;
  if (group === 'batch' && m.kind === 'Job') return m.spec?.template;
  if (group === 'batch' && m.kind === 'CronJob') return m.spec?.jobTemplate?.spec?.template;
  if (group === 'argoproj.io' && m.kind === 'Rollout') return m.spec?.template;
  return undefined;
}

function templatesOf(objects: readonly StateObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const o of objects) {
    const m = o.manifest;
    const namespace = m.metadata.namespace ?? 'default';
    if (m.kind === 'Cluster' && m.apiVersion.startsWith('postgresql.cnpg.io/')) {
      // CloudNativePG instance pods (cloudnative-pg pkg/specs/pods.go): labels cnpg.io/cluster and
      // cnpg.io/podRole=instance (plus spec.inheritedMetadata.labels), ports postgresql 5432,
      // metrics 9187, status 8000, ServiceAccount named after the Cluster.
      out.push({
        namespace,
        labels: { ...(m.spec?.inheritedMetadata?.labels ?? {}), 'cnpg.io/cluster': m.metadata.name!, 'cnpg.io/podRole': 'instance' },
        annotations: { ...(m.spec?.inheritedMetadata?.annotations ?? {}) },
        ports: [
          { name: 'postgresql', containerPort: 5432, protocol: 'TCP' },
          { name: 'metrics', containerPort: 9187, protocol: 'TCP' },
          { name: 'status', containerPort: 8000, protocol: 'TCP' },
        ],
        serviceAccount: m.metadata.name!,
        source: o,
      });
      continue;
    }
    if (m.kind === 'Prometheus' && m.apiVersion.startsWith('monitoring.coreos.com/')) {
      // Prometheus pods are the operator's StatefulSet (prometheus-operator pkg/prometheus/statefulset.go):
      // labels app.kubernetes.io/name=prometheus, prometheus=<name> (plus spec.podMetadata.labels),
      // the web port 9090, ServiceAccount spec.serviceAccountName.
      out.push({
        namespace,
        labels: { ...(m.spec?.podMetadata?.labels ?? {}), 'app.kubernetes.io/name': 'prometheus', prometheus: m.metadata.name! },
        annotations: { ...(m.spec?.podMetadata?.annotations ?? {}) },
        ports: [{ name: 'web', containerPort: 9090, protocol: 'TCP' }],
        serviceAccount: m.spec?.serviceAccountName ?? 'default',
        source: o,
      });
      continue;
    }
    if (m.kind === 'Alertmanager' && m.apiVersion.startsWith('monitoring.coreos.com/')) {
      // Alertmanager pods (prometheus-operator pkg/alertmanager/statefulset.go): labels
      // app.kubernetes.io/name=alertmanager, alertmanager=<name>, web 9093, mesh 9094 (TCP and UDP).
      out.push({
        namespace,
        labels: { ...(m.spec?.podMetadata?.labels ?? {}), 'app.kubernetes.io/name': 'alertmanager', alertmanager: m.metadata.name! },
        annotations: { ...(m.spec?.podMetadata?.annotations ?? {}) },
        ports: [
          { name: 'web', containerPort: 9093, protocol: 'TCP' },
          { name: 'mesh-tcp', containerPort: 9094, protocol: 'TCP' },
          { name: 'mesh-udp', containerPort: 9094, protocol: 'UDP' },
        ],
        serviceAccount: m.spec?.serviceAccountName ?? 'default',
        source: o,
      });
      continue;
    }
    const t = podTemplateOf(o);
    if (!t) continue;
    const spec = t.spec ?? {};
    const ports: ContainerPort[] = [];
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always')]) {
      for (const p of c.ports ?? []) ports.push({ name: p.name, containerPort: Number(p.containerPort), protocol: p.protocol ?? 'TCP' });
    }
    out.push({
      namespace,
      labels: t.metadata?.labels ?? {},
      annotations: t.metadata?.annotations ?? {},
      ports,
      serviceAccount: spec.serviceAccountName ?? spec.serviceAccount ?? 'default',
      source: o,
    });
  }
  return out;
}

/** The mesh settings of a cluster: from its istiod release's `meshConfig`, else Istio's defaults. */
export function meshSettings(state: ClusterState): MeshSettings {
  const istiod = state.releases.find((r) => r.chart === 'istiod');
  const values: any = istiod?.values ?? {};
  const mc = values.meshConfig ?? {};
  const mode = mc.outboundTrafficPolicy?.mode === 'REGISTRY_ONLY' ? 'REGISTRY_ONLY' : 'ALLOW_ANY';
  return {
    // The root namespace defaults to the namespace istiod runs in (meshConfig.rootNamespace).
    rootNamespace: mc.rootNamespace ?? values.global?.istioNamespace ?? istiod?.namespace ?? 'istio-system',
    trustDomain: mc.trustDomain ?? 'cluster.local',
    outboundTrafficPolicy: mode,
    source: istiod ? `the istiod release values (${istiod.file})` : "Istio's defaults (no istiod release in the state)",
  };
}

export function indexFlowState(state: ClusterState): FlowIndex {
  const objects = allObjects(state);
  const namespaces = new Map<string, Dict>();
  const namespaceObjects = new Map<string, StateObject>();
  for (const o of objects) {
    if (!isKind(o, 'Namespace', '')) continue;
    const name = o.manifest.metadata.name!;
    // The API server sets kubernetes.io/metadata.name on every namespace (NamespaceDefaultLabelName).
    namespaces.set(name, { ...(o.manifest.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name });
    namespaceObjects.set(name, o);
  }
  return {
    state,
    objects,
    namespaces,
    namespaceObjects,
    templates: templatesOf(objects),
    networkPolicies: objects.filter((o) => isKind(o, 'NetworkPolicy', 'networking.k8s.io')),
    authorizationPolicies: objects.filter((o) => isKind(o, 'AuthorizationPolicy', 'security.istio.io')),
    peerAuthentications: objects.filter((o) => isKind(o, 'PeerAuthentication', 'security.istio.io')),
    sidecars: objects.filter((o) => isKind(o, 'Sidecar', 'networking.istio.io')),
    serviceEntries: objects.filter((o) => isKind(o, 'ServiceEntry', 'networking.istio.io')),
    services: [
      ...objects.filter((o) => isKind(o, 'Service', '')),
      ...objects.filter((o) => isKind(o, 'Canary', 'flagger.app')).flatMap(flaggerServices),
      ...objects.filter((o) => o.manifest.kind === 'Cluster' && o.manifest.apiVersion.startsWith('postgresql.cnpg.io/')).flatMap(cnpgServices),
    ],
    mesh: meshSettings(state),
  };
}

/**
 * The Services Flagger creates at runtime for a Canary (https://docs.flagger.app/usage/how-it-works):
 * `<target>` and `<target>-primary` select the primary pods (`app: <target>-primary`), `<target>-canary`
 * the target Deployment's pods (`app: <target>`), all on `spec.service.port` → `targetPort`.
 */
export function flaggerServices(canary: StateObject): StateObject[] {
  const m = canary.manifest;
  const name = m.spec?.targetRef?.name;
  const port = m.spec?.service?.port;
  if (!name || !port) return [];
  const ports = [{ port, targetPort: m.spec.service.targetPort ?? port, protocol: 'TCP' }];
  const svc = (svcName: string, app: string): StateObject => ({
    ...canary,
    manifest: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: svcName, namespace: m.metadata.namespace, annotations: { 'ceres.io/created-by': `flagger (Canary ${m.metadata.name})` } },
      spec: { selector: { app }, ports },
    },
  });
  return [svc(name, `${name}-primary`), svc(`${name}-primary`, `${name}-primary`), svc(`${name}-canary`, name)];
}

/**
 * The Services CloudNativePG creates for a Cluster (cloudnative-pg pkg/specs/services.go): `<name>-rw`
 * (the primary: `cnpg.io/instanceRole=primary`, a label the operator sets on the running pod),
 * `<name>-ro` (the standbys: `cnpg.io/instanceRole=replica`) and `<name>-r` (every instance:
 * `cnpg.io/podRole=instance`), each on port 5432 (`postgres`). The role labels are the operator's at
 * run time, so only `-r` selects the modelled pods; the names are in the namespace's registry all the same.
 */
export function cnpgServices(cluster: StateObject): StateObject[] {
  const m = cluster.manifest;
  const name = m.metadata.name!;
  const ports = [{ name: 'postgres', port: 5432, targetPort: 5432, protocol: 'TCP' }];
  const svc = (suffix: string, selector: Dict): StateObject => ({
    ...cluster,
    manifest: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${name}-${suffix}`, namespace: m.metadata.namespace, annotations: { 'ceres.io/created-by': `cloudnative-pg (Cluster ${name})` } },
      spec: { selector, ports },
    },
  });
  return [
    svc('rw', { 'cnpg.io/cluster': name, 'cnpg.io/instanceRole': 'primary' }),
    svc('ro', { 'cnpg.io/cluster': name, 'cnpg.io/instanceRole': 'replica' }),
    svc('r', { 'cnpg.io/cluster': name, 'cnpg.io/podRole': 'instance' }),
  ];
}

/** A namespace's labels as selectors see them (a namespace not in the state has only the automatic one). */
export function namespaceLabels(index: FlowIndex, namespace: string): Dict {
  return index.namespaces.get(namespace) ?? { 'kubernetes.io/metadata.name': namespace };
}

/** One concrete kind of pod of a PodSet: a pod template's labels, or the set's own labels when no template is known. */
export interface PodInstance {
  /** Namespace of the pods. */
  readonly namespace: string;
  /** Their labels (the template's, or the set's own). */
  readonly labels: Dict;
  /** Their annotations ({} when no template is known). */
  readonly annotations: Dict;
  /** Their ServiceAccount: the set's, else the template's, else `default`. */
  readonly serviceAccount: string;
  /** The pod template they come from, when one is in the state. */
  readonly template?: PodTemplate;
}

/**
 * The kinds of pods a PodSet stands for: every pod template of its namespace whose labels include
 * the set's labels; when none is in the state (a chart not rendered), the set's labels alone.
 */
export function podInstances(index: FlowIndex, set: PodSet): PodInstance[] {
  const wanted = set.podLabels ?? {};
  const found = index.templates.filter(
    (t) =>
      t.namespace === set.namespace && selectorMatches({ matchLabels: wanted }, t.labels) && (!set.serviceAccount || t.serviceAccount === set.serviceAccount),
  );
  const instances = found
    .map((t) => ({
      namespace: t.namespace,
      labels: t.labels,
      annotations: t.annotations,
      serviceAccount: set.serviceAccount ?? t.serviceAccount,
      template: t,
    }))
    .filter((p) => !set.meshed || isMeshed(index, p));
  if (instances.length) return instances;
  return [{ namespace: set.namespace, labels: wanted, annotations: {}, serviceAccount: set.serviceAccount ?? 'default' }];
}

function describeInstance(p: PodInstance): string {
  const from = p.template ? ` (${describeManifest(p.template.source.manifest)})` : '';
  return `pods ${formatLabels(p.labels)} of ${p.namespace}${from}`;
}

const P1 = '\u0001';
const P2 = '\u0002';

/** Several pod kinds of one PodSet (`pods of ceres (Deployment ceres/api-v1, Deployment ceres/api-v2)`). */
function describePods(list: readonly PodInstance[]): string {
  if (list.length === 1) return describeInstance(list[0]);
  return `pods of ${[...new Set(list.map((p) => p.namespace))].join(', ')} (${list.map((p) => (p.template ? describeManifest(p.template.source.manifest) : formatLabels(p.labels))).join(', ')})`;
}

type Emit = Omit<Finding, 'check' | 'environment' | 'cluster'>;

/**
 * Findings that differ only in which pods of a PodSet they are about, merged into one: messages and
 * fixes carry P1 (and P2) where the pods go.
 */
class PodGrouped {
  private readonly groups = new Map<string, { f: Emit; a: PodInstance[]; b: PodInstance[] }>();

  add(f: Emit, a?: PodInstance, b?: PodInstance): void {
    const key = [f.file, f.object, f.message, f.fix].join('\u0000');
    const g = this.groups.get(key) ?? { f, a: [], b: [] };
    if (a && !g.a.includes(a)) g.a.push(a);
    if (b && !g.b.includes(b)) g.b.push(b);
    this.groups.set(key, g);
  }

  findings(check: string, state: ClusterState): Finding[] {
    const render = (text: string, a: PodInstance[], b: PodInstance[]) =>
      text
        .split(P1)
        .join(a.length ? describePods(a) : '')
        .split(P2)
        .join(b.length ? describePods(b) : '');
    return [...this.groups.values()].map(({ f, a, b }) => ({ ...findingBase(check, state), ...f, message: render(f.message, a, b), fix: render(f.fix, a, b) }));
  }
}

function describePorts(ports: readonly FlowPort[]): string {
  return ports.map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(', ');
}

// =============================================================================================
// NetworkPolicy (networking.k8s.io/v1)

/** One end of a connection as NetworkPolicies see it. */
export type NetworkEndpoint =
  | { readonly kind: 'pods'; readonly pod: PodInstance }
  | { readonly kind: 'external'; readonly cidrs: readonly string[]; readonly except?: readonly string[] }
  | { readonly kind: 'apiServer'; readonly callers?: ApiServerCallers };

/**
 * Where a cluster's API server calls webhooks from (`controlPlaneNetwork` in lib/core/cloud.ts):
 * address ranges and the kube-system pods that relay the calls (konnectivity agents).
 */
export interface ApiServerCallers {
  /** Address ranges the calls come from. */
  readonly cidrs: readonly string[];
  /** Pods the calls are relayed through. */
  readonly pods: readonly PodInstance[];
}

/** The API server's callers on the state's cluster. */
export function apiServerCallers(index: FlowIndex): ApiServerCallers {
  const callers = controlPlaneNetwork(index.state.cluster).callers;
  return { cidrs: callers.cidrs, pods: callers.pods.flatMap((set) => podInstances(index, set)) };
}

/**
 * The policy types of a NetworkPolicy (pkg/apis/networking/v1/defaults.go SetDefaults_NetworkPolicy):
 * when `policyTypes` is empty, Ingress, plus Egress when the policy has egress rules.
 */
export function policyTypes(policy: KubeManifest): ('Ingress' | 'Egress')[] {
  const declared: string[] | undefined = policy.spec?.policyTypes;
  if (declared?.length) return declared.filter((t): t is 'Ingress' | 'Egress' => t === 'Ingress' || t === 'Egress');
  return (policy.spec?.egress ?? []).length ? ['Ingress', 'Egress'] : ['Ingress'];
}

/**
 * Whether a rule's `ports` admit `port` (types.go NetworkPolicyPort): an empty list admits every
 * port; an entry matches the protocol (default TCP) and either no port (every port), a number, a
 * number..endPort range, or a named port, resolved on the destination pod's containerPorts (a named
 * port can only match a pod: never an external address or the API server).
 */
export function rulePortsAdmit(ports: readonly any[] | undefined, port: FlowPort, destination: NetworkEndpoint, notes?: string[]): boolean {
  if (!ports || ports.length === 0) return true;
  const protocol = port.protocol ?? 'TCP';
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined || p.port === null) return true;
    if (typeof p.port === 'number' || /^\d+$/.test(String(p.port))) {
      const from = Number(p.port);
      const to = p.endPort !== undefined ? Number(p.endPort) : from;
      return port.port >= from && port.port <= to;
    }
    const name = String(p.port);
    if (destination.kind !== 'pods') return false;
    const template = destination.pod.template;
    if (!template) {
      notes?.push(`named port '${name}' could not be resolved: no pod template of ${describeInstance(destination.pod)} is in the state`);
      return false;
    }
    const resolved = template.ports.filter((c) => c.name === name && c.protocol === protocol);
    if (!resolved.length) {
      notes?.push(`named port '${name}' is not a ${protocol} containerPort of ${describeManifest(template.source.manifest)}`);
      return false;
    }
    if (!resolved.some((c) => c.containerPort === port.port)) {
      notes?.push(
        `named port '${name}' is ${resolved.map((c) => c.containerPort).join(', ')} on ${describeManifest(template.source.manifest)}, not ${port.port}`,
      );
      return false;
    }
    return true;
  });
}

/**
 * Whether a peer (types.go NetworkPolicyPeer) selects a pod: podSelector alone selects pods of the
 * policy's namespace; namespaceSelector alone every pod of the selected namespaces; both, the pods
 * matching podSelector in those namespaces. An ipBlock peer is not counted for pods: the API leaves
 * it to the implementation whether pod addresses match ipBlocks (they are meant for
 * cluster-external addresses), so a pod-to-pod flow is only proven by a selector.
 */
export function peerSelectsPod(index: FlowIndex, peer: any, policyNamespace: string, pod: PodInstance): boolean {
  if (!peer || peer.ipBlock) return false;
  if (!peer.podSelector && !peer.namespaceSelector) return false;
  const nsOk = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, namespaceLabels(index, pod.namespace)) : pod.namespace === policyNamespace;
  return nsOk && (peer.podSelector ? selectorMatches(peer.podSelector, pod.labels) : true);
}

export interface NetworkVerdict {
  /** Whether the NetworkPolicies let the connection through. */
  readonly allowed: boolean;
  /** Policies that select the pod with this direction's type (empty: not isolated, everything allowed). */
  readonly isolatedBy: readonly StateObject[];
  /** The policy whose rule allows it. */
  readonly allowedBy?: StateObject;
  /** Why a rule that looked close did not match. */
  readonly notes: readonly string[];
}

function selectingPolicies(index: FlowIndex, pod: PodInstance, type: 'Ingress' | 'Egress'): StateObject[] {
  return index.networkPolicies.filter(
    (p) =>
      (p.manifest.metadata.namespace ?? 'default') === pod.namespace &&
      selectorMatches(p.manifest.spec?.podSelector ?? {}, pod.labels) &&
      policyTypes(p.manifest).includes(type),
  );
}

/**
 * Ingress to `destination` from `source` on `port` (types.go NetworkPolicySpec.ingress): allowed when
 * no policy of type Ingress selects the pod, or when some ingress rule of those policies admits both
 * the port and the source. The API server is no pod: only a rule without `from` or with an ipBlock
 * peer admits it.
 */
export function evaluateIngress(index: FlowIndex, destination: PodInstance, source: NetworkEndpoint, port: FlowPort): NetworkVerdict {
  const isolatedBy = selectingPolicies(index, destination, 'Ingress');
  const notes: string[] = [];
  if (!isolatedBy.length) return { allowed: true, isolatedBy, notes };
  const dst: NetworkEndpoint = { kind: 'pods', pod: destination };
  // The API server is admitted when every way its calls arrive is: each caller range covered by the
  // ipBlocks, each relaying pod selected by a peer, of the rules admitting the port.
  const callers = source.kind === 'apiServer' ? (source.callers ?? { cidrs: ['0.0.0.0/0'], pods: [] }) : undefined;
  const callerRanges: AddressRange[] = [];
  const callerPods = new Set<PodInstance>();
  let callersBy: StateObject | undefined;
  for (const p of isolatedBy) {
    for (const rule of p.manifest.spec?.ingress ?? []) {
      if (!rulePortsAdmit(rule.ports, port, dst, notes)) continue;
      const from: any[] = rule.from ?? [];
      if (from.length === 0) return { allowed: true, isolatedBy, allowedBy: p, notes };
      for (const peer of from) {
        if (source.kind === 'pods' && peerSelectsPod(index, peer, destination.namespace, source.pod)) return { allowed: true, isolatedBy, allowedBy: p, notes };
        if (callers) {
          if (peer.ipBlock) callerRanges.push(...ipBlockRanges(peer.ipBlock));
          for (const c of callers.pods) if (peerSelectsPod(index, peer, destination.namespace, c)) callerPods.add(c);
          callersBy ??= p;
        }
        if (source.kind === 'external' && peer.ipBlock) {
          const allowed = ipBlockRanges(peer.ipBlock);
          const except = (source.except ?? []).map(cidrRange).filter((r): r is AddressRange => !!r);
          const targets = source.cidrs.map(cidrRange).filter((r): r is AddressRange => !!r);
          if (targets.length && targets.every((t) => subtract(t, except).every((piece) => rangeCovered(piece, allowed))))
            return { allowed: true, isolatedBy, allowedBy: p, notes };
        }
      }
    }
  }
  if (callers) {
    const uncovered = callers.cidrs.filter((c) => {
      const r = cidrRange(c);
      return !r || !rangeCovered(r, callerRanges);
    });
    const unselected = callers.pods.filter((c) => !callerPods.has(c));
    if (!uncovered.length && !unselected.length && (callers.cidrs.length || callers.pods.length))
      return { allowed: true, isolatedBy, allowedBy: callersBy, notes };
    if (callersBy) {
      if (uncovered.length) notes.push(`the API server calls from ${uncovered.join(', ')}, which no ipBlock admitting port ${port.port} covers`);
      if (unselected.length) notes.push(`the API server's calls are relayed by ${unselected.map(describeInstance).join(', ')}, which no peer selects`);
    }
  }
  return { allowed: false, isolatedBy, notes };
}

/**
 * Egress from `source` to `destination` on `port` (types.go NetworkPolicySpec.egress): allowed when no
 * policy of type Egress selects the pod, or when egress rules admit the port and the destination.
 * An external destination must be covered entirely (every CIDR of it, by the union of the ipBlocks,
 * each minus its `except`, of the rules that admit the port).
 */
export function evaluateEgress(index: FlowIndex, source: PodInstance, destination: NetworkEndpoint, port: FlowPort): NetworkVerdict {
  const isolatedBy = selectingPolicies(index, source, 'Egress');
  const notes: string[] = [];
  if (!isolatedBy.length) return { allowed: true, isolatedBy, notes };
  const ranges: AddressRange[] = [];
  let rangesBy: StateObject | undefined;
  for (const p of isolatedBy) {
    for (const rule of p.manifest.spec?.egress ?? []) {
      if (!rulePortsAdmit(rule.ports, port, destination, notes)) continue;
      const to: any[] = rule.to ?? [];
      if (to.length === 0) return { allowed: true, isolatedBy, allowedBy: p, notes };
      for (const peer of to) {
        if (destination.kind === 'pods' && peerSelectsPod(index, peer, source.namespace, destination.pod))
          return { allowed: true, isolatedBy, allowedBy: p, notes };
        if (destination.kind === 'external' && peer.ipBlock) {
          ranges.push(...ipBlockRanges(peer.ipBlock));
          rangesBy ??= p;
        }
      }
    }
  }
  if (destination.kind === 'external') {
    const except = (destination.except ?? []).map(cidrRange).filter((r): r is AddressRange => !!r);
    const targets = destination.cidrs.map((c) => ({ c, r: cidrRange(c) }));
    const uncovered = targets.filter((t) => !t.r || subtract(t.r, except).some((piece) => !rangeCovered(piece, ranges)));
    if (targets.length && !uncovered.length) return { allowed: true, isolatedBy, allowedBy: rangesBy, notes };
    if (ranges.length) notes.push(`the ipBlocks admitting port ${port.port} do not cover ${uncovered.map((t) => t.c).join(', ')} (an except may cut it out)`);
  }
  return { allowed: false, isolatedBy, notes };
}

/** The peer a rule needs for `target` (pods: by the flow's PodSet, not one template's labels). */
function suggestPeer(target: NetworkEndpoint, set?: PodSet): string {
  if (target.kind === 'external') return target.cidrs.map((c) => `{ipBlock: {cidr: ${c}}}`).join(', ');
  if (target.kind === 'apiServer')
    return '(no `from`: the API server is not a pod, so no pod or namespace selector matches it; or an ipBlock of the control plane addresses)';
  const labels = set?.podLabels;
  return `{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ${target.pod.namespace}}}${labels && Object.keys(labels).length ? `, podSelector: {matchLabels: ${formatLabels(labels)}}` : ''}}`;
}

function describeEndpoint(e: NetworkEndpoint): string {
  if (e.kind === 'pods') return describeInstance(e.pod);
  if (e.kind === 'external') return e.cidrs.join(', ');
  return 'the Kubernetes API server';
}

function flowHeader(flow: Flow): string {
  return `flow ${flow.name} (${flow.reason})`;
}

function findingBase(check: string, state: ClusterState): Pick<Finding, 'check' | 'environment' | 'cluster'> {
  return { check, environment: state.environment.name, cluster: state.cluster.name };
}

/** `flows/network-policy` over one state. */
export function networkPolicyFindings(state: ClusterState, index: FlowIndex = indexFlowState(state)): Finding[] {
  const out = new PodGrouped();
  for (const flow of state.flows) {
    const sources: NetworkEndpoint[] =
      'pods' in flow.from
        ? podInstances(index, flow.from.pods).map((pod) => ({ kind: 'pods', pod }))
        : 'external' in flow.from
          ? [{ kind: 'external', cidrs: flow.from.external.cidrs, except: flow.from.external.except }]
          : [{ kind: 'apiServer', callers: apiServerCallers(index) }];
    const destinations: NetworkEndpoint[] =
      'pods' in flow.to
        ? podInstances(index, flow.to.pods).map((pod) => ({ kind: 'pods', pod }))
        : [{ kind: 'external', cidrs: flow.to.external.cidrs, except: flow.to.external.except }];
    for (const end of ['egress', 'ingress'] as const) {
      for (const src of sources) {
        for (const dst of destinations) {
          const denied: { port: FlowPort; verdict: NetworkVerdict }[] = [];
          for (const port of flow.to.ports) {
            let verdict: NetworkVerdict | undefined;
            if (end === 'egress' && src.kind === 'pods') verdict = evaluateEgress(index, src.pod, dst, port);
            if (end === 'ingress' && dst.kind === 'pods') verdict = evaluateIngress(index, dst.pod, src, port);
            if (verdict && !verdict.allowed) denied.push({ port, verdict });
          }
          if (!denied.length) continue;
          const ports = denied.map((d) => d.port);
          const isolatedBy = [...new Map(denied.flatMap((d) => d.verdict.isolatedBy).map((p) => [describeManifest(p.manifest), p])).values()];
          const key = end === 'egress' ? 'egress' : 'ingress';
          // Name the policy that isolates without allowing anything in this direction (a default-deny), else the first.
          const blocker = isolatedBy.find((p) => !(p.manifest.spec?.[key] ?? []).length) ?? isolatedBy[0];
          const notes = [...new Set(denied.flatMap((d) => d.verdict.notes))];
          const set = end === 'egress' ? (flow.from as { pods: PodSet }).pods : (flow.to as { pods: PodSet }).pods;
          const other = end === 'egress' ? dst : src;
          const otherText = other.kind === 'pods' ? P2 : describeEndpoint(other);
          const otherSet = end === 'egress' ? ('pods' in flow.to ? flow.to.pods : undefined) : 'pods' in flow.from ? flow.from.pods : undefined;
          const peerText =
            end === 'egress'
              ? `to: [${suggestPeer(dst, otherSet)}]`
              : src.kind === 'apiServer'
                ? `no from ${suggestPeer(src)}`
                : `from: [${suggestPeer(src, otherSet)}]`;
          out.add(
            {
              file: blocker.file,
              object: describeManifest(blocker.manifest),
              message:
                `${flowHeader(flow)}: ${end} ${end === 'egress' ? `from ${P1} to ${otherText}` : `to ${P1} from ${otherText}`} on ${describePorts(ports)} is denied: ` +
                `the pods are isolated for ${end === 'egress' ? 'Egress' : 'Ingress'} by ${isolatedBy.map((p) => p.manifest.metadata.name).join(', ')}, and no ${end} rule of them admits it` +
                (notes.length ? ` (${notes.join('; ')})` : ''),
              fix:
                `add to a NetworkPolicy in ${set.namespace} whose podSelector selects ${set.podLabels ? formatLabels(set.podLabels) : '{} (every pod)'} an ${end} rule with ${peerText} and ports: [${ports.map((p) => `{port: ${p.port}, protocol: ${p.protocol ?? 'TCP'}}`).join(', ')}]` +
                ` (the add-on that renders ${blocker.file}; the flow is declared by the ${flow.name.split('/')[0]} add-on's flows())`,
            },
            end === 'egress' ? (src as { pod: PodInstance }).pod : (dst as { pod: PodInstance }).pod,
            other.kind === 'pods' ? other.pod : undefined,
          );
        }
      }
    }
  }
  return out.findings('flows/network-policy', state);
}

// =============================================================================================
// Mesh membership

/**
 * Whether pods get an Istio sidecar: the namespace is labelled `istio-injection=enabled` or
 * `istio.io/rev=<rev>` (and not `istio-injection=disabled`), or the pod carries
 * `sidecar.istio.io/inject=true`; a pod label or annotation `sidecar.istio.io/inject=false` opts out.
 */
export function isMeshed(index: FlowIndex, pod: PodInstance): boolean {
  const ns = namespaceLabels(index, pod.namespace);
  const optOut = pod.labels['sidecar.istio.io/inject'] ?? pod.annotations['sidecar.istio.io/inject'];
  if (optOut === 'false') return false;
  if (ns['istio-injection'] === 'disabled') return false;
  if (ns['istio-injection'] === 'enabled' || ns['istio.io/rev'] !== undefined) return true;
  return pod.labels['sidecar.istio.io/inject'] === 'true';
}

/** The SPIFFE identity (without `spiffe://`) a meshed pod presents: `<trust domain>/ns/<namespace>/sa/<service account>`. */
export function principalOf(index: FlowIndex, pod: PodInstance): string {
  return `${index.mesh.trustDomain}/ns/${pod.namespace}/sa/${pod.serviceAccount}`;
}

// =============================================================================================
// Istio AuthorizationPolicy (security.istio.io)

/** What an AuthorizationPolicy can see of a connection. */
export interface AuthzRequest {
  /** The peer's mTLS principal (`cluster.local/ns/x/sa/y`); undefined when the peer has no sidecar or is the API server. */
  readonly principal?: string;
  /** Destination port; undefined for "some port". */
  readonly port?: number;
  /** The request principal (`<issuer>/<subject>`) of a validated end-user JWT, when the flow carries one. */
  readonly requestPrincipal?: string;
}

/**
 * How the unknowable is resolved: `http` for request-level conditions (methods, paths, hosts,
 * headers: the flow does not say which requests it makes), `unknown` for conditions on addresses
 * (ipBlocks, source.ip). ALLOW is judged with `http: true` (the policy's author scoped the requests)
 * and `unknown: false` (an address is not proven); DENY with both false (only a certain match denies).
 * A flow without `endUserTokenIssuer` carries no end-user JWT: requestPrincipals never match,
 * notRequestPrincipals always do.
 */
export interface AuthzAssumptions {
  /** The answer for request-level conditions (methods, paths, hosts, headers). */
  readonly http: boolean;
  /** The answer for address conditions (ipBlocks, source.ip). */
  readonly unknown: boolean;
}

/**
 * Istio's string match on principals (pilot/pkg/security/authz/matcher/string.go
 * StringMatcherWithPrefix): `*` is any non-empty value, `*suffix`, `prefix*`, else exact.
 */
export function istioStringMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return value.length > 0;
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `source.namespaces` (generator.go srcNamespaceGenerator): regex `.*\/ns/<ns with * as .*>/.*` on the principal. */
function namespaceMatch(pattern: string, principal: string): boolean {
  const ns = pattern.split('*').map(escapeRegex).join('.*');
  return new RegExp(`^.*/ns/${ns}/.*$`).test(principal);
}

/** `source.serviceAccounts` (generator.go serviceAccountRegex): `<ns>/<sa>` or `<sa>` in the policy's namespace. */
function serviceAccountMatch(value: string, policyNamespace: string, principal: string): boolean {
  const [ns, sa] = value.includes('/') ? value.split('/', 2) : [policyNamespace, value];
  return new RegExp(`^.+/ns/${escapeRegex(ns)}/(.+/|)sa/${escapeRegex(sa)}(/.+)?$`).test(principal);
}

/** A positive field (values) and its negation (notValues), matched with `test`; absent fields hold. */
function field(values: readonly string[] | undefined, notValues: readonly string[] | undefined, test: (v: string) => boolean): boolean {
  if (values?.length && !values.some(test)) return false;
  if (notValues?.length && notValues.some(test)) return false;
  return true;
}

/**
 * Principal-based fields need the mTLS identity (principalAuthenticated): without a principal a
 * positive field never matches and a negated one always does (Envoy's Not of a failed match).
 */
function authenticatedField(
  values: readonly string[] | undefined,
  notValues: readonly string[] | undefined,
  principal: string | undefined,
  test: (v: string, p: string) => boolean,
): boolean {
  if (principal === undefined) return !values?.length;
  return field(values, notValues, (v) => test(v, principal));
}

function sourceMatches(source: any, req: AuthzRequest, policyNamespace: string, a: AuthzAssumptions): boolean {
  const s = source ?? {};
  const p = req.principal;
  if (!authenticatedField(s.principals, s.notPrincipals, p, (v, pr) => istioStringMatch(v, pr))) return false;
  if (!authenticatedField(s.namespaces, s.notNamespaces, p, (v, pr) => namespaceMatch(v, pr))) return false;
  if (!authenticatedField(s.serviceAccounts, s.notServiceAccounts, p, (v, pr) => serviceAccountMatch(v, policyNamespace, pr))) return false;
  if (!authenticatedField(s.trustDomains, s.notTrustDomains, p, (v, pr) => v === '*' || pr.split('/')[0] === v || istioStringMatch(v, pr.split('/')[0])))
    return false;
  // requestPrincipals need a validated end-user JWT (`<iss>/<sub>`); most platform flows carry none.
  if (!field(s.requestPrincipals, s.notRequestPrincipals, (v) => req.requestPrincipal !== undefined && istioStringMatch(v, req.requestPrincipal))) return false;
  for (const k of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks']) if (s[k]?.length && !a.unknown) return false;
  return true;
}

function operationMatches(operation: any, req: AuthzRequest, a: AuthzAssumptions): boolean {
  const o = operation ?? {};
  if (req.port !== undefined && !field(o.ports, o.notPorts, (v) => Number(v) === req.port)) return false;
  for (const k of ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths']) if (o[k]?.length && !a.http) return false;
  return true;
}

function conditionMatches(when: any, req: AuthzRequest, policyNamespace: string, a: AuthzAssumptions): boolean {
  const key: string = when.key ?? '';
  const values: string[] | undefined = when.values;
  const notValues: string[] | undefined = when.notValues;
  const p = req.principal;
  switch (true) {
    case key === 'source.principal':
      return authenticatedField(values, notValues, p, (v, pr) => istioStringMatch(v, pr));
    case key === 'source.namespace':
      return authenticatedField(values, notValues, p, (v, pr) => namespaceMatch(v, pr));
    case key === 'source.serviceAccount':
      return authenticatedField(values, notValues, p, (v, pr) => serviceAccountMatch(v, policyNamespace, pr));
    case key === 'destination.port':
      return req.port === undefined || field(values, notValues, (v) => Number(v) === req.port);
    case key === 'request.auth.principal' && req.requestPrincipal !== undefined:
      return field(values, notValues, (v) => istioStringMatch(v, req.requestPrincipal!));
    case key.startsWith('request.auth.'):
      // No JWT (or a claim the flow does not state): a positive condition fails, a negated one holds.
      return !values?.length;
    case key.startsWith('request.headers'):
      return a.http;
    default:
      return a.unknown;
  }
}

/**
 * Whether one rule matches (pilot/pkg/security/authz/model/model.go New): some `from` source (or no
 * `from`), some `to` operation (or no `to`), and every `when` condition.
 */
export function authzRuleMatches(rule: any, req: AuthzRequest, policyNamespace: string, a: AuthzAssumptions): boolean {
  if (!rule) return false;
  const from: any[] = rule.from ?? [];
  const to: any[] = rule.to ?? [];
  if (from.length && !from.some((f) => sourceMatches(f.source, req, policyNamespace, a))) return false;
  if (to.length && !to.some((t) => operationMatches(t.operation, req, a))) return false;
  return (rule.when ?? []).every((w: any) => conditionMatches(w, req, policyNamespace, a));
}

/**
 * The AuthorizationPolicies that apply to a sidecar workload (pilot/pkg/model/authorization.go
 * ListAuthorizationPolicies, policyattachment.go): those of the root namespace and of the workload's
 * namespace whose `selector.matchLabels` is a subset of the pod's labels (no selector: every
 * workload). Policies with `targetRef(s)` attach to gateways and waypoints, not sidecars.
 */
export function applicableAuthorizationPolicies(index: FlowIndex, pod: PodInstance): StateObject[] {
  return index.authorizationPolicies.filter((o) => {
    const ns = o.manifest.metadata.namespace ?? 'default';
    if (ns !== index.mesh.rootNamespace && ns !== pod.namespace) return false;
    const spec = o.manifest.spec ?? {};
    if (spec.targetRef || spec.targetRefs?.length) return false;
    return selectorMatches({ matchLabels: spec.selector?.matchLabels ?? {} }, pod.labels);
  });
}

export type AuthzDecision =
  | { readonly decision: 'allow'; readonly by?: StateObject }
  | { readonly decision: 'custom'; readonly by: StateObject }
  | { readonly decision: 'deny'; readonly by: StateObject }
  | { readonly decision: 'not-allowed'; readonly allowPolicies: readonly StateObject[] };

/**
 * The decision for a connection to `pod` (builder.go: CUSTOM, then DENY, then ALLOW): a matching
 * CUSTOM policy hands the request to the external authorizer; a matching DENY rule denies; with ALLOW
 * policies present one of their rules must match, none present allows. A policy without rules (the
 * empty-spec `allow-nothing`) is an ALLOW that never matches (rbacPolicyMatchNever). AUDIT does not
 * decide.
 */
export function evaluateAuthorization(index: FlowIndex, pod: PodInstance, req: AuthzRequest): AuthzDecision {
  const policies = applicableAuthorizationPolicies(index, pod);
  const action = (o: StateObject) => (o.manifest.spec?.action ?? 'ALLOW') as string;
  const rulesOf = (o: StateObject): any[] => o.manifest.spec?.rules ?? [];
  const ns = (o: StateObject) => o.manifest.metadata.namespace ?? 'default';
  for (const p of policies.filter((o) => action(o) === 'CUSTOM')) {
    if (rulesOf(p).some((r) => authzRuleMatches(r, req, ns(p), { http: true, unknown: true }))) return { decision: 'custom', by: p };
  }
  for (const p of policies.filter((o) => action(o) === 'DENY')) {
    if (rulesOf(p).some((r) => authzRuleMatches(r, req, ns(p), { http: false, unknown: false }))) return { decision: 'deny', by: p };
  }
  const allows = policies.filter((o) => action(o) === 'ALLOW');
  if (!allows.length) return { decision: 'allow' };
  for (const p of allows) {
    if (rulesOf(p).some((r) => authzRuleMatches(r, req, ns(p), { http: true, unknown: false }))) return { decision: 'allow', by: p };
  }
  return { decision: 'not-allowed', allowPolicies: allows };
}

// =============================================================================================
// PeerAuthentication

export interface MtlsDecision {
  /** The mTLS mode the destination port accepts. */
  readonly mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE';
  /** The policy that decided (undefined: Istio's default, PERMISSIVE). */
  readonly by?: StateObject;
}

/**
 * The effective mTLS mode of `pod` on `port` (pilot/pkg/security/authn/policy_applier.go
 * ComposePeerAuthentication): the narrowest of mesh (root namespace, no selector), namespace (no
 * selector) and workload (selector matching, not in the root namespace) policies, UNSET inheriting
 * from the wider one, then the workload policy's `portLevelMtls` for the port; default PERMISSIVE.
 * (When several exist in one scope Istio takes the oldest; we take the first.)
 */
export function effectiveMtls(index: FlowIndex, pod: PodInstance, port: number): MtlsDecision {
  const root = index.mesh.rootNamespace;
  const pas = index.peerAuthentications;
  const hasSelector = (o: StateObject) => Object.keys(o.manifest.spec?.selector?.matchLabels ?? {}).length > 0;
  const nsOf = (o: StateObject) => o.manifest.metadata.namespace ?? 'default';
  const mesh = pas.find((o) => nsOf(o) === root && !hasSelector(o));
  const namespace = pod.namespace === root ? undefined : pas.find((o) => nsOf(o) === pod.namespace && !hasSelector(o));
  const workload = pas.find(
    (o) =>
      nsOf(o) !== root && nsOf(o) === pod.namespace && hasSelector(o) && selectorMatches({ matchLabels: o.manifest.spec.selector.matchLabels }, pod.labels),
  );
  let decision: MtlsDecision = { mode: 'PERMISSIVE' };
  const modeOf = (m: any): MtlsDecision['mode'] | undefined => (m?.mode && m.mode !== 'UNSET' ? m.mode : undefined);
  for (const o of [mesh, namespace, workload]) {
    const mode = o && modeOf(o.manifest.spec?.mtls);
    if (o && mode) decision = { mode, by: o };
  }
  const portLevel = workload?.manifest.spec?.portLevelMtls?.[String(port)];
  if (workload && portLevel) {
    const mode = modeOf(portLevel);
    decision = mode ? { mode, by: workload } : decision;
  }
  return decision;
}

/** `flows/mesh-authorization` over one state. */
export function meshAuthorizationFindings(state: ClusterState, index: FlowIndex = indexFlowState(state)): Finding[] {
  const out = new PodGrouped();
  for (const flow of state.flows) {
    if (flow.plaintext || !('pods' in flow.to)) continue;
    const set = flow.to.pods;
    const selects = set.podLabels && Object.keys(set.podLabels).length ? formatLabels(set.podLabels) : '{} (every workload)';
    const sources: ({ kind: 'pods'; pod: PodInstance } | { kind: 'apiServer' } | { kind: 'external'; cidrs: readonly string[] })[] =
      'pods' in flow.from
        ? podInstances(index, flow.from.pods).map((pod) => ({ kind: 'pods' as const, pod }))
        : 'external' in flow.from
          ? [{ kind: 'external', cidrs: flow.from.external.cidrs }]
          : [{ kind: 'apiServer' }];
    for (const dst of podInstances(index, set)) {
      if (!isMeshed(index, dst)) continue;
      for (const src of sources) {
        const srcPod = src.kind === 'pods' ? src.pod : undefined;
        const principal = srcPod && isMeshed(index, srcPod) ? principalOf(index, srcPod) : undefined;
        const who = !srcPod
          ? src.kind === 'external'
            ? `clients at ${src.cidrs.join(', ')} (no mTLS identity)`
            : 'the Kubernetes API server (no mTLS identity)'
          : principal
            ? `${P1} (principal ${principal})`
            : `${P1} (outside the mesh: no mTLS identity)`;
        for (const port of flow.to.ports) {
          if (!principal) {
            const mtls = effectiveMtls(index, dst, port.port);
            if (mtls.mode === 'STRICT') {
              out.add(
                {
                  file: mtls.by?.file,
                  object: mtls.by ? describeManifest(mtls.by.manifest) : undefined,
                  message: `${flowHeader(flow)}: ${who} connects in plaintext to ${P2} on ${port.port}, whose sidecar requires mTLS (STRICT)`,
                  fix:
                    `add a PeerAuthentication in ${dst.namespace} selecting ${selects} with portLevelMtls: {${port.port}: {mode: PERMISSIVE}}` +
                    ` (or exclude the port from the sidecar with traffic.sidecar.istio.io/excludeInboundPorts and mark the flow plaintext), or mesh the source`,
                },
                srcPod,
                dst,
              );
            }
          }
          const requestPrincipal = flow.endUserTokenIssuer ? `${flow.endUserTokenIssuer}/end-user` : undefined;
          const decision = evaluateAuthorization(index, dst, { principal, port: port.port, requestPrincipal });
          const hint = principal
            ? `from: [{source: {principals: [${principal}]}}], to: [{operation: {ports: ["${port.port}"]}}]`
            : `to: [{operation: {ports: ["${port.port}"]}}] and no principal or namespace condition (the source has no mTLS identity, so principals and namespaces can never match it)`;
          if (decision.decision === 'deny' || decision.decision === 'custom') {
            out.add(
              {
                file: decision.by.file,
                object: describeManifest(decision.by.manifest),
                message:
                  decision.decision === 'deny'
                    ? `${flowHeader(flow)}: ${who} to ${P2} on ${port.port} is denied by DENY policy ${decision.by.manifest.metadata.name}`
                    : `${flowHeader(flow)}: ${who} to ${P2} on ${port.port} is sent to the external authorizer of CUSTOM policy ${decision.by.manifest.metadata.name}; the flow cannot be proven`,
                fix: `exclude the flow's source from ${describeManifest(decision.by.manifest)}'s rules (notPrincipals / notNamespaces / notPorts)`,
              },
              srcPod,
              dst,
            );
          } else if (decision.decision === 'not-allowed') {
            const first = decision.allowPolicies.find((p) => p.manifest.metadata.namespace === dst.namespace) ?? decision.allowPolicies[0];
            out.add(
              {
                file: first.file,
                object: describeManifest(first.manifest),
                message:
                  `${flowHeader(flow)}: ${who} to ${P2} on ${port.port} is not allowed: ALLOW policies apply (${decision.allowPolicies.map((p) => `${p.manifest.metadata.namespace}/${p.manifest.metadata.name}`).join(', ')})` +
                  ` and none of their rules matches it`,
                fix: `add an AuthorizationPolicy (action ALLOW) in ${dst.namespace} selecting ${selects} with a rule ${hint}`,
              },
              srcPod,
              dst,
            );
          }
        }
      }
    }
  }
  return out.findings('flows/mesh-authorization', state);
}

// =============================================================================================
// Sidecar egress and ServiceEntry visibility

/**
 * Istio host matching (pkg/config/host/name.go SubsetOf): a wildcard `*.example.com` matches names
 * ending in `.example.com`; `*` matches everything; otherwise exact.
 */
export function hostSubsetOf(host: string, pattern: string): boolean {
  const hw = host.startsWith('*');
  const pw = pattern.startsWith('*');
  if (hw) return pw && host.length >= pattern.length && host.slice(1).endsWith(pattern.slice(1));
  if (pw) return host.endsWith(pattern.slice(1));
  return host === pattern;
}

/** The Sidecar a sidecar proxy uses (push_context.go doGetSidecarScope): the first one of its namespace whose workloadSelector matches, else the namespace's one without selector, else the root namespace's one without selector. */
export function sidecarFor(index: FlowIndex, pod: PodInstance): StateObject | undefined {
  const inNs = index.sidecars.filter((s) => (s.manifest.metadata.namespace ?? 'default') === pod.namespace);
  const selected = inNs.find(
    (s) => s.manifest.spec?.workloadSelector && selectorMatches({ matchLabels: s.manifest.spec.workloadSelector.labels ?? {} }, pod.labels),
  );
  if (selected) return selected;
  const wide = inNs.find((s) => !s.manifest.spec?.workloadSelector);
  if (wide) return wide;
  return index.sidecars.find((s) => (s.manifest.metadata.namespace ?? 'default') === index.mesh.rootNamespace && !s.manifest.spec?.workloadSelector);
}

/**
 * Whether a Sidecar's egress listeners import a service `hostname` of `namespace` reached on `port`
 * (sidecar.go convertIstioListenerToWrapper / selectServices): hosts are `<namespace>/<dnsName>`,
 * `.` meaning the Sidecar's namespace and `*` any namespace, dnsName matched with wildcard
 * semantics; `~` entries exclude; a listener with a port imports only services on that port.
 */
export function sidecarImports(sidecar: KubeManifest, namespace: string, hostname: string, port: number | undefined): boolean {
  const configNs = sidecar.metadata.namespace ?? 'default';
  for (const listener of sidecar.spec?.egress ?? []) {
    const lport = listener.port?.number;
    if (lport && port !== undefined && lport !== port && String(listener.port?.protocol ?? '').toUpperCase() !== 'HTTP_PROXY') continue;
    const byNs = new Map<string, { hosts: string[]; excluded: string[] }>();
    for (const h of listener.hosts ?? []) {
      const parts = String(h).split('/');
      if (parts.length !== 2) continue;
      let [ns, name] = parts;
      const excluded = ns.startsWith('~');
      if (excluded) ns = ns.slice(1) || '*';
      if (ns === '.') ns = configNs;
      const entry = byNs.get(ns) ?? { hosts: [], excluded: [] };
      (excluded ? entry.excluded : entry.hosts).push(name);
      byNs.set(ns, entry);
    }
    const nsEntry = byNs.get(namespace);
    const anyEntry = byNs.get('*');
    if ((nsEntry && nsEntry.excluded.some((x) => hostSubsetOf(hostname, x))) || (anyEntry && anyEntry.excluded.some((x) => hostSubsetOf(hostname, x))))
      continue;
    if (nsEntry?.hosts.some((x) => hostSubsetOf(hostname, x))) return true;
    if (anyEntry?.hosts.some((x) => hostSubsetOf(hostname, x))) return true;
  }
  return false;
}

/**
 * Whether a config exported with `exportTo` is visible in `namespace` (push_context.go
 * IsServiceVisible): `*` everywhere, `.` in its own namespace, `~` nowhere, else the named
 * namespaces; no exportTo is the mesh default, everywhere.
 */
export function exportedTo(exportTo: readonly string[] | undefined, ownNamespace: string, namespace: string): boolean {
  if (!exportTo?.length) return true;
  if (exportTo.length === 1 && exportTo[0] === '~') return false;
  return exportTo.some((e) => e === '*' || (e === '.' && ownNamespace === namespace) || e === namespace);
}

/** The Services of the state that front `pod` on `port` (selector ⊆ labels, a port or targetPort equal to it). */
export function servicesFronting(index: FlowIndex, pod: PodInstance, port: number): StateObject[] {
  return index.services.filter((s) => {
    const m = s.manifest;
    if ((m.metadata.namespace ?? 'default') !== pod.namespace) return false;
    const selector = m.spec?.selector;
    if (!selector || !Object.keys(selector).length || !selectorMatches({ matchLabels: selector }, pod.labels)) return false;
    return (m.spec?.ports ?? []).some((p: any) => {
      const target = p.targetPort ?? p.port;
      if (typeof target === 'number' || /^\d+$/.test(String(target))) return Number(target) === port;
      return !!pod.template?.ports.some((c) => c.name === target && c.containerPort === port);
    });
  });
}

function serviceHost(s: StateObject): string {
  return `${s.manifest.metadata.name}.${s.manifest.metadata.namespace ?? 'default'}.svc.cluster.local`;
}

function modeOf(index: FlowIndex, sidecar: StateObject | undefined): { mode: 'ALLOW_ANY' | 'REGISTRY_ONLY'; from: string } {
  const m = sidecar?.manifest.spec?.outboundTrafficPolicy?.mode;
  if (m === 'REGISTRY_ONLY' || m === 'ALLOW_ANY')
    return { mode: m, from: `Sidecar ${sidecar!.manifest.metadata.namespace}/${sidecar!.manifest.metadata.name}` };
  return { mode: index.mesh.outboundTrafficPolicy, from: `the mesh default in ${index.mesh.source}` };
}

/** `flows/sidecar-egress` over one state. */
export function sidecarEgressFindings(state: ClusterState, index: FlowIndex = indexFlowState(state)): Finding[] {
  const out = new PodGrouped();
  for (const flow of state.flows) {
    if (!('pods' in flow.from) || flow.registryChecked === false) continue;
    for (const src of podInstances(index, flow.from.pods)) {
      if (!isMeshed(index, src)) continue;
      let dstPod: PodInstance | undefined;
      const emit = (a: PodInstance, f: Emit) => out.add(f, a, dstPod);
      const sidecar = sidecarFor(index, src);
      const { mode, from: modeFrom } = modeOf(index, sidecar);
      if (mode !== 'REGISTRY_ONLY') continue;
      const where = sidecar ? { file: sidecar.file, object: describeManifest(sidecar.manifest) } : {};
      const sidecarName = sidecar
        ? `Sidecar ${sidecar.manifest.metadata.namespace}/${sidecar.manifest.metadata.name}`
        : 'no Sidecar (every exported service is imported)';
      for (const port of flow.to.ports) {
        if ('pods' in flow.to) {
          // Pods the cluster runs (kube-dns) have their Services, which no release renders.
          if (flow.to.pods.clusterProvided) continue;
          for (const dst of podInstances(index, flow.to.pods)) {
            dstPod = dst;
            const services = servicesFronting(index, dst, port.port);
            if (!services.length) {
              const skipped = state.releases.filter((r) => r.namespace === dst.namespace && !r.rendered).map((r) => r.releaseName);
              // A release into that namespace was not rendered: its Services are unknown, so this
              // is undecided rather than wrong (verify --charts decides it).
              if (skipped.length) continue;
              emit(src, {
                ...where,
                message:
                  `${flowHeader(flow)}: ${P1} reaches ${P2} on ${port.port} under REGISTRY_ONLY (${modeFrom}), but no Service in the state selects those pods on that port:` +
                  ` the sidecar sends connections to addresses outside its registry to the BlackHoleCluster` +
                  (skipped.length ? ` (releases into ${dst.namespace} not rendered: ${skipped.join(', ')})` : ''),
                fix: `give the destination a Service on port ${port.port} and import it in the source's Sidecar egress hosts (${dst.namespace}/<service>.${dst.namespace}.svc.cluster.local), or mark the flow plaintext if it bypasses the sidecar`,
              });
              continue;
            }
            if (!sidecar) continue;
            const visible = services.filter((s) =>
              exportedTo(
                s.manifest.metadata.annotations?.['networking.istio.io/exportTo']?.split(',').map((x: string) => x.trim()),
                dst.namespace,
                src.namespace,
              ),
            );
            if (!visible.length) {
              emit(src, {
                file: services[0].file,
                object: describeManifest(services[0].manifest),
                message: `${flowHeader(flow)}: ${services.map(serviceHost).join(', ')} is not exported to ${src.namespace} (annotation networking.istio.io/exportTo)`,
                fix: `add ${src.namespace} to the Service's networking.istio.io/exportTo annotation`,
              });
              continue;
            }
            if (!visible.some((s) => sidecarImports(sidecar.manifest, dst.namespace, serviceHost(s), port.port))) {
              emit(src, {
                ...where,
                message:
                  `${flowHeader(flow)}: ${sidecarName} (REGISTRY_ONLY, ${modeFrom}) of ${P1} does not import ${visible.map(serviceHost).join(' or ')} ` +
                  `(egress hosts: ${(sidecar.manifest.spec?.egress ?? []).flatMap((l: any) => l.hosts ?? []).join(', ') || 'none'})`,
                fix: `add ${dst.namespace}/${serviceHost(visible[0])} to the egress hosts of ${sidecarName}`,
              });
            }
          }
          dstPod = undefined;
          continue;
        }
        const target = flow.to.external;
        if (!target.host) {
          const ranges = target.cidrs.map(cidrRange).filter((r): r is AddressRange => !!r);
          const covering = index.serviceEntries.filter((se) => {
            const addrs = (se.manifest.spec?.addresses ?? []).map((a: string) => cidrRange(a)).filter((r: AddressRange | undefined): r is AddressRange => !!r);
            return (
              ranges.length > 0 &&
              ranges.every((r) => rangeCovered(r, addrs)) &&
              exportedTo(se.manifest.spec?.exportTo, se.manifest.metadata.namespace ?? 'default', src.namespace)
            );
          });
          if (!covering.length) {
            emit(src, {
              ...where,
              message: `${flowHeader(flow)}: ${P1} connects to ${target.cidrs.join(', ')} on ${port.port} under REGISTRY_ONLY (${modeFrom}); the flow names no host and no ServiceEntry visible to ${src.namespace} declares those addresses`,
              fix: `give the flow its host name and declare it in a ServiceEntry exported to ${src.namespace}, or declare the addresses in a ServiceEntry's addresses`,
            });
          }
          continue;
        }
        const entries = index.serviceEntries.filter((se) => (se.manifest.spec?.hosts ?? []).some((h: string) => hostSubsetOf(target.host!, h)));
        const withPort = entries.filter(
          (se) => !(se.manifest.spec?.ports ?? []).length || (se.manifest.spec.ports as any[]).some((p) => Number(p.number) === port.port),
        );
        const visible = withPort.filter((se) => exportedTo(se.manifest.spec?.exportTo, se.manifest.metadata.namespace ?? 'default', src.namespace));
        if (!visible.length) {
          const other = withPort[0] ?? entries[0];
          emit(src, {
            file: other?.file ?? where.file,
            object: other ? describeManifest(other.manifest) : where.object,
            message: other
              ? `${flowHeader(flow)}: ${target.host}:${port.port} is declared by ${describeManifest(other.manifest)}, which ${withPort.length ? `is exported to ${JSON.stringify(other.manifest.spec?.exportTo ?? ['*'])} only, not to ${src.namespace}` : `has no port ${port.port}`}; under REGISTRY_ONLY (${modeFrom}) ${P1} cannot reach it`
              : `${flowHeader(flow)}: no ServiceEntry declares ${target.host}; under REGISTRY_ONLY (${modeFrom}) ${P1} cannot reach it on ${port.port}`,
            fix: other
              ? `add ${src.namespace} to exportTo of ${describeManifest(other.manifest)}${withPort.length ? '' : ` and port ${port.port} to its ports`}`
              : `add a ServiceEntry (location MESH_EXTERNAL) for ${target.host} on port ${port.port}, exported to ${src.namespace}`,
          });
          continue;
        }
        // The service the sidecar imports is the ServiceEntry's host (a wildcard stays a wildcard):
        // a Sidecar entry naming one concrete name does not import `*.example.com` (name.go SubsetOf).
        const imported = (se: StateObject) =>
          (se.manifest.spec?.hosts ?? []).some(
            (h: string) => hostSubsetOf(target.host!, h) && sidecarImports(sidecar!.manifest, se.manifest.metadata.namespace ?? 'default', h, port.port),
          );
        if (sidecar && !visible.some(imported)) {
          const se = visible[0];
          emit(src, {
            ...where,
            message:
              `${flowHeader(flow)}: ${sidecarName} (REGISTRY_ONLY, ${modeFrom}) of ${P1} does not import ${target.host}, declared by ${describeManifest(se.manifest)}` +
              ` (egress hosts: ${(sidecar.manifest.spec?.egress ?? []).flatMap((l: any) => l.hosts ?? []).join(', ') || 'none'}; a host entry names the ServiceEntry's namespace, not the source's)`,
            fix: `add ${se.manifest.metadata.namespace}/${(se.manifest.spec?.hosts ?? []).find((h: string) => hostSubsetOf(target.host!, h)) ?? target.host} to the egress hosts of ${sidecarName}`,
          });
        }
      }
    }
  }
  return out.findings('flows/sidecar-egress', state);
}

// =============================================================================================
// Tenant isolation

/** Namespace → tenant id, from the `ceres.io/tenant` label of the Namespace objects (lib/tenants). */
export function tenantNamespaces(index: FlowIndex): Map<string, string> {
  const out = new Map<string, string>();
  for (const [ns, labels] of index.namespaces) if (labels[Labels.tenant]) out.set(ns, labels[Labels.tenant]);
  return out;
}

/** The namespaces a peer's selectors reach among those in the state (`undefined` peer list: every namespace). */
function peerNamespaces(index: FlowIndex, peers: readonly any[] | undefined, policyNamespace: string): { namespaces: Set<string>; everything: boolean } {
  const namespaces = new Set<string>();
  if (!peers || peers.length === 0) return { namespaces: new Set(index.namespaces.keys()), everything: true };
  for (const peer of peers) {
    if (peer.ipBlock || (!peer.podSelector && !peer.namespaceSelector)) continue;
    if (!peer.namespaceSelector) namespaces.add(policyNamespace);
    else for (const [ns, labels] of index.namespaces) if (selectorMatches(peer.namespaceSelector, labels)) namespaces.add(ns);
  }
  return { namespaces, everything: false };
}

/** Service accounts of a namespace as principals could name them: SA objects, pod templates', `default`. */
function namespaceServiceAccounts(index: FlowIndex, namespace: string): string[] {
  const out = new Set<string>(['default']);
  for (const o of index.objects) if (o.manifest.kind === 'ServiceAccount' && o.manifest.metadata.namespace === namespace) out.add(o.manifest.metadata.name!);
  for (const t of index.templates) if (t.namespace === namespace) out.add(t.serviceAccount);
  return [...out];
}

/** `flows/tenant-isolation` over one state. */
export function tenantIsolationFindings(state: ClusterState, index: FlowIndex = indexFlowState(state)): Finding[] {
  const out: Finding[] = [];
  const check = 'flows/tenant-isolation';
  const tenants = tenantNamespaces(index);
  if (tenants.size < 2) return out;
  const others = (tenant: string) => [...tenants].filter(([, t]) => t !== tenant).map(([ns]) => ns);

  for (const p of index.networkPolicies) {
    const ns = p.manifest.metadata.namespace ?? 'default';
    const tenant = tenants.get(ns);
    if (!tenant) continue;
    const foreign = new Set(others(tenant));
    for (const [dir, rules, key] of [
      ['ingress', p.manifest.spec?.ingress ?? [], 'from'],
      ['egress', p.manifest.spec?.egress ?? [], 'to'],
    ] as const) {
      if (!policyTypes(p.manifest).includes(dir === 'ingress' ? 'Ingress' : 'Egress')) continue;
      (rules as any[]).forEach((rule, i) => {
        const { namespaces, everything } = peerNamespaces(index, rule[key], ns);
        const crossing = [...namespaces].filter((n) => foreign.has(n));
        if (!crossing.length) return;
        out.push({
          ...findingBase(check, state),
          file: p.file,
          object: describeManifest(p.manifest),
          message:
            `${dir} rule ${i + 1} of tenant ${tenant}'s NetworkPolicy ${p.manifest.metadata.name} (pods ${formatSelector(p.manifest.spec?.podSelector)}) ` +
            `${everything ? `has no \`${key}\`, so it admits every peer, including` : 'selects'} pods of other tenants' namespaces: ` +
            crossing.map((n) => `${n} (tenant ${tenants.get(n)})`).join(', '),
          fix: `narrow the rule's ${key} to the tenant's own namespace or to platform namespaces by kubernetes.io/metadata.name (a namespaceSelector on a label other tenants' namespaces carry too, or an empty one, crosses tenants)`,
        });
      });
    }
  }

  for (const p of index.authorizationPolicies) {
    const ns = p.manifest.metadata.namespace ?? 'default';
    const spec = p.manifest.spec ?? {};
    if ((spec.action ?? 'ALLOW') !== 'ALLOW' || spec.targetRef || spec.targetRefs?.length) continue;
    // A root-namespace policy applies to every namespace; otherwise to its own.
    const targets = ns === index.mesh.rootNamespace ? [...tenants.keys()] : tenants.has(ns) ? [ns] : [];
    const found = new Map<string, string[]>();
    for (const target of targets) {
      const tenant = tenants.get(target)!;
      for (const other of others(tenant)) {
        const accounts = namespaceServiceAccounts(index, other);
        const matching = accounts.filter((sa) =>
          (spec.rules ?? []).some((r: any) =>
            authzRuleMatches(r, { principal: `${index.mesh.trustDomain}/ns/${other}/sa/${sa}` }, ns, { http: true, unknown: true }),
          ),
        );
        if (matching.length) found.set(`${target}\u0000${other}`, matching);
      }
    }
    if (!found.size) continue;
    const pairs = [...found].map(([k, sas]) => {
      const [target, other] = k.split('\u0000');
      return `${other} (tenant ${tenants.get(other)}, service accounts ${sas.join(', ')}) into ${target} (tenant ${tenants.get(target)})`;
    });
    out.push({
      ...findingBase(check, state),
      file: p.file,
      object: describeManifest(p.manifest),
      message: `AuthorizationPolicy ${ns}/${p.manifest.metadata.name} (ALLOW) admits principals of other tenants: ${pairs.join('; ')}`,
      fix: 'restrict its rules with from.source.principals or namespaces of the tenant itself and of the platform components it needs (a rule without `from`, or with a wildcard namespace, admits every tenant)',
    });
  }
  return out;
}

// =============================================================================================
// The checks

function memoIndex(): (state: ClusterState) => FlowIndex {
  const cache = new WeakMap<ClusterState, FlowIndex>();
  return (state) => {
    let index = cache.get(state);
    if (!index) {
      index = indexFlowState(state);
      cache.set(state, index);
    }
    return index;
  };
}

const indexOf = memoIndex();

export const networkPolicyCheck: VerifyCheck = {
  name: 'flows/network-policy',
  description: "every declared flow is allowed by the cluster's NetworkPolicies at both ends (egress at the source, ingress at the destination)",
  run: (state) => (state.flows.length ? networkPolicyFindings(state, indexOf(state)) : []),
};

export const meshAuthorizationCheck: VerifyCheck = {
  name: 'flows/mesh-authorization',
  description: "every declared flow into a meshed destination is allowed by Istio's AuthorizationPolicies and PeerAuthentication there",
  run: (state) => (state.flows.length ? meshAuthorizationFindings(state, indexOf(state)) : []),
};

export const sidecarEgressCheck: VerifyCheck = {
  name: 'flows/sidecar-egress',
  description:
    "every declared flow from a meshed source is imported by its Sidecar's egress hosts under REGISTRY_ONLY, external hosts by a visible ServiceEntry",
  run: (state) => (state.flows.length ? sidecarEgressFindings(state, indexOf(state)) : []),
};

export const tenantIsolationCheck: VerifyCheck = {
  name: 'flows/tenant-isolation',
  description: "no NetworkPolicy or AuthorizationPolicy lets one tenant's namespaces reach another tenant's",
  run: (state) => tenantIsolationFindings(state, indexOf(state)),
};

/**
 * The pods a flow names exist: where the namespace's Helm releases were rendered, some pod of the
 * state matches the PodSet's labels and ServiceAccount. Otherwise the other flow checks would judge a
 * pod made up from the declaration, and a label the chart does not set would pass unnoticed.
 */
export const flowEndpointsCheck: VerifyCheck = {
  name: 'flows/endpoints-exist',
  description: 'the pods each declared flow names exist in the rendered releases (labels and ServiceAccount)',
  run(state) {
    const index = indexFlowState(state);
    const renderedNamespaces = new Set(state.releases.filter((r) => r.rendered).map((r) => r.namespace));
    const out: Finding[] = [];
    const sets = state.flows.flatMap((f) => [...('pods' in f.from ? [{ f, set: f.from.pods }] : []), ...('pods' in f.to ? [{ f, set: f.to.pods }] : [])]);
    for (const { f, set } of sets) {
      if (set.clusterProvided || !renderedNamespaces.has(set.namespace)) continue;
      if (podInstances(index, set).some((p) => p.template)) continue;
      out.push({
        ...findingBase('flows/endpoints-exist', state),
        message: `${flowHeader(f)}: no pod of ${set.namespace} carries ${formatLabels(set.podLabels ?? {})}${set.serviceAccount ? ` with ServiceAccount ${set.serviceAccount}` : ''} (the releases rendered there create none)`,
        fix: `correct the PodSet in the add-on's flows() to the labels and ServiceAccount the chart's pods carry (helm template the release), or the chart values`,
      });
    }
    return out;
  },
};

/**
 * In a namespace isolated by the platform (`ceres.io/network-isolation: default-deny`), every
 * NetworkPolicy is the platform's: a chart's own policy would add allowances nobody declared (Argo CD's
 * and Kiali's open their servers to every source), and NetworkPolicies only ever add.
 */
export const chartNetworkPolicyCheck: VerifyCheck = {
  name: 'flows/only-declared-policies',
  description: "isolated namespaces hold only the platform's NetworkPolicies, none a chart renders",
  run(state) {
    const index = indexFlowState(state);
    const isolated = new Set(
      [...index.namespaces].filter(([, labels]) => labels[NETWORK_ISOLATION_LABEL] === NETWORK_ISOLATION_DEFAULT_DENY).map(([name]) => name),
    );
    return index.networkPolicies
      .filter((p) => p.file.startsWith('helm:') && isolated.has(p.manifest.metadata.namespace ?? 'default'))
      .map((p) => ({
        ...findingBase('flows/only-declared-policies', state),
        file: p.file,
        object: describeManifest(p.manifest),
        message: `the chart renders ${describeManifest(p.manifest)} in ${p.manifest.metadata.namespace}, whose policies the platform generates from the declared flows; its rules add allowances no flow declares`,
        fix: `turn the chart's NetworkPolicy off in its values (and declare the flows its components need in the add-on's flows())`,
      }));
  },
};

export const flowChecks: VerifyCheck[] = [
  networkPolicyCheck,
  meshAuthorizationCheck,
  sidecarEgressCheck,
  tenantIsolationCheck,
  flowEndpointsCheck,
  chartNetworkPolicyCheck,
];
