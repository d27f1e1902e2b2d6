import { defineCheck, describeObject, ManifestCheck } from '../core/checks';
import { TENANT_NAMESPACE_PREFIX } from '../core/names';
import { NETWORK_ISOLATION_DEFAULT_DENY, NETWORK_ISOLATION_LABEL } from './guarded-namespace';

const RBAC_KINDS = new Set(['Role', 'ClusterRole']);

/** No Role or ClusterRole we render grants `*` (verbs, resources, API groups or resource names). */
export const noRbacWildcards = defineCheck({
  name: 'no-rbac-wildcards',
  kinds: [...RBAC_KINDS],
  local: (o) => {
    const m = o.manifest;
    if (!RBAC_KINDS.has(m.kind) || !m.apiVersion.startsWith('rbac.authorization.k8s.io/')) return undefined;
    const problems: string[] = [];
    (m.rules ?? []).forEach((rule: Record<string, string[] | undefined>, i: number) => {
      for (const field of ['verbs', 'resources', 'apiGroups', 'resourceNames', 'nonResourceURLs']) {
        if ((rule[field] ?? []).some((v) => v.includes('*'))) problems.push(`${describeObject(o)} rule ${i} has a wildcard in ${field}; list what is needed`);
      }
    });
    return problems;
  },
});

function isDefaultDeny(spec: any): boolean {
  const types: string[] = spec?.policyTypes ?? [];
  const selectsAll = !spec?.podSelector || Object.keys(spec.podSelector).length === 0;
  return selectsAll && types.includes('Ingress') && types.includes('Egress') && !spec.ingress?.length && !spec.egress?.length;
}

/**
 * Every tenant namespace, and every namespace labelled for network isolation, has a NetworkPolicy
 * selecting all its pods that denies both ingress and egress.
 */
export const namespaceDefaultDeny = defineCheck<{ denies: string } | { isolated: string }>({
  name: 'namespace-default-deny',
  kinds: ['NetworkPolicy', 'Namespace'],
  fact: (o) => {
    const m = o.manifest;
    if (m.kind === 'NetworkPolicy') return isDefaultDeny(m.spec) ? { denies: m.metadata.namespace ?? '' } : undefined;
    if (m.kind !== 'Namespace') return undefined;
    const name = m.metadata.name ?? '';
    const isolated = name.startsWith(TENANT_NAMESPACE_PREFIX) || m.metadata.labels?.[NETWORK_ISOLATION_LABEL] === NETWORK_ISOLATION_DEFAULT_DENY;
    return isolated ? { isolated: name } : undefined;
  },
  across: (facts) => {
    const denied = new Set<string>();
    for (const { fact } of facts) if ('denies' in fact) denied.add(fact.denies);
    const problems: string[] = [];
    for (const { ref, fact } of facts) {
      if (!('isolated' in fact) || denied.has(fact.isolated)) continue;
      problems.push(
        `${describeObject(ref)} has no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules); render NamespaceNetworkIsolation for it`,
      );
    }
    return problems;
  },
});

/**
 * What a NetworkPolicy peer admits, seen from the namespace of the policy: `own` (same namespace),
 * a list of namespace names, or `any` (a namespace selector not pinned to names). IP blocks are
 * cluster-external addresses by the NetworkPolicy contract and are not namespaces.
 */
export function peerNamespaces(peer: any, own: string): 'any' | string[] {
  if (peer.ipBlock) return [];
  if (!peer.namespaceSelector) return [own];
  const labels = peer.namespaceSelector.matchLabels ?? {};
  const name = labels['kubernetes.io/metadata.name'];
  if (!name || peer.namespaceSelector.matchExpressions?.length) return 'any';
  return [name];
}

/**
 * No NetworkPolicy of a tenant namespace admits traffic from or to another tenant's namespace, or
 * from or to "any namespace" (which includes every tenant).
 */
export const noCrossTenantNetworkPaths = defineCheck({
  name: 'no-cross-tenant-network-paths',
  kinds: ['NetworkPolicy'],
  local: (o) => {
    const m = o.manifest;
    const ns = m.metadata.namespace ?? '';
    if (m.kind !== 'NetworkPolicy' || !ns.startsWith(TENANT_NAMESPACE_PREFIX)) return undefined;
    const problems: string[] = [];
    const rules = [...(m.spec?.ingress ?? []).map((r: any) => ['from', r.from]), ...(m.spec?.egress ?? []).map((r: any) => ['to', r.to])];
    for (const [dir, peers] of rules) {
      if (!peers || peers.length === 0) {
        problems.push(`${describeObject(o)} has a rule without peers (${dir} everywhere, every tenant included)`);
        continue;
      }
      for (const peer of peers) {
        const reach = peerNamespaces(peer, ns);
        if (reach === 'any')
          problems.push(`${describeObject(o)} admits ${dir} any namespace, other tenants included; pin the namespace by kubernetes.io/metadata.name`);
        else
          for (const other of reach)
            if (other !== ns && other.startsWith(TENANT_NAMESPACE_PREFIX)) problems.push(`${describeObject(o)} admits ${dir} tenant namespace ${other}`);
      }
    }
    return problems;
  },
});

/** The guardrail checks, run on every synth. */
export const GUARDRAIL_CHECKS: readonly ManifestCheck[] = [noRbacWildcards, namespaceDefaultDeny, noCrossTenantNetworkPaths];
