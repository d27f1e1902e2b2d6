import { keycloakUrl } from '../../lib/core/realm';
import { SyncWave } from '../../lib/core/argocd';
import { tenantNames } from '../../lib/core/names';
import { ServiceCatalog } from '../../lib/core/services';
import { GitOpsAddOn } from '../../lib/gitops';
import { MeshAddOn } from '../../lib/mesh';
import { WorkloadsAddOn } from '../../lib/workloads';
import { baseAddOns, find, FIXTURE_INPUT, FIXTURE_SERVICES, HA_SIZING, ofKind, renderAddOns, wave, withService, yamlFiles } from '../support/harness';

/**
 * MeshService: each catalog service's traffic (DestinationRule and VirtualService, or a Flagger
 * Canary), its ALLOW policy for the declared callers and the ingress gateway, and its JWT
 * requirement when exposed. Rendered with the workloads add-on, whose Deployments the mesh selects.
 */
const meshAddOns = () => [...baseAddOns(), new WorkloadsAddOn(), new MeshAddOn(), new GitOpsAddOn()];
const out = renderAddOns(meshAddOns());
const { environment } = out;
const ENV = environment.name;
const DOMAIN = environment.baseDomain;
const GATEWAY_SA = 'cluster.local/ns/istio-ingress/sa/istio-ingressgateway';

const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
const deployments = (ns: string) => ofKind(out, 'Deployment', ns);

describe('traffic of a service with static weights', () => {
  it("routes the exposed api on its prefix to v1 and v2 with the catalog's weights, on its port, with timeout and retries", () => {
    const vs = find(out, 'VirtualService', 'api', 'ceres');
    expect(vs.apiVersion).toBe('networking.istio.io/v1');
    expect(vs.spec.hosts).toEqual([`api.${DOMAIN}`, 'api.ceres.svc.cluster.local']);
    const ingress = vs.spec.http[0];
    expect(ingress.match).toEqual([{ gateways: ['istio-ingress/ceres-ingress'], uri: { prefix: '/api/v1' }, port: 443 }]);
    const api = FIXTURE_SERVICES.services.find((s) => s.name === 'api')!;
    expect(ingress.route).toEqual(
      api.versions.map((v) => ({ destination: { host: 'api.ceres.svc.cluster.local', subset: v.name, port: { number: api.port } }, weight: v.weight })),
    );
    expect(ingress.timeout).toBe('10s');
    expect(ingress.retries).toEqual({ attempts: 2, retryOn: '5xx,reset,connect-failure' });
    // Inside the mesh the same split, without the prefix.
    expect(vs.spec.http[1]).toMatchObject({ name: 'mesh', match: [{ gateways: ['mesh'] }], route: ingress.route });
  });

  it('defines every version as a subset, with the chosen load balancer, pool limits, outlier detection and ISTIO_MUTUAL', () => {
    const dr = find(out, 'DestinationRule', 'api', 'ceres');
    expect(dr.spec.subsets).toEqual([
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' } },
    ]);
    expect(dr.spec.trafficPolicy).toEqual({
      loadBalancer: { simple: 'ROUND_ROBIN' },
      connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 100 } },
      outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
      tls: { mode: 'ISTIO_MUTUAL' },
    });
    expect(find(out, 'DestinationRule', 'web', 'ceres').spec.trafficPolicy.loadBalancer).toEqual({ consistentHash: { httpHeaderName: 'x-session-id' } });
  });

  it("selects, with each subset, the pods of exactly one of the service's Deployments", () => {
    for (const dr of ofKind(out, 'DestinationRule', 'ceres')) {
      const app = dr.metadata.name!;
      for (const subset of dr.spec.subsets) {
        const pods = deployments('ceres').filter((d) => selects({ app, ...subset.labels }, d.spec.template.metadata.labels));
        expect({ app, subset: subset.name, deployments: pods.map((d) => d.metadata.name) }).toEqual({
          app,
          subset: subset.name,
          deployments: [`${app}-${subset.name}`],
        });
      }
    }
  });

  it('syncs every DestinationRule before the VirtualServices that use it (make-before-break)', () => {
    expect(ofKind(out, 'DestinationRule').length).toBeGreaterThan(0);
    for (const dr of ofKind(out, 'DestinationRule')) expect(wave(dr)).toBe(SyncWave.destinationRules);
    for (const vs of ofKind(out, 'VirtualService')) expect(wave(vs)).toBe(SyncWave.routes);
    expect(SyncWave.destinationRules).toBeLessThan(SyncWave.routes);
  });
});

