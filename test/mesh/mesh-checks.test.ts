import { Chart } from 'cdk8s';
import * as k8s from '../../lib/core/k8s';
import { Canary, CanarySpecTargetRefKind } from '../../imports/flagger-flagger.app';
import { DestinationRule, Gateway, VirtualService } from '../../imports/istio-networking.istio.io';
import { AuthorizationPolicy, PeerAuthentication, PeerAuthenticationSpecMtlsMode, RequestAuthentication } from '../../imports/istio-security.istio.io';
import { ManifestCheck } from '../../lib/core/checks';
import { GitOpsAddOn } from '../../lib/gitops';
import {
  AllowNothingPolicy,
  defaultDenyCheck,
  destinationRulesFirstCheck,
  gatewayHostsUniqueCheck,
  hostsResolveCheck,
  jwtPairedCheck,
  MESH_CHECKS,
  MeshAddOn,
  noPermissiveMtlsCheck,
  oneRouteOwnerCheck,
  principalsExistCheck,
  routeWeightsCheck,
  ServiceAccessPolicy,
  ServiceCanary,
  ServiceDestinationRule,
  ServiceRoute,
  StrictMutualTls,
  subsetsDefinedCheck,
  subsetsMatchWorkloadsCheck,
} from '../../lib/mesh';
import { WorkloadsAddOn } from '../../lib/workloads';
import { baseAddOns, FIXTURE_SERVICES, renderAddOns, renderConstructs, synthProblems, TENANT_PER_TIER, withService } from '../support/harness';

const meshAddOns = () => [...baseAddOns(), new WorkloadsAddOn(), new MeshAddOn(), new GitOpsAddOn()];

const API = 'api.ceres.svc.cluster.local';
const FILE = 'dist/staging/test/mesh.yaml';

/** Renders objects built in one chart (dist/staging/test/mesh.yaml of the fixture), with the given checks. */
function render(build: (chart: Chart) => void, checks: readonly ManifestCheck[]) {
  return renderConstructs(build, checks, { folder: 'test', file: 'mesh' });
}

/** A Deployment of `app` at `version` in ceres, and its Service. */
function workload(chart: Chart, app: string, version: string): void {
  const labels = { app, version };
  new k8s.KubeDeployment(chart, `d-${app}-${version}`, {
    metadata: { name: `${app}-${version}`, namespace: 'ceres' },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'registry.ceres.io/x:1' }] } } },
  });
  if (!chart.node.tryFindChild(`s-${app}`))
    new k8s.KubeService(chart, `s-${app}`, { metadata: { name: app, namespace: 'ceres' }, spec: { selector: { app }, ports: [{ port: 8080 }] } });
}

function rawRoute(chart: Chart, weights: [string, number][], host = API): void {
  new VirtualService(chart, 'vs', {
    metadata: { name: 'api', namespace: 'ceres' },
    spec: { hosts: [host], http: [{ name: 'main', route: weights.map(([subset, weight]) => ({ destination: { host, subset }, weight })) }] },
  });
}

function rawRule(chart: Chart, subsets: string[]): void {
  new DestinationRule(chart, 'dr', {
    metadata: { name: 'api', namespace: 'ceres' },
    spec: { host: API, subsets: subsets.map((s) => ({ name: s, labels: { version: s } })) },
  });
}

const withApiWeights = (v1: number, v2: number) =>
  withService(FIXTURE_SERVICES, 'api', (s) => ({
    ...s,
    versions: [
      { ...s.versions[0], weight: v1 },
      { ...s.versions[1], weight: v2 },
    ],
  }));

describe('the mesh add-on', () => {
  it('passes every mesh check on the fixture, with a tenant of each tier', () => {
    expect(() => renderAddOns(meshAddOns(), { input: TENANT_PER_TIER })).not.toThrow();
    expect(MESH_CHECKS.length).toBe(11);
  });
});

describe('route weights sum to 100', () => {
  it('is refused by the VirtualService construct, with its path', () => {
    const problems = synthProblems(() => renderAddOns(meshAddOns(), { services: withApiWeights(80, 10) }));
    expect(problems).toEqual([
      'core/mesh/Service-api/Route: VirtualService ceres/api: weights of route ingress sum to 90, not 100 (v1=80, v2=10); make them add up to 100',
      'core/mesh/Service-api/Route: VirtualService ceres/api: weights of route mesh sum to 90, not 100 (v1=80, v2=10); make them add up to 100',
    ]);
  });

  it('is refused in hand-written VirtualServices by the route-weights check', () => {
    const problems = synthProblems(() =>
      render(
        (c) =>
          rawRoute(c, [
            ['v1', 70],
            ['v2', 20],
          ]),
        [routeWeightsCheck],
      ),
    );
    expect(problems).toEqual([
      `[route-weights] VirtualService ceres/api in ${FILE}: weights of route main sum to 90, not 100; make the weights of each route add up to 100`,
    ]);
  });

  it('accepts weights that add up', () => {
    expect(() =>
      render(
        (c) =>
          rawRoute(c, [
            ['v1', 90],
            ['v2', 10],
          ]),
        [routeWeightsCheck],
      ),
    ).not.toThrow();
  });
});

