import { Chart } from 'cdk8s';
import { controlPlaneNetwork } from '../core/cloud';
import { cidrsOverlap, prefixLength } from '../core/cidr';
import { ExternalTarget, Flow, PodSet } from '../core/flows';
import { ClusterConfig } from '../core/model';
import { NamespaceNetworkIsolation, NetworkAllowance, NetworkPeer } from './network-isolation';

/**
 * A platform namespace's NetworkPolicies, generated from the flows the add-ons declare for the
 * cluster (the same flows `npm run verify` proves): default deny of ingress and egress, then for each
 * flow leaving a pod of the namespace an egress allowance (`allow-out-<flow>`) and for each flow
 * arriving at one an ingress allowance (`allow-in-<flow>`), selecting exactly the flow's pods, peers
 * and ports. A namespace no flow mentions is sealed: nothing in, nothing out. The API server as a
 * source is the cluster's webhook callers (`controlPlaneNetwork`); the ServiceAccount of a PodSet is
 * the mesh's business, not the network's.
 */
export function flowAllowances(namespace: string, flows: readonly Flow[], cluster: ClusterConfig): NetworkAllowance[] {
  const out: NetworkAllowance[] = [];
  const names = new Set<string>();
  const unique = (base: string): string => {
    let name = base;
    for (let i = 2; names.has(name); i++) name = `${base}-${i}`;
    names.add(name);
    return name;
  };
  // Called per platform namespace with every flow of the cluster (thousands at a thousand tenants):
  // a flow that neither leaves nor enters the namespace costs two comparisons.
  for (const f of flows) {
    const from = 'pods' in f.from && f.from.pods.namespace === namespace;
    const to = 'pods' in f.to && f.to.pods.namespace === namespace;
    if (!from && !to) continue;
    const ports = f.to.ports.map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' }));
    if (from && 'pods' in f.from) {
      const peers: NetworkPeer[] = 'pods' in f.to ? [podPeer(f.to.pods)] : externalPeers(f.to.external);
      out.push({ name: unique(`out-${slug(f.name)}`), direction: 'egress', podLabels: f.from.pods.podLabels, peers, ports, reason: `${f.name}: ${f.reason}` });
    }
    if (to && 'pods' in f.to) {
      let peers: NetworkPeer[];
      if ('pods' in f.from) peers = [podPeer(f.from.pods)];
      else if ('external' in f.from) peers = externalPeers(f.from.external);
      else {
        const callers = controlPlaneNetwork(cluster).callers;
        peers = [...callers.cidrs.map((cidr): NetworkPeer => ({ kind: 'cidr', cidr })), ...callers.pods.map(podPeer)];
      }
      out.push({ name: unique(`in-${slug(f.name)}`), direction: 'ingress', podLabels: f.to.pods.podLabels, peers, ports, reason: `${f.name}: ${f.reason}` });
    }
  }
  return out;
}

/** An external target as ipBlocks: each CIDR minus the exceptions inside it. */
function externalPeers(target: ExternalTarget): NetworkPeer[] {
  return target.cidrs.map((cidr) => {
    // Aligned CIDRs that overlap are nested: the one with the longer prefix lies inside the other.
    const except = (target.except ?? []).filter((x) => cidrsOverlap(x, cidr) && prefixLength(x) > prefixLength(cidr));
    return { kind: 'cidr', cidr, ...(except.length ? { except } : {}) };
  });
}

function podPeer(set: PodSet | { readonly namespace: string; readonly podLabels?: Readonly<Record<string, string>> }): NetworkPeer {
  return { kind: 'namespace', namespace: set.namespace, podLabels: set.podLabels };
}

/**
 * A flow name as a DNS-1123 name part (`mesh/sidecars-to-istiod/ceres` → `mesh-sidecars-to-istiod-ceres`):
 * lower case, every run of characters other than `a-z`, `0-9` and `-` (and of
 * `-`) one `-`, none at either end. Flow names, one for each tenant on each cluster of every
 * environment, are ASCII words joined by single separators (`databases/operator-to-instances/acme`):
 * one pass says so, then one replacement (four regular expressions each were most of what a one-tenant
 * edit allocated in the platform namespaces' policies). Other names as the rules read.
 */
export function slug(name: string): string {
  let upper = false;
  let other = false;
  let previousWord = false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) previousWord = true;
    else if (c >= 0x41 && c <= 0x5a) previousWord = upper = true;
    else if (c < 0x80 && previousWord && i + 1 < name.length) {
      // A separator between two words (the next character is checked in its turn).
      previousWord = false;
      if (c !== 0x2d) other = true;
    } else return slugByRules(name);
  }
  const dashed = other ? name.replace(/[^A-Za-z0-9]/g, '-') : name;
  return upper ? dashed.toLowerCase() : dashed;
}

/** {@link slug} by its rules, for any name. */
export function slugByRules(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Default deny plus the flows' allowances for one platform namespace of one cluster. */
export class PlatformNamespaceNetworkPolicies extends NamespaceNetworkIsolation {
  constructor(scope: Chart, id: string, props: { readonly namespace: string; readonly flows: readonly Flow[]; readonly cluster: ClusterConfig }) {
    super(scope, id, { namespace: props.namespace, allowances: flowAllowances(props.namespace, props.flows, props.cluster) });
  }
}