describe('a service whose rollout Flagger owns', () => {
  it("gets a Canary with the design's steps and thresholds at the environment's pace, and no route of its own", () => {
    const canary = find(out, 'Canary', 'api-server', 'ceres');
    expect(canary.spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api-server' });
    // The Canary targets the Deployment the workloads add-on renders for it.
    expect(deployments('ceres').map((d) => d.metadata.name)).toContain(canary.spec.targetRef.name);
    expect(canary.spec.analysis.stepWeights).toEqual([10, 25, 50, 75, 100]);
    const pace = HA_SIZING.delivery!;
    expect(canary.spec.analysis.interval).toBe(pace.canaryStepInterval);
    expect(canary.spec.analysis.threshold).toBe(pace.canaryFailureThreshold);
    expect(canary.spec.analysis.metrics).toEqual([
      { name: 'request-success-rate', interval: pace.canaryMetricWindow, thresholdRange: { min: 99 } },
      { name: 'request-duration', interval: pace.canaryMetricWindow, thresholdRange: { max: 500 } },
    ]);
    expect(canary.spec.service.trafficPolicy.tls).toEqual({ mode: 'ISTIO_MUTUAL' });
    expect(ofKind(out, 'VirtualService').filter((v) => JSON.stringify(v).includes('api-server'))).toEqual([]);
    expect(ofKind(out, 'DestinationRule').filter((d) => JSON.stringify(d).includes('api-server'))).toEqual([]);
  });

  describe('when exposed', () => {
    const exposed = renderAddOns(meshAddOns(), {
      services: withService(FIXTURE_SERVICES, 'api-server', (s) => ({ ...s, expose: { hostPrefix: 'core', pathPrefixes: ['/v1'] } })),
    });

    it('gives the Canary its public host and gateways, and leaves the route to Flagger', () => {
      const canary = find(exposed, 'Canary', 'api-server', 'ceres');
      expect(canary.spec.service.hosts).toEqual([`core.${DOMAIN}`]);
      expect(canary.spec.service.gateways).toEqual(['istio-ingress/ceres-ingress', 'mesh']);
      expect(exposed.objects.filter((o) => o.manifest.kind === 'VirtualService' && o.manifest.metadata.name === 'api-server')).toEqual([]);
      const gw = find(exposed, 'Gateway', 'ceres-ingress', 'istio-ingress');
      expect(gw.spec.servers.map((s: any) => s.hosts[0])).toContain(`ceres/core.${DOMAIN}`);
    });

    it('requires a JWT on both of its Deployments', () => {
      for (const name of ['api-server-jwt', 'api-server-primary-jwt'])
        expect(find(exposed, 'RequestAuthentication', name, 'ceres').spec.jwtRules[0].issuer).toBe(`${keycloakUrl(environment)}/realms/ceres`);
      expect(find(exposed, 'AuthorizationPolicy', 'api-server-primary-jwt-require-jwt', 'ceres').spec.selector).toEqual({
        matchLabels: { app: 'api-server-primary' },
      });
    });
  });
});

describe('access policies', () => {
  it('allow exactly the declared calls, by the SPIFFE principal of the caller', () => {
    const api = find(out, 'AuthorizationPolicy', 'api', 'ceres');
    expect(api.spec.action).toBe('ALLOW');
    expect(api.spec.selector).toEqual({ matchLabels: { app: 'api' } });
    expect(api.spec.rules[0]).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/ceres/sa/web'] } }],
      to: [{ operation: { ports: ['8080'], paths: ['/api/v1/*'], methods: ['GET', 'POST'] } }],
    });
    // Nobody declared a call to web: only the gateway reaches it.
    const web = find(out, 'AuthorizationPolicy', 'web', 'ceres');
    expect(web.spec.rules).toEqual([{ from: [{ source: { principals: [GATEWAY_SA] } }], to: [{ operation: { ports: ['8080'] } }] }]);
  });

  it('select the pods of the Deployments they protect, and name as principals the accounts those callers run as', () => {
    const accounts = new Set([GATEWAY_SA, ...deployments('ceres').map((d) => `cluster.local/ns/ceres/sa/${d.spec.template.spec.serviceAccountName}`)]);
    const policies = ofKind(out, 'AuthorizationPolicy', 'ceres').filter((p) => p.spec.action === 'ALLOW' && p.spec.selector);
    expect(policies.length).toBeGreaterThan(0);
    for (const p of policies) {
      // Flagger's primary Deployment (`<name>-primary`) is created at run time from the rendered one.
      const app = p.spec.selector.matchLabels.app.replace(/-primary$/, '');
      expect({ policy: p.metadata.name, selected: deployments('ceres').some((d) => selects({ app }, d.spec.template.metadata.labels)) }).toEqual({
        policy: p.metadata.name,
        selected: true,
      });
      for (const principal of p.spec.rules.flatMap((r: any) => r.from.flatMap((f: any) => f.source.principals))) expect(accounts).toContain(principal);
    }
  });

  it('let the ingress gateway reach exposed services only on their exposed paths, and unexposed ones not at all', () => {
    expect(find(out, 'AuthorizationPolicy', 'api', 'ceres').spec.rules[1]).toEqual({
      from: [{ source: { principals: [GATEWAY_SA] } }],
      to: [{ operation: { ports: ['8080'], paths: ['/api/v1', '/api/v1/*'] } }],
    });
    for (const name of ['api-server', 'api-server-primary'])
      expect(JSON.stringify(find(out, 'AuthorizationPolicy', name, 'ceres').spec)).not.toContain('istio-ingressgateway');
  });

  it("cover both of Flagger's Deployments of a canaried service (Flagger renames the primary's app label)", () => {
    expect(find(out, 'AuthorizationPolicy', 'api-server', 'ceres').spec.selector).toEqual({ matchLabels: { app: 'api-server' } });
    expect(find(out, 'AuthorizationPolicy', 'api-server-primary', 'ceres').spec.selector).toEqual({ matchLabels: { app: 'api-server-primary' } });
  });

  it('pair the JWT check of an exposed service requiring it with a policy requiring a token; none for web (requireJwt false)', () => {
    const ra = find(out, 'RequestAuthentication', 'api-jwt', 'ceres');
    expect(ra.spec.selector).toEqual({ matchLabels: { app: 'api' } });
    expect(ra.spec.jwtRules[0].issuer).toBe(`${keycloakUrl(environment)}/realms/ceres`);
    const deny = find(out, 'AuthorizationPolicy', 'api-jwt-require-jwt', 'ceres');
    expect(deny.spec.selector).toEqual(ra.spec.selector);
    expect(deny.spec.rules[0].from[0].source.notRequestPrincipals).toEqual([`${keycloakUrl(environment)}/realms/ceres/*`]);
    expect(ofKind(out, 'RequestAuthentication').filter((r) => r.metadata.name?.startsWith('web'))).toEqual([]);
  });
});