describe('every referenced subset is defined', () => {
  it('is refused by the construct when its DestinationRule lacks the subset', () => {
    const problems = synthProblems(() =>
      render((c) => {
        const dr = new ServiceDestinationRule(c, 'Rule', { name: 'api', namespace: 'ceres', host: API, subsets: [{ name: 'v1', labels: { version: 'v1' } }] });
        new ServiceRoute(c, 'Route', { name: 'api', namespace: 'ceres', hosts: [API], destinationRule: dr }).addHttpRoute({
          name: 'main',
          destinations: [
            { host: API, subset: 'v1', weight: 50 },
            { host: API, subset: 'v2', weight: 50 },
          ],
        });
      }, []),
    );
    expect(problems).toEqual([
      `test/mesh/Route: VirtualService ceres/api: route main sends traffic to subset v2, which DestinationRule ${API} does not define (defined: v1); Envoy would answer 503`,
    ]);
  });

  it('is refused across resources by the subsets-defined check', () => {
    const problems = synthProblems(() =>
      render(
        (c) => {
          rawRule(c, ['v1', 'v2']);
          rawRoute(c, [
            ['v1', 90],
            ['v3', 10],
          ]);
        },
        [subsetsDefinedCheck],
      ),
    );
    expect(problems).toEqual([
      `[subsets-defined] VirtualService ceres/api in ${FILE}: route main names subset v3 of ${API}, but it defines v1, v2; add the subset to the host's DestinationRule or fix the route`,
    ]);
  });

  it('names a missing DestinationRule', () => {
    const problems = synthProblems(() => render((c) => rawRoute(c, [['v1', 100]]), [subsetsDefinedCheck]));
    expect(problems).toEqual([
      `[subsets-defined] VirtualService ceres/api in ${FILE}: route main names subset v1 of ${API}, but there is no DestinationRule for that host; add the subset to the host's DestinationRule or fix the route`,
    ]);
  });
});

describe('DestinationRules sync before the routes that use them', () => {
  it('refuses a DestinationRule in the same wave as its VirtualService', () => {
    const problems = synthProblems(() =>
      render(
        (c) => {
          rawRule(c, ['v1']);
          rawRoute(c, [['v1', 100]]);
        },
        [destinationRulesFirstCheck],
      ),
    );
    expect(problems).toEqual([
      `[destination-rules-first] VirtualService ceres/api in ${FILE} (sync wave 0) uses subsets of DestinationRule ceres/api in ${FILE} (sync wave 0); give the DestinationRule an earlier wave (SyncWave.destinationRules) than the route (SyncWave.routes)`,
    ]);
  });

  it('accepts the library constructs, which use the wave table', () => {
    expect(() =>
      render(
        (c) => {
          const dr = new ServiceDestinationRule(c, 'Rule', {
            name: 'api',
            namespace: 'ceres',
            host: API,
            subsets: [{ name: 'v1', labels: { version: 'v1' } }],
          });
          new ServiceRoute(c, 'Route', { name: 'api', namespace: 'ceres', hosts: [API], destinationRule: dr }).addHttpRoute({
            name: 'main',
            destinations: [{ host: API, subset: 'v1', weight: 100 }],
          });
        },
        [destinationRulesFirstCheck],
      ),
    ).not.toThrow();
  });
});

describe("every subset's labels match a workload", () => {
  it('refuses a subset no Deployment runs', () => {
    const problems = synthProblems(() =>
      render(
        (c) => {
          workload(c, 'api', 'v1');
          rawRule(c, ['v1', 'v9']);
        },
        [subsetsMatchWorkloadsCheck],
      ),
    );
    expect(problems).toEqual([
      `[subsets-match-workloads] DestinationRule ceres/api in ${FILE}: subset v9 selects pods labelled app=api,version=v9, but no Deployment in namespace ceres has a pod template with these labels; deploy that version or fix the subset labels`,
    ]);
  });

  it('accepts subsets whose versions are deployed', () => {
    expect(() =>
      render(
        (c) => {
          workload(c, 'api', 'v1');
          workload(c, 'api', 'v2');
          rawRule(c, ['v1', 'v2']);
        },
        [subsetsMatchWorkloadsCheck],
      ),
    ).not.toThrow();
  });
});

