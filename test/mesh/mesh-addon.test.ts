import { keycloakUrl } from '../../lib/core/realm';
import { platform as livePlatform } from '../../apps/platform/platform';
import { tenantNames } from '../../lib/core/names';
import { GitOpsAddOn } from '../../lib/gitops';
import { MeshAddOn, resolveMeshSettings } from '../../lib/mesh';
import { WorkloadsAddOn } from '../../lib/workloads';
import { baseAddOns, find, fixturePlatform, HA_SIZING, ofKind, renderAddOns, SMALL_SIZING, TENANT_PER_TIER, yamlFiles } from '../support/harness';

/**
 * The mesh add-on on the fixture (one HA cluster, a tenant of each tier, the fixture catalog):
 * mesh-wide security, every meshed namespace's defaults, ingress and egress, telemetry.
 * MeshService (traffic and policies of each service) is tested in mesh-service.test.ts.
 */
const meshAddOns = () => [...baseAddOns(), new WorkloadsAddOn(), new MeshAddOn(), new GitOpsAddOn()];
const out = renderAddOns(meshAddOns(), { input: TENANT_PER_TIER });
const { environment } = out;
const ENV = environment.name;
const DOMAIN = environment.baseDomain;
const tenants = TENANT_PER_TIER.tenants;
const tenantNamespaces = tenants.map((t) => tenantNames(t.tenantId).namespace);

describe('mesh-wide security', () => {
  it('enforces STRICT mutual TLS mesh-wide, and nothing anywhere is PERMISSIVE', () => {
    expect(find(out, 'PeerAuthentication', 'default', 'istio-system').spec).toEqual({ mtls: { mode: 'STRICT' } });
    for (const pa of ofKind(out, 'PeerAuthentication')) expect(JSON.stringify(pa.spec)).not.toMatch(/PERMISSIVE|DISABLE/);
  });

  it('denies by default in ceres and in every tenant namespace, each in its own folder', () => {
    for (const ns of ['ceres', ...tenantNamespaces]) expect(find(out, 'AuthorizationPolicy', 'allow-nothing', ns).spec).toEqual({});
    for (const ns of tenantNamespaces) expect(out.files.has(`${ENV}/${ns}/mesh.yaml`)).toBe(true);
    // Exactly the meshed namespaces: the Namespaces labelled for injection.
    const meshed = ofKind(out, 'Namespace')
      .filter((n) => n.metadata.labels?.['istio-injection'] === 'enabled')
      .map((n) => n.metadata.name);
    expect(
      ofKind(out, 'AuthorizationPolicy')
        .filter((p) => p.metadata.name === 'allow-nothing')
        .map((p) => p.metadata.namespace)
        .sort(),
    ).toEqual(meshed.sort());
  });

  it("authenticates each tenant's requests against its own Keycloak realm, and refuses token-less requests from outside", () => {
    for (const t of tenants) {
      const ns = tenantNames(t.tenantId).namespace;
      const issuer = `${keycloakUrl(environment)}/realms/${t.keycloakRealm}`;
      // The generated class writes the schema's snake_case alias of jwksUri (both are valid in the CRD).
      expect(find(out, 'RequestAuthentication', 'tenant-jwt', ns).spec.jwtRules).toEqual([
        { issuer, jwks_uri: `${issuer}/protocol/openid-connect/certs`, forwardOriginalToken: true },
      ]);
      expect(find(out, 'AuthorizationPolicy', 'tenant-jwt-require-jwt', ns).spec).toEqual({
        action: 'DENY',
        rules: [{ from: [{ source: { principals: ['cluster.local/ns/istio-ingress/sa/istio-ingressgateway'], notRequestPrincipals: [`${issuer}/*`] } }] }],
      });
    }
  });
});

describe('ingress and egress', () => {
  it('serves each public host over HTTPS with a cert-manager certificate, leaves port 80 to ACME challenges, and never accepts *', () => {
    const gw = find(out, 'Gateway', 'ceres-ingress', 'istio-ingress');
    expect(gw.spec.selector).toEqual({ istio: 'ingressgateway' });
    const slug = `api-${DOMAIN.replace(/\./g, '-')}`;
    expect(gw.spec.servers.find((s: any) => s.name === `https-${slug}`)).toEqual({
      name: `https-${slug}`,
      port: { number: 443, name: `https-${slug}`, protocol: 'HTTPS' },
      hosts: [`ceres/api.${DOMAIN}`],
      tls: { mode: 'SIMPLE', credentialName: `${slug}-tls`, minProtocolVersion: 'TLSV1_2' },
    });
    // Port 80 only carries ACME HTTP-01 challenges: no redirect (it would redirect the challenge), and
    // the public routes match port 443 only.
    expect(gw.spec.servers.find((s: any) => s.name === `http-${slug}`).tls).toBeUndefined();
    const publicRoutes = ofKind(out, 'VirtualService').filter((vs) => vs.spec.gateways?.includes('istio-ingress/ceres-ingress'));
    expect(publicRoutes.length).toBeGreaterThan(0);
    for (const vs of publicRoutes)
      for (const r of vs.spec.http) for (const m of r.match ?? []) if (m.gateways?.includes('istio-ingress/ceres-ingress')) expect(m.port).toBe(443);
    for (const s of gw.spec.servers) for (const h of s.hosts) expect(h).not.toMatch(/\*/);
    expect(find(out, 'Certificate', `${slug}-tls`, 'istio-ingress').spec).toMatchObject({
      secretName: `${slug}-tls`,
      dnsNames: [`api.${DOMAIN}`],
      issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt-prod' },
    });
  });

  it('registers every declared external dependency, visible only to the namespaces that declared it', () => {
    expect(find(out, 'ServiceEntry', 'keycloak', 'istio-egress').spec).toMatchObject({
      hosts: ['auth.example.test'],
      location: 'MESH_EXTERNAL',
      resolution: 'DNS',
      exportTo: ['.', 'ceres'],
    });
  });

  it('routes TLS destinations through the egress gateway (sidecar → gateway → outside)', () => {
    const vs = find(out, 'VirtualService', 'keycloak-egress', 'istio-egress');
    expect(vs.spec.gateways).toEqual(['mesh', 'istio-egress/ceres-egress']);
    expect(vs.spec.tls[0].route[0].destination).toEqual({ host: 'istio-egressgateway.istio-egress.svc.cluster.local', port: { number: 443 } });
    expect(vs.spec.tls[1].route[0].destination).toEqual({ host: 'auth.example.test', port: { number: 443 } });
    expect(find(out, 'Gateway', 'ceres-egress', 'istio-egress').spec.servers).toEqual([
      { name: 'tls-443', port: { number: 443, name: 'tls-443', protocol: 'TLS' }, hosts: ['auth.example.test'], tls: { mode: 'PASSTHROUGH' } },
    ]);
  });

  it("limits each namespace's sidecars to what it uses", () => {
    expect(find(out, 'Sidecar', 'default', 'ceres').spec).toEqual({
      egress: [
        {
          hosts: [
            './*',
            'istio-egress/auth.example.test',
            'istio-egress/istio-egressgateway.istio-egress.svc.cluster.local',
            'istio-system/*',
            'monitoring/tempo.monitoring.svc.cluster.local',
          ],
        },
      ],
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    });
    for (const ns of tenantNamespaces)
      expect(find(out, 'Sidecar', 'default', ns).spec.egress).toEqual([{ hosts: ['./*', 'istio-system/*', 'monitoring/tempo.monitoring.svc.cluster.local'] }]);
  });
});

