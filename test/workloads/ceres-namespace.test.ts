import { dataEndpoints } from '../../lib/core/cloud';
import { placementApplies, WORKLOAD_CLUSTERS } from '../../lib/core/topology';
import { CeresNamespaceAddOn } from '../../lib/workloads';
import { quantityValue as quantity } from '../../lib/core/quantity';
import {
  EMPTY_INPUT,
  find,
  FIXTURE_SERVICES,
  FixtureClusters,
  fixturePlatform,
  HA_SIZING,
  NO_SERVICES,
  ofKind,
  renderAddOns,
  yamlFiles,
} from '../support/harness';

/**
 * The ceres namespace add-on: the platform's core namespace, isolated like a tenant's, its quota sized
 * from the service catalog, and each cluster's managed data endpoints declared to the mesh.
 */
const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure, FixtureClusters.gcp, FixtureClusters.edge] });
const out = renderAddOns([new CeresNamespaceAddOn()], { platform, input: EMPTY_INPUT });
const ENV = out.environment.name;

describe('the ceres namespace', () => {
  it('is restricted, mesh-injected, default-deny, with no token on its default account', () => {
    const ns = find(out, 'Namespace', 'ceres');
    expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'istio-injection': 'enabled' });
    expect(find(out, 'NetworkPolicy', 'default-deny', 'ceres').spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(find(out, 'ServiceAccount', 'default', 'ceres').automountServiceAccountToken).toBe(false);
  });

  it('lets Prometheus scrape the ports of the core services, and only those', () => {
    const ports = FIXTURE_SERVICES.services.filter((s) => s.namespace === 'ceres').map((s) => s.port);
    const scraping = ofKind(out, 'NetworkPolicy', 'ceres').filter((p) => JSON.stringify(p.spec).includes('"monitoring"'));
    expect(scraping.length).toBeGreaterThan(0);
    const opened = new Set(scraping.flatMap((p) => (p.spec.ingress ?? []).flatMap((r: any) => (r.ports ?? []).map((x: any) => x.port))));
    for (const p of ports) expect(opened).toContain(p);
  });

  it('fits every core service at its maximum replicas, twice over (canary or rolling update), with sidecars, and no LoadBalancer', () => {
    const quota = find(out, 'ResourceQuota', 'ceres-quota', 'ceres');
    const services = FIXTURE_SERVICES.services.filter((s) => s.namespace === 'ceres');
    const limitCpu = services.reduce(
      (sum, s) => sum + (s.replicas ?? HA_SIZING.coreServices).max * s.versions.length * 2 * quantity(s.resources?.limits.cpu ?? '500m'),
      0,
    );
    expect(quantity(quota.spec.hard['limits.cpu'])).toBeGreaterThan(limitCpu);
    expect(quota.spec.hard['services.loadbalancers']).toBe(0);
    // A service added to the catalog raises the quota with it.
    const empty = renderAddOns([new CeresNamespaceAddOn()], { platform, input: EMPTY_INPUT, services: NO_SERVICES });
    expect(quantity(find(empty, 'ResourceQuota', 'ceres-quota', 'ceres').spec.hard['limits.cpu'])).toBeLessThan(quantity(quota.spec.hard['limits.cpu']));
  });
});

describe('managed data endpoints', () => {
  it("are declared per cluster that runs workloads, in the cluster's own folder, visible to ceres only", () => {
    for (const cluster of platform.environments[0].clusters) {
      const entries = out.objects.filter((o) => o.cluster === cluster.name && o.manifest.kind === 'ServiceEntry').map((o) => o.manifest);
      const expected = placementApplies(WORKLOAD_CLUSTERS, cluster) ? dataEndpoints(cluster).map((e) => e.host) : [];
      expect({ cluster: cluster.name, hosts: entries.map((e) => e.spec.hosts[0]).sort() }).toEqual({ cluster: cluster.name, hosts: expected.sort() });
      for (const e of entries) expect(e.spec.exportTo).toEqual(['.']);
    }
    expect(dataEndpoints(FixtureClusters.aws).length).toBeGreaterThan(0);
  });

  it("open ceres's egress to the endpoints' subnets and ports only", () => {
    const policy = out.objects.find((o) => o.cluster === FixtureClusters.aws.name && o.manifest.kind === 'NetworkPolicy')!.manifest;
    const endpoints = dataEndpoints(FixtureClusters.aws);
    const rules = policy.spec.egress as any[];
    const cidrs = new Set(rules.flatMap((r) => r.to.map((t: any) => t.ipBlock.cidr)));
    const ports = new Set(rules.flatMap((r) => r.ports.map((p: any) => p.port)));
    expect([...cidrs].sort()).toEqual([...new Set(endpoints.flatMap((e) => e.cidrs))].sort());
    expect([...ports].sort()).toEqual([...new Set(endpoints.map((e) => e.port))].sort());
  });
});

describe('the YAML', () => {
  it('matches the reviewed namespace, quota and data endpoints of the EKS cluster', () => {
    expect(yamlFiles(out, new RegExp(`^${ENV}/(core/(namespace|quota)\\.yaml|clusters/${FixtureClusters.aws.name}/data-endpoints/)`))).toMatchSnapshot();
  });
});