describe('every host resolves', () => {
  it('refuses a route to a host no Service, canary or ServiceEntry declares', () => {
    const ghost = 'ghost.ceres.svc.cluster.local';
    const problems = synthProblems(() => render((c) => rawRoute(c, [['v1', 100]], ghost), [hostsResolveCheck]));
    expect(problems).toEqual([
      `[hosts-resolve] VirtualService ceres/api in ${FILE}: route main sends traffic to ${ghost}, which resolves to no Service, Flagger canary or ServiceEntry of the environment; declare the service in the catalog (its Service is rendered by the workloads add-on) or add a ServiceEntry`,
    ]);
  });

  it('accepts Services, short names and Helm-installed gateway Services', () => {
    expect(() =>
      render(
        (c) => {
          workload(c, 'api', 'v1');
          rawRoute(c, [['v1', 100]], 'api');
        },
        [hostsResolveCheck],
      ),
    ).not.toThrow();
  });
});

describe('every principal is an existing service account', () => {
  it('refuses a principal no ServiceAccount backs', () => {
    const problems = synthProblems(() =>
      render(
        (c) => {
          new k8s.KubeServiceAccount(c, 'sa', { metadata: { name: 'web', namespace: 'ceres' } });
          new ServiceAccessPolicy(c, 'Access', { name: 'api', namespace: 'ceres', selector: { app: 'api' } })
            .allow({ principals: ['cluster.local/ns/ceres/sa/web'] })
            .allow({ principals: ['cluster.local/ns/ceres/sa/wbe'] });
        },
        [principalsExistCheck],
      ),
    );
    expect(problems).toEqual([
      `[principals-exist] AuthorizationPolicy ceres/api in ${FILE}: principal cluster.local/ns/ceres/sa/wbe is not the service account of any workload in the environment (nor a gateway installed by the Istio charts); fix the caller's service account or declare the calling service`,
    ]);
  });

  it('refuses wildcard principals at the construct', () => {
    const problems = synthProblems(() =>
      render((c) => {
        new ServiceAccessPolicy(c, 'Access', { name: 'api', namespace: 'ceres', selector: { app: 'api' } }).allow({ principals: ['*'] });
      }, []),
    );
    expect(problems).toEqual(['test/mesh/Access: AuthorizationPolicy api: principal "*" is not of the form cluster.local/ns/<namespace>/sa/<serviceAccount>']);
  });
});

describe('gateway hosts are unique per port and never *', () => {
  it('refuses a host served twice on one port, and a wildcard host', () => {
    const problems = synthProblems(() =>
      render(
        (c) => {
          const server = (hosts: string[]) => ({ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts, tls: { credentialName: 'x' } as any });
          new Gateway(c, 'a', {
            metadata: { name: 'a', namespace: 'istio-ingress' },
            spec: { selector: { istio: 'ingressgateway' }, servers: [server(['ceres/api.ceres.io'])] },
          });
          new Gateway(c, 'b', {
            metadata: { name: 'b', namespace: 'istio-ingress' },
            spec: { selector: { istio: 'ingressgateway' }, servers: [server(['api.ceres.io', '*'])] },
          });
        },
        [gatewayHostsUniqueCheck],
      ),
    );
    expect(problems).toEqual([
      // Each object's own problems first, then those across objects (lib/core/checks.ts).
      `[gateway-hosts-unique] Gateway istio-ingress/b in ${FILE}: server on port 443 accepts host *; list the exact hosts the gateway serves`,
      `[gateway-hosts-unique] Gateway istio-ingress/b in ${FILE}: host api.ceres.io on port 443 is also served by Gateway istio-ingress/a in ${FILE}; serve each host once per port`,
    ]);
  });
});

describe('no PERMISSIVE mutual TLS', () => {
  it('refuses a PERMISSIVE exception', () => {
    const problems = synthProblems(() =>
      render(
        (c) => {
          new StrictMutualTls(c, 'Strict');
          new PeerAuthentication(c, 'legacy', {
            metadata: { name: 'legacy', namespace: 'ceres' },
            spec: { mtls: { mode: PeerAuthenticationSpecMtlsMode.PERMISSIVE } },
          });
        },
        [noPermissiveMtlsCheck],
      ),
    );
    expect(problems).toEqual([
      `[no-permissive-mtls] PeerAuthentication ceres/legacy in ${FILE}: mtls.mode is PERMISSIVE; the platform requires STRICT mutual TLS everywhere, so remove the exception or set STRICT`,
    ]);
  });

  it('refuses a mesh without the mesh-wide STRICT default', () => {
    const problems = synthProblems(() => render((c) => rawRule(c, ['v1']), [noPermissiveMtlsCheck]));
    expect(problems).toEqual([
      '[no-permissive-mtls] no PeerAuthentication istio-system/default with mtls.mode STRICT: mesh-wide mutual TLS is not enforced; add StrictMutualTls',
    ]);
  });
});

