import { platform } from '../../apps/platform/platform';
import { tenantNames } from '../../lib/core/names';
import { exampleInput, find, renderMesh } from './support/build';

const prod = renderMesh('prod');
const prodTenants = exampleInput.tenants.filter((t) => t.environments.includes('prod'));
const ofKind = (kind: string) => prod.objects.filter((o) => o.manifest.kind === kind).map((o) => o.manifest);

describe('mesh-wide security', () => {
  it('enforces STRICT mutual TLS mesh-wide, and nothing anywhere is PERMISSIVE', () => {
    expect(find(prod.objects, 'PeerAuthentication', 'default', 'istio-system').spec).toEqual({ mtls: { mode: 'STRICT' } });
    for (const pa of ofKind('PeerAuthentication')) expect(JSON.stringify(pa.spec)).not.toMatch(/PERMISSIVE|DISABLE/);
  });

  it('denies by default in ceres and in every tenant namespace of the environment', () => {
    expect(prodTenants.length).toBeGreaterThan(0);
    for (const ns of ['ceres', ...prodTenants.map((t) => tenantNames(t.tenantId).namespace)]) {
      const policy = find(prod.objects, 'AuthorizationPolicy', 'allow-nothing', ns);
      expect(policy.spec).toEqual({});
    }
  });

  it('allows exactly the declared calls, by the SPIFFE principal of the caller', () => {
    const api = find(prod.objects, 'AuthorizationPolicy', 'api', 'ceres');
    expect(api.spec.action).toBe('ALLOW');
    expect(api.spec.selector).toEqual({ matchLabels: { app: 'api' } });
    expect(api.spec.rules[0]).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/ceres/sa/web'] } }],
      to: [{ operation: { ports: ['8080'], paths: ['/api/v1/*'], methods: ['GET', 'POST'] } }],
    });
    // web calls nobody's paths but api's; nobody declared a call to web, only the gateway reaches it.
    const web = find(prod.objects, 'AuthorizationPolicy', 'web', 'ceres');
    expect(web.spec.rules).toEqual([{ from: [{ source: { principals: ['cluster.local/ns/istio-ingress/sa/istio-ingressgateway'] } }], to: [{ operation: { ports: ['8080'] } }] }]);
  });

  it('lets the ingress gateway reach exposed services only on their exposed paths', () => {
    const api = find(prod.objects, 'AuthorizationPolicy', 'api', 'ceres');
    expect(api.spec.rules[1]).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/istio-ingress/sa/istio-ingressgateway'] } }],
      to: [{ operation: { ports: ['8080'], paths: ['/api/v1', '/api/v1/*'] } }],
    });
    // api-server is not exposed: no rule names the gateway.
    for (const name of ['api-server', 'api-server-primary']) {
      const policy = find(prod.objects, 'AuthorizationPolicy', name, 'ceres');
      expect(JSON.stringify(policy.spec)).not.toContain('istio-ingressgateway');
    }
  });

  it("covers both of Flagger's Deployments of a canaried service (Flagger renames the primary's app label)", () => {
    expect(find(prod.objects, 'AuthorizationPolicy', 'api-server', 'ceres').spec.selector).toEqual({ matchLabels: { app: 'api-server' } });
    expect(find(prod.objects, 'AuthorizationPolicy', 'api-server-primary', 'ceres').spec.selector).toEqual({ matchLabels: { app: 'api-server-primary' } });
  });

  it("authenticates each tenant's requests against its own Keycloak realm, and refuses token-less requests from outside", () => {
    for (const t of prodTenants) {
      const ns = tenantNames(t.tenantId).namespace;
      const issuer = `${platform.keycloakUrl}/realms/${t.keycloakRealm}`;
      const ra = find(prod.objects, 'RequestAuthentication', 'tenant-jwt', ns);
      // The generated class writes the schema's snake_case alias of jwksUri (both are valid in the CRD).
      expect(ra.spec.jwtRules).toEqual([{ issuer, jwks_uri: `${issuer}/protocol/openid-connect/certs`, forwardOriginalToken: true }]);
      const deny = find(prod.objects, 'AuthorizationPolicy', 'tenant-jwt-require-jwt', ns);
      expect(deny.spec).toEqual({
        action: 'DENY',
        rules: [{ from: [{ source: { principals: ['cluster.local/ns/istio-ingress/sa/istio-ingressgateway'], notRequestPrincipals: [`${issuer}/*`] } }] }],
      });
    }
  });

  it('pairs the JWT check of an exposed service requiring it with a policy requiring a token; none for web (requireJwt false)', () => {
    const ra = find(prod.objects, 'RequestAuthentication', 'api-jwt', 'ceres');
    expect(ra.spec.selector).toEqual({ matchLabels: { app: 'api' } });
    expect(ra.spec.jwtRules[0].issuer).toBe('https://auth.ceres.io/realms/ceres');
    const deny = find(prod.objects, 'AuthorizationPolicy', 'api-jwt-require-jwt', 'ceres');
    expect(deny.spec.selector).toEqual(ra.spec.selector);
    expect(deny.spec.rules[0].from[0].source.notRequestPrincipals).toEqual(['https://auth.ceres.io/realms/ceres/*']);
    expect(ofKind('RequestAuthentication').filter((r) => r.metadata.name?.startsWith('web'))).toEqual([]);
  });
});
