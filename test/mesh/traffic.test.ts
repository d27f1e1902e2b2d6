import { platform } from '../../apps/platform/platform';
import { serviceCatalog } from '../../apps/platform/services';
import { SyncWave } from '../../lib/core/argocd';
import { ServiceCatalog } from '../../lib/core/services';
import { tenantNames } from '../../lib/core/names';
import { exampleInput, find, renderMesh } from './support/build';

const prod = renderMesh('prod');
const wave = (m: { metadata: { annotations?: Record<string, string> } }) => Number(m.metadata.annotations?.['argocd.argoproj.io/sync-wave']);
const ofKind = (kind: string) => prod.objects.filter((o) => o.manifest.kind === kind).map((o) => o.manifest);

describe('traffic management', () => {
  it("reproduces the design's api example: prefix /api/v1, 90% to v1 and 10% to v2 on port 8080", () => {
    const vs = find(prod.objects, 'VirtualService', 'api', 'ceres');
    expect(vs.apiVersion).toBe('networking.istio.io/v1');
    expect(vs.spec.hosts).toEqual(['api.ceres.io', 'api.ceres.svc.cluster.local']);
    const ingress = vs.spec.http[0];
    expect(ingress.match).toEqual([{ gateways: ['istio-ingress/ceres-ingress'], uri: { prefix: '/api/v1' }, port: 443 }]);
    expect(ingress.route).toEqual([
      { destination: { host: 'api.ceres.svc.cluster.local', subset: 'v1', port: { number: 8080 } }, weight: 90 },
      { destination: { host: 'api.ceres.svc.cluster.local', subset: 'v2', port: { number: 8080 } }, weight: 10 },
    ]);
    expect(ingress.timeout).toBe('10s');
    expect(ingress.retries).toEqual({ attempts: 2, retryOn: '5xx,reset,connect-failure' });
  });

  it('defines every version as a subset, with the chosen load balancer, pool limits, outlier detection and ISTIO_MUTUAL', () => {
    const dr = find(prod.objects, 'DestinationRule', 'api', 'ceres');
    expect(dr.spec.subsets).toEqual([{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }]);
    expect(dr.spec.trafficPolicy).toEqual({
      loadBalancer: { simple: 'ROUND_ROBIN' },
      connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 100 } },
      outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
      tls: { mode: 'ISTIO_MUTUAL' },
    });
    expect(find(prod.objects, 'DestinationRule', 'web', 'ceres').spec.trafficPolicy.loadBalancer).toEqual({ consistentHash: { httpHeaderName: 'x-session-id' } });
  });

  it('syncs every DestinationRule before the VirtualServices that use it (make-before-break)', () => {
    for (const dr of ofKind('DestinationRule')) expect(wave(dr)).toBe(SyncWave.destinationRules);
    for (const vs of ofKind('VirtualService')) expect(wave(vs)).toBe(SyncWave.routes);
    expect(SyncWave.destinationRules).toBeLessThan(SyncWave.routes);
  });

  it("hands api-server's rollout to Flagger with the design's steps and thresholds, and renders no route of its own", () => {
    const canary = find(prod.objects, 'Canary', 'api-server', 'ceres');
    expect(canary.spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api-server' });
    expect(canary.spec.analysis.stepWeights).toEqual([10, 25, 50, 75, 100]);
    expect(canary.spec.analysis.metrics).toEqual([
      { name: 'request-success-rate', interval: platform.environments.find((e) => e.name === 'prod')!.sizing.delivery!.canaryMetricWindow, thresholdRange: { min: 99 } },
      { name: 'request-duration', interval: platform.environments.find((e) => e.name === 'prod')!.sizing.delivery!.canaryMetricWindow, thresholdRange: { max: 500 } },
    ]);
    expect(canary.spec.service.trafficPolicy.tls).toEqual({ mode: 'ISTIO_MUTUAL' });
    expect(ofKind('VirtualService').filter((v) => JSON.stringify(v).includes('api-server'))).toEqual([]);
    expect(ofKind('DestinationRule').filter((d) => JSON.stringify(d).includes('api-server'))).toEqual([]);
  });
});

describe('an exposed Flagger-owned service', () => {
  const catalog: ServiceCatalog = {
    ...serviceCatalog,
    services: serviceCatalog.services.map((s) => (s.name === 'api-server' ? { ...s, expose: { hostPrefix: 'core', pathPrefixes: ['/v1'] } } : s)),
  };
  const out = renderMesh('prod', catalog);

  it('gives the Canary its public host and gateways, and leaves the route to Flagger', () => {
    const canary = find(out.objects, 'Canary', 'api-server', 'ceres');
    expect(canary.spec.service.hosts).toEqual(['core.ceres.io']);
    expect(canary.spec.service.gateways).toEqual(['istio-ingress/ceres-ingress', 'mesh']);
    expect(out.objects.filter((o) => o.manifest.kind === 'VirtualService' && o.manifest.metadata.name === 'api-server')).toEqual([]);
    const gw = find(out.objects, 'Gateway', 'ceres-ingress', 'istio-ingress');
    expect(gw.spec.servers.map((s: any) => s.hosts[0])).toContain('ceres/core.ceres.io');
  });

  it('requires a JWT on both of its Deployments', () => {
    for (const name of ['api-server-jwt', 'api-server-primary-jwt']) expect(find(out.objects, 'RequestAuthentication', name, 'ceres').spec.jwtRules[0].issuer).toBe('https://auth.ceres.io/realms/ceres');
    expect(find(out.objects, 'AuthorizationPolicy', 'api-server-primary-jwt-require-jwt', 'ceres').spec.selector).toEqual({ matchLabels: { app: 'api-server-primary' } });
  });
});

