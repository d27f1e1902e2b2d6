import { INGRESS_GATEWAY } from '../../lib/mesh/mesh-config';
import { PLATFORM_HOST_REQUESTS_PER_SECOND } from '../../lib/mesh/ingress-rate-limit';
import { find, renderMesh } from './support/build';

describe('ingress rate limiting', () => {
  const prod = renderMesh('prod');
  const filter = find(prod.objects, 'EnvoyFilter', 'ingress-local-rate-limit', INGRESS_GATEWAY.namespace);
  const gateway = prod.objects.find((o) => o.manifest.kind === 'Gateway' && o.manifest.metadata.namespace === INGRESS_GATEWAY.namespace)!.manifest;

  it('applies to the ingress gateway pods (the label its chart values give them)', () => {
    expect(filter.spec.workloadSelector.labels).toEqual({ istio: INGRESS_GATEWAY.selector });
    const insert = filter.spec.configPatches.find((p: any) => p.applyTo === 'HTTP_FILTER');
    expect(insert.patch.operation).toBe('INSERT_BEFORE');
    expect(insert.match.listener.filterChain.filter.subFilter.name).toBe('envoy.filters.http.router');
  });

  it('gives every HTTPS host of the Gateway exactly one token bucket, and no other host', () => {
    const hosts = gateway.spec.servers.filter((s: any) => s.port.protocol === 'HTTPS').flatMap((s: any) => s.hosts.map((h: string) => h.split('/')[1]));
    const vhosts = filter.spec.configPatches.filter((p: any) => p.applyTo === 'VIRTUAL_HOST').map((p: any) => p.match.routeConfiguration.vhost.name);
    expect(vhosts.sort()).toEqual(hosts.map((h: string) => `${h}:443`).sort());
    for (const p of filter.spec.configPatches.filter((x: any) => x.applyTo === 'VIRTUAL_HOST')) {
      const bucket = p.patch.value.typed_per_filter_config['envoy.filters.http.local_ratelimit'].value.token_bucket;
      // The platform's own hosts (ceres namespace) get the platform limit.
      expect(bucket).toEqual({ max_tokens: PLATFORM_HOST_REQUESTS_PER_SECOND, tokens_per_fill: PLATFORM_HOST_REQUESTS_PER_SECOND, fill_interval: '1s' });
    }
  });
});
