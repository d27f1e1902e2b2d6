import { platform } from '../../apps/platform/platform';
import { serviceCatalog } from '../../apps/platform/services';
import { ServiceCatalog } from '../../lib/core/services';
import { resolveMeshSettings } from '../../lib/mesh';
import { exampleInput, find, renderMesh } from './support/build';

const tenant = exampleInput.tenants.find((t) => t.environments.includes('prod'))!;
const ns = `tenant-${tenant.tenantId}`;

/** The default catalog plus a tenant service calling the core api. */
const catalog: ServiceCatalog = {
  ...serviceCatalog,
  services: [
    ...serviceCatalog.services,
    {
      name: 'portal',
      namespace: ns,
      port: 9000,
      versions: [{ name: 'v1', image: 'registry.ceres.io/tenants/portal:1.0.0' }],
      dependsOn: [{ service: 'api', namespace: 'ceres', paths: ['/api/v1/*'], methods: ['GET'] }],
      expose: { hostPrefix: `portal-${tenant.tenantId}`, realm: tenant.keycloakRealm },
    },
  ],
};

describe('services in tenant namespaces', () => {
  const prod = renderMesh('prod', catalog);

  it("renders a tenant service's traffic and policies in the tenant's own folder", () => {
    const files = prod.objects.filter((o) => ['portal', 'portal-v1'].includes(o.manifest.metadata.name!)).map((o) => `${o.manifest.kind} ${o.file}`);
    expect(files.sort()).toEqual(
      [`AuthorizationPolicy prod/${ns}/mesh.yaml`, `DestinationRule prod/${ns}/mesh.yaml`, `VirtualService prod/${ns}/mesh.yaml`, `Deployment prod/${ns}/test-workloads.yaml`, `Service prod/${ns}/test-workloads.yaml`, `ServiceAccount prod/${ns}/test-workloads.yaml`].sort(),
    );
  });

  it('lets the tenant service call the core api, by its own identity, and nothing more', () => {
    const api = find(prod.objects, 'AuthorizationPolicy', 'api', 'ceres');
    expect(api.spec.rules).toContainEqual({
      from: [{ source: { principals: [`cluster.local/ns/${ns}/sa/portal`] } }],
      to: [{ operation: { ports: ['8080'], paths: ['/api/v1/*'], methods: ['GET'] } }],
    });
    expect(find(prod.objects, 'Sidecar', 'default', ns).spec.egress[0].hosts).toEqual(['./*', 'ceres/*', 'istio-system/*', 'monitoring/tempo.monitoring.svc.cluster.local']);
  });

  it("requires a token of the tenant's realm for the exposed tenant service", () => {
    const ra = find(prod.objects, 'RequestAuthentication', 'portal-jwt', ns);
    expect(ra.spec.jwtRules[0].issuer).toBe(`${platform.keycloakUrl}/realms/${tenant.keycloakRealm}`);
    const gw = find(prod.objects, 'Gateway', 'ceres-ingress', 'istio-ingress');
    expect(gw.spec.servers.map((s: any) => s.hosts[0])).toContain(`${ns}/portal-${tenant.tenantId}.ceres.io`);
  });

  it('skips services of tenants not deployed to the environment', () => {
    const absent = exampleInput.tenants.find((t) => !t.environments.includes('dev'))!;
    expect(absent).toBeDefined();
    const only: ServiceCatalog = { ...serviceCatalog, services: [...serviceCatalog.services, { ...catalog.services[3], namespace: `tenant-${absent.tenantId}`, dependsOn: [] }] };
    const dev = renderMesh('dev', only);
    expect(dev.objects.filter((o) => o.manifest.metadata.name === 'portal')).toEqual([]);
  });
});

describe('mesh settings', () => {
  const prod = platform.environments.find((e) => e.name === 'prod')!;

  it('never runs a single istiod or gateway in an HA environment, whatever the sizing says', () => {
    const env = { ...prod, sizing: { ...prod.sizing, istiod: { min: 1, max: 1 }, ingressGateway: { min: 1, max: 3 } } };
    const mesh = resolveMeshSettings(env);
    expect(mesh.istiod).toEqual({ min: 2, max: 2 });
    expect(mesh.ingressGateway).toEqual({ min: 2, max: 3 });
  });

  it('runs one replica of everything on edge sites', () => {
    const mesh = resolveMeshSettings(prod, {}, [443], 'edge');
    expect({ ha: mesh.ha, istiod: mesh.istiod.min, ingress: mesh.ingressGateway.min, egress: mesh.egressGateway.min }).toEqual({ ha: false, istiod: 1, ingress: 1, egress: 1 });
  });

  it('refuses a version range and an impossible sample rate', () => {
    expect(() => resolveMeshSettings(prod, { istioVersion: '1.30' })).toThrow('MeshConfig.istioVersion "1.30" must be an exact release such as 1.30.3');
    expect(() => resolveMeshSettings({ ...prod, sizing: { ...prod.sizing, tracingSamplePercent: 150 } })).toThrow('environment prod: sizing.tracingSamplePercent 150 must be between 0 and 100');
  });
});

describe('rate limit of a tenant\'s public host', () => {
  it("is its tier's (not the platform's) at the ingress gateway", () => {
    const { tierValues } = require('../../lib/quotas/tier-table');
    const prod = renderMesh('prod', catalog);
    const filter = find(prod.objects, 'EnvoyFilter', 'ingress-local-rate-limit', 'istio-ingress');
    const vhost = filter.spec.configPatches.find((p: any) => p.match.routeConfiguration?.vhost?.name?.startsWith(`portal-${tenant.tenantId}.`));
    const rps = tierValues(tenant.subscriptionLevel).ingressRequestsPerSecond;
    expect(vhost.patch.value.typed_per_filter_config['envoy.filters.http.local_ratelimit'].value.token_bucket.max_tokens).toBe(rps);
  });
});
