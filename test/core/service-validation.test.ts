import { serviceCatalog } from '../../apps/platform/services';
import { InputError } from '../../lib/core/errors';
import { ServiceCatalog, ServiceDeclaration } from '../../lib/core/services';
import { validateServiceCatalog } from '../../lib/core/service-validation';
import { FIXTURE_SERVICES } from '../support/harness';

function issuesOf(catalog: ServiceCatalog): string[] {
  try {
    validateServiceCatalog(catalog, 'services.ts');
  } catch (e) {
    if (e instanceof InputError) return e.issues.map((i) => `${i.file}: ${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

const api: ServiceDeclaration = { name: 'api', namespace: 'ceres', port: 8080, versions: [{ name: 'v1', image: 'registry.example.io/api:1.0.0' }] };
/** A catalog of `api` plus the given service (loosely typed: these are the mistakes types would not catch, or that slip past tsx). */
const withService = (s: Record<string, unknown>): ServiceCatalog => ({
  services: [api, { ...api, name: 'web', ...s } as unknown as ServiceDeclaration],
  external: [],
});

describe('the service catalog', () => {
  it("accepts the embedded catalog and the tests' fixture catalog", () => {
    expect(issuesOf(serviceCatalog)).toEqual([]);
    expect(issuesOf(FIXTURE_SERVICES)).toEqual([]);
  });

  it('names the dependency on an undeclared service, with the services of that namespace', () => {
    expect(issuesOf(withService({ dependsOn: [{ service: 'apii' }] }))).toEqual([
      'services.ts: services[1].dependsOn[0].service: ceres/apii is not a service of the catalog; services in that namespace: ceres/api, ceres/web',
    ]);
  });

  it('refuses a load-balancing mode Istio does not have (a typo that tsx would let through)', () => {
    expect(issuesOf(withService({ trafficPolicy: { loadBalancing: 'ROUND_ROBINN' } }))).toEqual([
      'services.ts: services[1].trafficPolicy.loadBalancing: "ROUND_ROBINN" is not allowed; allowed: ROUND_ROBIN, LEAST_REQUEST, RANDOM or { consistentHashHeader: <header name> }',
    ]);
    expect(issuesOf(withService({ trafficPolicy: { loadBalancing: {} } }))).toHaveLength(1);
  });

  it("refuses a TCP connection limit Flagger's Canary would silently drop", () => {
    expect(issuesOf(withService({ rollout: 'flagger', trafficPolicy: { maxConnections: 200 } }))).toEqual([
      "services.ts: services[1].trafficPolicy.maxConnections: is not honoured for a Flagger rollout: Flagger's Canary has no TCP connection pool (it generates the DestinationRules); remove it, or use rollout: static",
    ]);
    expect(issuesOf(withService({ rollout: 'static', trafficPolicy: { maxConnections: 200 } }))).toEqual([]);
  });

  it('refuses a port that is not a port', () => {
    expect(issuesOf(withService({ port: '8080' }))).toEqual(['services.ts: services[1].port: "8080" is not a port; use a whole number from 1 to 65535']);
    expect(issuesOf(withService({ port: 70000 }))).toHaveLength(1);
  });

  it('refuses namespaces that are neither ceres nor a tenant namespace', () => {
    expect(issuesOf(withService({ namespace: 'kube-system' }))[0]).toMatch(/services\[1\]\.namespace: "kube-system" is not allowed/);
  });

  it('refuses unpinned images, and weights that do not sum to 100', () => {
    expect(issuesOf(withService({ versions: [{ name: 'v1', image: 'registry.example.io/web' }] }))[0]).toMatch(/versions\[0\]\.image: .* is not pinned/);
    expect(issuesOf(withService({ versions: [{ name: 'v1', image: 'r.example.io/web:latest' }] }))[0]).toMatch(/"latest"/);
    const split = [
      { name: 'v1', image: 'r.example.io/web:1', weight: 90 },
      { name: 'v2', image: 'r.example.io/web:2', weight: 20 },
    ];
    expect(issuesOf(withService({ versions: split }))).toEqual(['services.ts: services[1].versions: the weights sum to 110; they must sum to 100']);
    expect(issuesOf(withService({ versions: split, rollout: 'flagger' }))[0]).toMatch(/Flagger rollout runs one version/);
  });

  it('refuses memory units the quota cannot add up, and requests above limits', () => {
    const resources = { requests: { cpu: '3', memory: '512Mi' }, limits: { cpu: '2000m', memory: '1G' } };
    expect(issuesOf(withService({ resources }))).toEqual([
      'services.ts: services[1].resources.limits.memory: "1G" is not allowed; use Mi or Gi ("512Mi", "1Gi")',
      'services.ts: services[1].resources.requests.cpu: 3 is above the limit 2000m',
    ]);
    const memory = { requests: { cpu: '100m', memory: '2Gi' }, limits: { cpu: '1', memory: '1536Mi' } };
    expect(issuesOf(withService({ resources: memory }))).toEqual(['services.ts: services[1].resources.requests.memory: 2Gi is above the limit 1536Mi']);
  });

  it('refuses a service declared twice, bad replicas, durations and retries', () => {
    const issues = issuesOf({ services: [api, { ...api, replicas: { min: 3, max: 2 }, timeout: '10 seconds', retries: -1 }], external: [] });
    expect(issues).toEqual([
      'services.ts: services[1].name: service ceres/api is declared twice',
      'services.ts: services[1].replicas: needs 1 <= min <= max, got min 3, max 2',
      'services.ts: services[1].timeout: "10 seconds" is not a duration such as "10s" or "500ms"',
      'services.ts: services[1].retries: -1 must be a whole number from 0 to 10',
    ]);
  });

  it('checks external destinations: hosts, port, protocol, namespaces', () => {
    const issues = issuesOf({
      services: [],
      external: [{ name: 'idp', hosts: ['auth.example.io', 'https://x'], port: 443, protocol: 'HTTPS' as 'TLS', namespaces: ['ceres', 'default'] }],
    });
    expect(issues).toEqual([
      'services.ts: external[0].hosts: "https://x" is not a DNS name (a leading "*." wildcard is allowed)',
      'services.ts: external[0].protocol: "HTTPS" is not allowed; allowed: TLS, TCP',
      'services.ts: external[0].namespaces: "default" is not allowed; ceres or a tenant namespace (tenant-<tenantId>)',
    ]);
  });
});