describe('a service in a tenant namespace', () => {
  const tenant = FIXTURE_INPUT.tenants[0];
  const ns = tenantNames(tenant.tenantId).namespace;
  const catalog: ServiceCatalog = {
    ...FIXTURE_SERVICES,
    services: [
      ...FIXTURE_SERVICES.services,
      {
        name: 'portal',
        namespace: ns,
        port: 9000,
        versions: [{ name: 'v1', image: 'registry.example.test/tenants/portal:1.0.0' }],
        dependsOn: [{ service: 'api', namespace: 'ceres', paths: ['/api/v1/*'], methods: ['GET'] }],
        expose: { hostPrefix: `portal-${tenant.tenantId}`, realm: tenant.keycloakRealm },
      },
    ],
  };
  const withPortal = renderAddOns(meshAddOns(), { services: catalog });

  it("renders the service's traffic and policies in the tenant's own folder", () => {
    const files = withPortal.objects.filter((o) => ['portal', 'portal-v1'].includes(o.manifest.metadata.name!)).map((o) => `${o.manifest.kind} ${o.file}`);
    expect(files.sort()).toEqual(
      [
        `AuthorizationPolicy ${ENV}/${ns}/mesh.yaml`,
        `DestinationRule ${ENV}/${ns}/mesh.yaml`,
        `VirtualService ${ENV}/${ns}/mesh.yaml`,
        `ServiceAccount ${ENV}/${ns}/workloads.yaml`,
        `Service ${ENV}/${ns}/workloads.yaml`,
        `Deployment ${ENV}/${ns}/workloads.yaml`,
        `HorizontalPodAutoscaler ${ENV}/${ns}/workloads.yaml`,
        `PodDisruptionBudget ${ENV}/${ns}/workloads.yaml`,
      ].sort(),
    );
  });

  it('lets it call the core api, by its own identity, and nothing more', () => {
    expect(find(withPortal, 'AuthorizationPolicy', 'api', 'ceres').spec.rules).toContainEqual({
      from: [{ source: { principals: [`cluster.local/ns/${ns}/sa/portal`] } }],
      to: [{ operation: { ports: ['8080'], paths: ['/api/v1/*'], methods: ['GET'] } }],
    });
    expect(find(withPortal, 'Sidecar', 'default', ns).spec.egress[0].hosts).toEqual([
      './*',
      'ceres/*',
      'istio-system/*',
      'monitoring/tempo.monitoring.svc.cluster.local',
    ]);
  });

  it("requires a token of the tenant's realm when exposed", () => {
    const ra = find(withPortal, 'RequestAuthentication', 'portal-jwt', ns);
    expect(ra.spec.jwtRules[0].issuer).toBe(`${keycloakUrl(environment)}/realms/${tenant.keycloakRealm}`);
    const gw = find(withPortal, 'Gateway', 'ceres-ingress', 'istio-ingress');
    expect(gw.spec.servers.map((s: any) => s.hosts[0])).toContain(`${ns}/portal-${tenant.tenantId}.${DOMAIN}`);
  });

  it('is skipped where its tenant is not deployed', () => {
    const absent = { ...tenant, environments: ['prod' as const] };
    expect(absent.environments).not.toContain(ENV);
    // Without the workloads add-on, which refuses a service of an absent tenant (see workloads-addon.test.ts).
    const only: ServiceCatalog = { services: [{ ...catalog.services[3], dependsOn: [] }], external: [] };
    const rendered = renderAddOns([...baseAddOns(), new MeshAddOn()], { services: only, input: { ...FIXTURE_INPUT, tenants: [absent] } });
    expect(rendered.objects.filter((o) => o.manifest.metadata.name?.startsWith('portal'))).toEqual([]);
  });
});

describe('the YAML', () => {
  it('matches the reviewed mesh objects of the core services', () => {
    expect(yamlFiles(out, new RegExp(`^${ENV}/core/mesh\\.yaml$`))).toMatchSnapshot();
  });
});