describe('ingress and egress', () => {
  it('serves each public host over HTTPS with a cert-manager certificate, redirects HTTP, and never accepts *', () => {
    const gw = find(prod.objects, 'Gateway', 'ceres-ingress', 'istio-ingress');
    expect(gw.spec.selector).toEqual({ istio: 'ingressgateway' });
    const https = gw.spec.servers.find((s: any) => s.name === 'https-api-ceres-io');
    expect(https).toEqual({
      name: 'https-api-ceres-io',
      port: { number: 443, name: 'https-api-ceres-io', protocol: 'HTTPS' },
      hosts: ['ceres/api.ceres.io'],
      tls: { mode: 'SIMPLE', credentialName: 'api-ceres-io-tls', minProtocolVersion: 'TLSV1_2' },
    });
    const http = gw.spec.servers.find((s: any) => s.name === 'http-api-ceres-io');
    // Port 80 only carries ACME HTTP-01 challenges: no redirect (it would redirect the challenge), and
    // the public routes match port 443 only.
    expect(http.tls).toBeUndefined();
    for (const vs of prod.objects.filter((o) => o.manifest.kind === 'VirtualService' && (o.manifest as any).spec.gateways?.includes('istio-ingress/ceres-ingress'))) {
      for (const r of (vs.manifest as any).spec.http) for (const m of r.match ?? []) if (m.gateways?.includes('istio-ingress/ceres-ingress')) expect(m.port).toBe(443);
    }
    for (const s of gw.spec.servers) for (const h of s.hosts) expect(h).not.toMatch(/\*/);
    const cert = find(prod.objects, 'Certificate', 'api-ceres-io-tls', 'istio-ingress');
    expect(cert.spec).toMatchObject({ secretName: 'api-ceres-io-tls', dnsNames: ['api.ceres.io'], issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt-prod' } });
  });

  it('registers every declared external dependency, visible only to the namespaces that declared it', () => {
    const keycloak = find(prod.objects, 'ServiceEntry', 'keycloak', 'istio-egress');
    expect(keycloak.spec).toMatchObject({ hosts: ['auth.ceres.io'], location: 'MESH_EXTERNAL', resolution: 'DNS', exportTo: ['.', 'ceres'] });
    // Managed data services are per cluster (their own folder), from the platform model's data endpoints.
    const { dataEndpoints } = require('../../lib/core/cloud');
    for (const cluster of platform.environments.find((e) => e.name === 'prod')!.clusters) {
      const entries = prod.objects.filter((o) => o.cluster === cluster.name && o.manifest.kind === 'ServiceEntry').map((o) => o.manifest);
      expect(entries.map((e) => e.spec.hosts[0]).sort()).toEqual(dataEndpoints(cluster).map((e: { host: string }) => e.host).sort());
      for (const e of entries) expect(e.spec.exportTo).toEqual(['.']);
    }
  });

  it('routes TLS destinations through the egress gateway (sidecar → gateway → outside)', () => {
    const vs = find(prod.objects, 'VirtualService', 'keycloak-egress', 'istio-egress');
    expect(vs.spec.gateways).toEqual(['mesh', 'istio-egress/ceres-egress']);
    expect(vs.spec.tls[0].route[0].destination).toEqual({ host: 'istio-egressgateway.istio-egress.svc.cluster.local', port: { number: 443 } });
    expect(vs.spec.tls[1].route[0].destination).toEqual({ host: 'auth.ceres.io', port: { number: 443 } });
    const gw = find(prod.objects, 'Gateway', 'ceres-egress', 'istio-egress');
    expect(gw.spec.servers).toEqual([{ name: 'tls-443', port: { number: 443, name: 'tls-443', protocol: 'TLS' }, hosts: ['auth.ceres.io'], tls: { mode: 'PASSTHROUGH' } }]);
  });

  it("limits each namespace's sidecars to what it uses", () => {
    expect(find(prod.objects, 'Sidecar', 'default', 'ceres').spec).toEqual({
      egress: [
        {
          hosts: [
            './*',
            'istio-egress/auth.ceres.io',
            'istio-egress/istio-egressgateway.istio-egress.svc.cluster.local',
            'istio-system/*',
            'monitoring/tempo.monitoring.svc.cluster.local',
          ],
        },
      ],
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    });
    const tenant = tenantNames(exampleInput.tenants.find((t) => t.environments.includes('prod'))!.tenantId).namespace;
    expect(find(prod.objects, 'Sidecar', 'default', tenant).spec.egress).toEqual([{ hosts: ['./*', 'istio-system/*', 'monitoring/tempo.monitoring.svc.cluster.local'] }]);
  });
});

describe('telemetry', () => {
  it("samples traces at each environment's rate, to the OpenTelemetry provider, with access logs and Prometheus metrics", () => {
    for (const [env, percent] of [['dev', 100], ['staging', 10], ['prod', 1]] as const) {
      const t = find(renderMesh(env).objects, 'Telemetry', 'mesh-default', 'istio-system');
      expect(t.spec).toEqual({
        tracing: [{ providers: [{ name: 'otel-tracing' }], randomSamplingPercentage: percent }],
        accessLogging: [{ providers: [{ name: 'envoy' }] }],
        metrics: [{ providers: [{ name: 'prometheus' }] }],
      });
    }
  });
});
