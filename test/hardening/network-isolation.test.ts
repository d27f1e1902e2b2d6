import { platformAddOns } from '../../apps/platform/main';
import { KubeManifest } from '../../lib/core/checks';
import { TENANT_NAMESPACE_PREFIX } from '../../lib/core/names';
import { fixtureDatabase, fixtureTenant, ofKind, renderAddOns, yamlFiles } from '../support/harness';

/**
 * A small NetworkPolicy evaluator: does a namespace's policy set let traffic in from (or out to)
 * pods of another namespace? Kubernetes semantics: a pod selected by no policy of a direction is
 * open in that direction; selected pods admit the union of their policies' rules.
 */
function admits(
  policies: readonly KubeManifest[],
  direction: 'Ingress' | 'Egress',
  own: string,
  other: string,
  otherLabels: Record<string, string> = {},
): boolean {
  const relevant = policies.filter((p) => (p.spec.policyTypes ?? []).includes(direction));
  if (relevant.length === 0) return true;
  return relevant.some((p) => {
    const rules = (direction === 'Ingress' ? p.spec.ingress : p.spec.egress) ?? [];
    return rules.some((r: any) => {
      const peers = direction === 'Ingress' ? r.from : r.to;
      if (!peers || peers.length === 0) return true;
      return peers.some((peer: any) => {
        if (peer.ipBlock) return false; // cluster-external addresses by the NetworkPolicy contract
        const nsOk = peer.namespaceSelector
          ? Object.entries(peer.namespaceSelector.matchLabels ?? {}).every(([k, v]) => k === 'kubernetes.io/metadata.name' && v === other) &&
            !peer.namespaceSelector.matchExpressions?.length
          : other === own;
        const podOk = Object.entries(peer.podSelector?.matchLabels ?? {}).every(([k, v]) => otherLabels[k] === v);
        return nsOk && podOk;
      });
    });
  });
}

/**
 * NamespaceNetworkIsolation (lib/hardening/network-isolation.ts) as the tenants and the ceres
 * namespace use it: rendered with every add-on of the platform on the fixture, so that no add-on's
 * policy opens a path between tenants.
 */
describe('tenant network isolation', () => {
  const input = {
    tenants: [
      fixtureTenant('alpha-1', 'starter'),
      fixtureTenant('beta-2', 'professional'),
      fixtureTenant('gamma-3', 'enterprise'),
      fixtureTenant('delta-4', 'starter'),
    ],
    databases: [fixtureDatabase('gamma-3')],
    backups: [],
  };
  const out = renderAddOns(platformAddOns(), { input });
  const namespaces = ofKind(out, 'Namespace').map((n) => n.metadata.name!);
  const tenantNamespaces = namespaces.filter((n) => n.startsWith(TENANT_NAMESPACE_PREFIX));
  const policiesOf = (ns: string) => ofKind(out, 'NetworkPolicy', ns);

  it('renders every tenant namespace', () => {
    expect(tenantNamespaces.sort()).toEqual(['tenant-alpha-1', 'tenant-beta-2', 'tenant-delta-4', 'tenant-gamma-3']);
  });

  it('gives no tenant a network path to another tenant', () => {
    // Pod labels the allowances select on (database instances) must not open a path either.
    const labelSets: Record<string, string>[] = [{}, { 'cnpg.io/podRole': 'instance' }, { app: 'istiod' }, { 'k8s-app': 'kube-dns' }];
    for (const a of tenantNamespaces) {
      for (const b of tenantNamespaces) {
        if (a === b) continue;
        for (const labels of labelSets) {
          expect({ a, b, labels, ingress: admits(policiesOf(a), 'Ingress', a, b, labels) }).toEqual({ a, b, labels, ingress: false });
          expect({ a, b, labels, egress: admits(policiesOf(a), 'Egress', a, b, labels) }).toEqual({ a, b, labels, egress: false });
        }
      }
    }
  });

  it('still lets a tenant talk to itself, DNS, istiod, the gateways and monitoring', () => {
    const ns = 'tenant-beta-2';
    const p = policiesOf(ns);
    expect(admits(p, 'Ingress', ns, ns)).toBe(true);
    expect(admits(p, 'Egress', ns, ns)).toBe(true);
    expect(admits(p, 'Egress', ns, 'kube-system', { 'k8s-app': 'kube-dns' })).toBe(true);
    expect(admits(p, 'Egress', ns, 'kube-system', { 'k8s-app': 'metrics-server' })).toBe(false);
    expect(admits(p, 'Egress', ns, 'istio-system', { app: 'istiod' })).toBe(true);
    expect(admits(p, 'Egress', ns, 'istio-egress')).toBe(true);
    expect(admits(p, 'Ingress', ns, 'istio-ingress')).toBe(true);
    expect(admits(p, 'Ingress', ns, 'monitoring')).toBe(true);
    expect(admits(p, 'Ingress', ns, 'ceres')).toBe(false);
  });

  it('lets the database operator reach database namespaces only', () => {
    expect(admits(policiesOf('tenant-gamma-3'), 'Ingress', 'tenant-gamma-3', 'cnpg-system', {})).toBe(true);
    expect(admits(policiesOf('tenant-alpha-1'), 'Ingress', 'tenant-alpha-1', 'cnpg-system', {})).toBe(false);
  });

  it('default-denies both directions in every namespace it isolates (tenants and ceres)', () => {
    const isolated = [...tenantNamespaces, 'ceres'];
    for (const ns of isolated) {
      const deny = policiesOf(ns).find((p) => p.metadata.name === 'default-deny')!;
      expect(deny.spec.podSelector).toEqual({});
      expect(deny.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(deny.spec.ingress).toBeUndefined();
      expect(deny.spec.egress).toBeUndefined();
    }
  });

  it('matches the reviewed policies of a tenant with a database, and of ceres', () => {
    expect(yamlFiles(out, new RegExp(`^${out.environment.name}/(tenant-gamma-3|core)/network-policies\\.yaml$`))).toMatchSnapshot();
  });
});

describe('the isolation evaluator itself', () => {
  it('sees a path when a policy admits another tenant namespace or every namespace', () => {
    const allowOther: any = {
      metadata: {},
      spec: { policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tenant-b' } } }] }] },
    };
    const allowAll: any = { metadata: {}, spec: { policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }] }] } };
    expect(admits([allowOther], 'Ingress', 'tenant-a', 'tenant-b')).toBe(true);
    expect(admits([allowAll], 'Egress', 'tenant-a', 'tenant-b')).toBe(true);
    expect(admits([], 'Egress', 'tenant-a', 'tenant-b')).toBe(true);
  });
});