describe('telemetry and delivery pace', () => {
  const small = renderAddOns(meshAddOns(), { platform: fixturePlatform({ env: 'dev', sizing: SMALL_SIZING }) });

  it("samples traces at the environment's rate, to the OpenTelemetry provider, with access logs and Prometheus metrics", () => {
    for (const [r, sizing] of [
      [out, HA_SIZING],
      [small, SMALL_SIZING],
    ] as const) {
      expect(find(r, 'Telemetry', 'mesh-default', 'istio-system').spec).toEqual({
        tracing: [{ providers: [{ name: 'otel-tracing' }], randomSamplingPercentage: sizing.tracingSamplePercent }],
        accessLogging: [{ providers: [{ name: 'envoy' }] }],
        metrics: [{ providers: [{ name: 'prometheus' }] }],
      });
    }
  });

  it("holds every canary's steps for the environment's interval and rolls back after its threshold", () => {
    for (const [r, sizing] of [
      [out, HA_SIZING],
      [small, SMALL_SIZING],
    ] as const) {
      const canaries = ofKind(r, 'Canary');
      expect(canaries.length).toBeGreaterThan(0);
      const pace = sizing.delivery!;
      for (const c of canaries) {
        expect(c.spec.analysis.interval).toBe(pace.canaryStepInterval);
        expect(c.spec.analysis.threshold).toBe(pace.canaryFailureThreshold);
        for (const m of c.spec.analysis.metrics) expect(m.interval).toBe(pace.canaryMetricWindow);
      }
    }
  });

  it('the embedded platform holds production steps for hours, longer than staging and dev', () => {
    // A property of apps/platform/platform.ts (the environments' sizing), not of any tenant.
    const hours = (d: string) => Number(d.slice(0, -1)) * ({ s: 1 / 3600, m: 1 / 60 } as Record<string, number>)[d.slice(-1)];
    const pace = (n: string) => hours(livePlatform.environments.find((e) => e.name === n)!.sizing.delivery!.canaryStepInterval);
    expect(pace('prod')).toBeGreaterThanOrEqual(1);
    expect(pace('prod')).toBeGreaterThan(pace('staging'));
    expect(pace('staging')).toBeGreaterThan(pace('dev'));
  });
});

describe('mesh settings', () => {
  const env = environment;

  it('never runs a single istiod or gateway in an HA environment, whatever the sizing says', () => {
    const mesh = resolveMeshSettings({ ...env, sizing: { ...env.sizing, istiod: { min: 1, max: 1 }, ingressGateway: { min: 1, max: 3 } } });
    expect(mesh.istiod).toEqual({ min: 2, max: 2 });
    expect(mesh.ingressGateway).toEqual({ min: 2, max: 3 });
  });

  it('runs one replica of everything on edge sites', () => {
    const mesh = resolveMeshSettings(env, {}, [443], 'edge');
    expect({ ha: mesh.ha, istiod: mesh.istiod.min, ingress: mesh.ingressGateway.min, egress: mesh.egressGateway.min }).toEqual({
      ha: false,
      istiod: 1,
      ingress: 1,
      egress: 1,
    });
  });

  it('refuses a version range and an impossible sample rate', () => {
    expect(() => resolveMeshSettings(env, { istioVersion: '1.30' })).toThrow('MeshConfig.istioVersion "1.30" must be an exact release such as 1.30.3');
    expect(() => resolveMeshSettings({ ...env, sizing: { ...env.sizing, tracingSamplePercent: 150 } })).toThrow(
      `environment ${ENV}: sizing.tracingSamplePercent 150 must be between 0 and 100`,
    );
  });
});

describe('the YAML', () => {
  it('matches the reviewed mesh-wide objects and the defaults of a tenant namespace', () => {
    const tenantFolder = tenantNamespaces[0];
    expect(yamlFiles(out, new RegExp(`^${ENV}/(mesh/|${tenantFolder}/mesh\\.yaml$)`))).toMatchSnapshot();
  });
});