describe('one owner per route', () => {
  it('refuses a static VirtualService for a Flagger-owned service', () => {
    const problems = synthProblems(() =>
      render(
        (c) => {
          new ServiceCanary(c, 'Canary', { name: 'api-server', namespace: 'ceres', port: 8080 });
          new VirtualService(c, 'vs', {
            metadata: { name: 'api-server', namespace: 'ceres' },
            spec: { hosts: ['api-server'], http: [{ route: [{ destination: { host: 'api-server' }, weight: 100 }] }] },
          });
        },
        [oneRouteOwnerCheck],
      ),
    );
    expect(problems).toEqual([
      `[one-route-owner] VirtualService ceres/api-server in ${FILE} routes api-server.ceres.svc.cluster.local, whose rollout is owned by Canary ceres/api-server in ${FILE}; Flagger generates that VirtualService, so remove this one (or set the service's rollout to 'static')`,
    ]);
  });

  it('refuses non-increasing canary steps at the construct', () => {
    const problems = synthProblems(() =>
      render((c) => {
        new ServiceCanary(c, 'Canary', { name: 'x', namespace: 'ceres', port: 8080, analysis: { stepWeights: [10, 50, 25] } });
      }, []),
    );
    expect(problems).toEqual(['test/mesh/Canary: Canary x: step weights must increase (10 → 50 → 25)']);
  });

  it('is checked on the Canary kind itself, not only ours', () => {
    const problems = synthProblems(() =>
      render(
        (c) => {
          new Canary(c, 'c', {
            metadata: { name: 'web', namespace: 'ceres' },
            spec: { targetRef: { apiVersion: 'apps/v1', kind: CanarySpecTargetRefKind.DEPLOYMENT, name: 'web' }, service: { port: 8080 }, analysis: {} },
          });
          rawRoute(c, [['v1', 100]], 'web.ceres.svc.cluster.local');
        },
        [oneRouteOwnerCheck],
      ),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('whose rollout is owned by Canary ceres/web');
  });
});

describe('RequestAuthentication is always paired with a policy requiring a token', () => {
  it('refuses a RequestAuthentication alone', () => {
    const problems = synthProblems(() =>
      render(
        (c) => {
          new RequestAuthentication(c, 'ra', {
            metadata: { name: 'api-jwt', namespace: 'ceres' },
            spec: { selector: { matchLabels: { app: 'api' } }, jwtRules: [{ issuer: 'https://auth.ceres.io/realms/ceres' }] },
          });
          // An ALLOW policy on the same workloads that does not require a request principal does not count.
          new AuthorizationPolicy(c, 'ap', {
            metadata: { name: 'api', namespace: 'ceres' },
            spec: { selector: { matchLabels: { app: 'api' } }, rules: [{ from: [{ source: { principals: ['cluster.local/ns/ceres/sa/web'] } }] }] },
          });
        },
        [jwtPairedCheck],
      ),
    );
    expect(problems).toEqual([
      `[jwt-paired] RequestAuthentication ceres/api-jwt in ${FILE} has no AuthorizationPolicy on the same workloads requiring a request principal, so requests without a token pass; use JwtRequirement, which renders both`,
    ]);
  });
});

describe('every meshed namespace denies by default', () => {
  it('refuses a meshed namespace without allow-nothing', () => {
    const problems = synthProblems(() =>
      render(
        (c) => {
          new k8s.KubeNamespace(c, 'a', { metadata: { name: 'tenant-a', labels: { 'istio-injection': 'enabled' } } });
          new k8s.KubeNamespace(c, 'b', { metadata: { name: 'tenant-b', labels: { 'istio-injection': 'enabled' } } });
          new AllowNothingPolicy(c, 'deny-b', { namespace: 'tenant-b' });
        },
        [defaultDenyCheck],
      ),
    );
    expect(problems).toEqual([
      `[mesh-default-deny] Namespace tenant-a in ${FILE} is meshed but has no allow-nothing AuthorizationPolicy; add AllowNothingPolicy so every call needs an explicit ALLOW`,
    ]);
  });
});

describe('the catalog', () => {
  it('refuses a dependency on a service it does not declare', () => {
    const catalog = withService(FIXTURE_SERVICES, 'web', (s) => ({ ...s, dependsOn: [{ service: 'billing' }] }));
    expect(() => renderAddOns(meshAddOns(), { services: catalog })).toThrow(
      'service ceres/web depends on ceres/billing, which the service catalog does not declare in environment staging; declare it or remove the dependency',
    );
  });
});
