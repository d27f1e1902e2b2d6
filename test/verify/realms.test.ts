import { KubeManifest } from '../../lib/core/checks';
import { PLATFORM_REALM, realmIssuer, realmJwksUri, tenantRealm, TENANT_ROLES } from '../../lib/core/realm';
import { realmCheck, realmFindings, REALM_ANNOTATION } from '../../lib/verify/checks/realms';
import { AWS_STACK, context, stack, state } from './flow-fixtures';

const NS = 'tenant-a';
const REALM = 'a-realm';
const URL = 'https://auth.example.test';

const ns = (realm = REALM): KubeManifest => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, annotations: { [REALM_ANNOTATION]: realm } } });
const binding = (role: string, group: string): KubeManifest =>
  ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: role, namespace: NS },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
  }) as KubeManifest;
const jwt = (issuer: string, jwksUri: string): KubeManifest => ({
  apiVersion: 'security.istio.io/v1',
  kind: 'RequestAuthentication',
  metadata: { name: 'tenant-jwt', namespace: NS },
  spec: { jwtRules: [{ issuer, jwks_uri: jwksUri }] },
});
const project = (groups: string[]): KubeManifest => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AppProject',
  metadata: { name: NS, namespace: 'argocd' },
  spec: { destinations: [{ namespace: NS, server: '*' }], roles: [{ name: 'tenant-admin', groups }] },
});
const realm = tenantRealm({ keycloakUrl: URL }, { keycloakRealm: REALM });
const good = () => [
  ns(),
  ...TENANT_ROLES.map((r) => binding(r, realm.boundGroups[r])),
  jwt(realm.issuer, realm.jwksUri),
  project([realm.boundGroups['tenant-admin']]),
];
const findings = (objects: KubeManifest[], terraform: Record<string, unknown> = {}) => {
  const base = state({ objects });
  const s = { ...base, environment: { ...base.environment, baseDomain: 'example.test' } };
  return realmFindings(s, context([s], terraform)).map((f) => f.message);
};

describe('the realm model', () => {
  it("derives a tenant realm's issuer, keys and bound groups from its name and the Keycloak URL", () => {
    expect(realm.issuer).toBe('https://auth.example.test/realms/a-realm');
    expect(realm.jwksUri).toBe(`${realm.issuer}/protocol/openid-connect/certs`);
    expect(Object.values(realm.boundGroups)).toEqual(['a-realm:tenant-admin', 'a-realm:tenant-developer', 'a-realm:tenant-viewer']);
    expect(realmIssuer(`${URL}/`, PLATFORM_REALM)).toBe(realmIssuer(URL, PLATFORM_REALM));
  });
});

describe('identity/realms', () => {
  it('passes bindings, JWT rules and project roles taken from the model', () => {
    expect(findings(good())).toEqual([]);
  });

  it("names a binding to another realm's group, a role bound without its group, a foreign issuer and a project role", () => {
    const other = tenantRealm({ keycloakUrl: URL }, { keycloakRealm: 'b-realm' });
    const [namespace, admin, developer, viewer] = good();
    expect(findings([namespace, binding('tenant-admin', other.boundGroups['tenant-admin']), developer, viewer])).toEqual([
      expect.stringContaining("binds group b-realm:tenant-admin, which is not a group of tenant-a's realm a-realm"),
      expect.stringContaining('binds Role tenant-admin without the realm'),
    ]);
    expect(findings([namespace, admin, jwt(other.issuer, other.jwksUri)])[0]).toContain('accepts issuer https://auth.example.test/realms/b-realm');
    expect(findings([namespace, admin, jwt(realm.issuer, realmJwksUri('https://evil.example.test', REALM))])[0]).toContain('evil.example.test');
    expect(findings([namespace, project(['b-realm:tenant-admin'])])[0]).toContain('grants group b-realm:tenant-admin');
  });

  it("checks the API server's trust in the cluster's Terraform against the platform realm", () => {
    const idp = (issuer: string) => ({ [AWS_STACK]: stack({ aws_eks_identity_provider_config: { keycloak: { oidc: { issuer_url: issuer } } } }) });
    expect(findings(good(), idp(realmIssuer(URL, PLATFORM_REALM)))).toEqual([]);
    expect(findings(good(), idp(realmIssuer(URL, 'other')))[0]).toContain('trusts https://auth.example.test/realms/other');
  });

  it('is wired under its name', () => {
    expect(realmCheck.name).toBe('identity/realms');
  });
});
