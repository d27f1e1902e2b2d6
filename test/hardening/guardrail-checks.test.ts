import { platformAddOns } from '../../apps/platform/main';
import { RenderedObject } from '../../lib/core/checks';
import { GUARDRAIL_CHECKS, namespaceDefaultDeny, noCrossTenantNetworkPaths, noRbacWildcards } from '../../lib/hardening/guardrail-checks';
import { renderAddOns, TENANT_PER_TIER } from '../support/harness';

/** The guardrail checks (no RBAC wildcards, default deny, no cross-tenant paths), on hand-made objects. */
const at = (manifest: any): RenderedObject => ({ environment: 'staging', folder: 'x', file: 'staging/x/x.yaml', manifest });

describe('guardrail checks', () => {
  it('hold for everything the add-ons render on the fixture', () => {
    const { objects, view } = renderAddOns(platformAddOns(), { input: TENANT_PER_TIER });
    for (const c of GUARDRAIL_CHECKS) expect({ check: c.name, problems: c.check(objects, view) }).toEqual({ check: c.name, problems: [] });
  });

  it('flag a cross-tenant or any-namespace NetworkPolicy', () => {
    const toOther = at({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'p', namespace: 'tenant-a' },
      spec: { policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tenant-b' } } }] }] },
    });
    const fromAny = at({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'q', namespace: 'tenant-a' },
      spec: { policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: {} }] }] },
    });
    const problems = noCrossTenantNetworkPaths.check([toOther, fromAny]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('tenant-b');
  });

  it('flag an isolated namespace without default deny', () => {
    const ns = at({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-z' } });
    expect(namespaceDefaultDeny.check([ns])[0]).toContain('no default-deny');
    const deny = at({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'd', namespace: 'tenant-z' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    expect(namespaceDefaultDeny.check([ns, deny])).toEqual([]);
  });

  it('flag an RBAC wildcard', () => {
    const role = at({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'r' },
      rules: [{ apiGroups: [''], resources: ['*'], verbs: ['get'] }],
    });
    expect(noRbacWildcards.check([role])[0]).toContain('wildcard in resources');
  });
});
