import { tenantNames } from '../../lib/core/names';
import { ServiceCatalog } from '../../lib/core/services';
import { GitOpsAddOn } from '../../lib/gitops';
import { MeshAddOn } from '../../lib/mesh';
import { PLATFORM_HOST_REQUESTS_PER_SECOND } from '../../lib/mesh/ingress-rate-limit';
import { INGRESS_GATEWAY } from '../../lib/mesh/mesh-config';
import { tierValues } from '../../lib/quotas/tier-table';
import { WorkloadsAddOn } from '../../lib/workloads';
import { baseAddOns, find, FIXTURE_SERVICES, renderAddOns, TENANT_PER_TIER } from '../support/harness';

/** IngressRateLimit: one token bucket per public host at the ingress gateway, sized by who owns the host. */
const meshAddOns = () => [...baseAddOns(), new WorkloadsAddOn(), new MeshAddOn(), new GitOpsAddOn()];

/** The fixture catalog plus an exposed service in each tenant's namespace. */
const catalog: ServiceCatalog = {
  ...FIXTURE_SERVICES,
  services: [
    ...FIXTURE_SERVICES.services,
    ...TENANT_PER_TIER.tenants.map((t) => ({
      name: 'portal',
      namespace: tenantNames(t.tenantId).namespace,
      port: 9000,
      versions: [{ name: 'v1', image: 'registry.example.test/tenants/portal:1.0.0' }],
      expose: { hostPrefix: `portal-${t.tenantId}`, realm: t.keycloakRealm },
    })),
  ],
};
const out = renderAddOns(meshAddOns(), { input: TENANT_PER_TIER, services: catalog });
const DOMAIN = out.environment.baseDomain;
const filter = find(out, 'EnvoyFilter', 'ingress-local-rate-limit', INGRESS_GATEWAY.namespace);
const gateway = find(out, 'Gateway', INGRESS_GATEWAY.gatewayName, INGRESS_GATEWAY.namespace);
const vhosts = filter.spec.configPatches.filter((p: any) => p.applyTo === 'VIRTUAL_HOST');
const bucketOf = (host: string) => {
  const patch = vhosts.find((p: any) => p.match.routeConfiguration.vhost.name === `${host}:443`);
  return patch.patch.value.typed_per_filter_config['envoy.filters.http.local_ratelimit'].value.token_bucket;
};

describe('ingress rate limiting', () => {
  it('applies to the ingress gateway pods (the label its chart values give them), before the router', () => {
    expect(filter.spec.workloadSelector.labels).toEqual({ istio: INGRESS_GATEWAY.selector });
    const insert = filter.spec.configPatches.find((p: any) => p.applyTo === 'HTTP_FILTER');
    expect(insert.patch.operation).toBe('INSERT_BEFORE');
    expect(insert.match.listener.filterChain.filter.subFilter.name).toBe('envoy.filters.http.router');
  });

  it('gives every HTTPS host of the Gateway exactly one token bucket, and no other host', () => {
    const hosts = gateway.spec.servers.filter((s: any) => s.port.protocol === 'HTTPS').flatMap((s: any) => s.hosts.map((h: string) => h.split('/')[1]));
    expect(hosts.length).toBe(catalog.services.filter((s) => s.expose).length);
    expect(vhosts.map((p: any) => p.match.routeConfiguration.vhost.name).sort()).toEqual(hosts.map((h: string) => `${h}:443`).sort());
  });

  it("limits the platform's own hosts at the platform rate", () => {
    for (const s of FIXTURE_SERVICES.services.filter((x) => x.expose)) {
      expect(bucketOf(`${s.expose!.hostPrefix}.${DOMAIN}`)).toEqual({
        max_tokens: PLATFORM_HOST_REQUESTS_PER_SECOND,
        tokens_per_fill: PLATFORM_HOST_REQUESTS_PER_SECOND,
        fill_interval: '1s',
      });
    }
  });

  it("limits a tenant's public host at its tier's rate, higher for higher tiers", () => {
    const rates = TENANT_PER_TIER.tenants.map((t) => {
      const rps = tierValues(t.subscriptionLevel).ingressRequestsPerSecond;
      expect(bucketOf(`portal-${t.tenantId}.${DOMAIN}`)).toEqual({ max_tokens: rps, tokens_per_fill: rps, fill_interval: '1s' });
      return rps;
    });
    expect(new Set(rates).size).toBe(rates.length);
  });
});
