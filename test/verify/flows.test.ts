import { selectorMatches } from '../../lib/verify/selector';
import {
  flowEndpointsCheck,
  cidrRange,
  effectiveMtls,
  evaluateAuthorization,
  flowChecks,
  hostSubsetOf,
  indexFlowState,
  ipBlockRanges,
  meshAuthorizationFindings,
  networkPolicyFindings,
  podInstances,
  policyTypes,
  rangeCovered,
  sidecarEgressFindings,
  sidecarImports,
  tenantIsolationFindings,
  chartNetworkPolicyCheck,
} from '../../lib/verify/checks/flows';
import { ClusterState, Finding } from '../../lib/verify/types';
import {
  allowEgress,
  allowIngress,
  authorizationPolicy,
  context,
  defaultDeny,
  deployment,
  externalFlow,
  istiod,
  meshedNamespace,
  namespace,
  networkPolicy,
  nsPeer,
  peerAuthentication,
  podFlow,
  pods,
  service,
  serviceEntry,
  sidecar,
  state,
  tenantNamespace,
  webhookFlow,
} from './flow-fixtures';

const runAll = (s: ClusterState): Finding[] => flowChecks.flatMap((c) => c.run(s, context([s])));

describe('evaluator building blocks', () => {
  test('label selectors: matchLabels and every expression operator', () => {
    const labels = { app: 'api', tier: 'backend' };
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'api' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'web' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['backend'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
  });

  test('CIDR coverage: unions, excepts, IPv6', () => {
    expect(rangeCovered(cidrRange('10.30.192.0/21')!, [cidrRange('10.30.0.0/16')!])).toBe(true);
    expect(rangeCovered(cidrRange('10.30.192.0/21')!, ipBlockRanges({ cidr: '10.30.0.0/16', except: ['10.30.200.0/24'] }))).toBe(true);
    expect(rangeCovered(cidrRange('10.30.200.0/21')!, ipBlockRanges({ cidr: '10.30.0.0/16', except: ['10.30.200.0/24'] }))).toBe(false);
    expect(rangeCovered(cidrRange('10.0.0.0/23')!, [cidrRange('10.0.0.0/24')!, cidrRange('10.0.1.0/24')!])).toBe(true);
    expect(rangeCovered(cidrRange('2001:db8::/48')!, [cidrRange('2001:db8::/32')!])).toBe(true);
    expect(rangeCovered(cidrRange('2001:db8::/48')!, [cidrRange('10.0.0.0/8')!])).toBe(false);
  });

  test('policyTypes defaults as the API server does (Ingress, plus Egress when egress rules exist)', () => {
    expect(policyTypes(networkPolicy('a', 'p', { podSelector: {} }))).toEqual(['Ingress']);
    expect(policyTypes(networkPolicy('a', 'p', { podSelector: {}, egress: [{}] }))).toEqual(['Ingress', 'Egress']);
    expect(policyTypes(networkPolicy('a', 'p', { podSelector: {}, egress: [{}], policyTypes: ['Egress'] }))).toEqual(['Egress']);
  });

  test('Istio host matching and Sidecar imports (namespace scoped, `.`, `*`, `~`)', () => {
    expect(hostSubsetOf('db.eu-west-1.rds.amazonaws.com', '*.eu-west-1.rds.amazonaws.com')).toBe(true);
    expect(hostSubsetOf('*.eu-west-1.rds.amazonaws.com', '*.rds.amazonaws.com')).toBe(true);
    expect(hostSubsetOf('*.rds.amazonaws.com', '*.eu-west-1.rds.amazonaws.com')).toBe(false);
    const sc = sidecar('ceres', ['./*', 'istio-egress/auth.ceres.io', '~istio-egress/blocked.example.com', '*/shared.example.com'], 'REGISTRY_ONLY');
    expect(sidecarImports(sc, 'ceres', 'api.ceres.svc.cluster.local', 8080)).toBe(true);
    expect(sidecarImports(sc, 'istio-egress', 'auth.ceres.io', 443)).toBe(true);
    expect(sidecarImports(sc, 'ceres', 'auth.ceres.io', 443)).toBe(true); // ./* imports it from ceres
    expect(sidecarImports(sc, 'monitoring', 'auth.ceres.io', 443)).toBe(false);
    expect(sidecarImports(sc, 'monitoring', 'shared.example.com', 443)).toBe(true);
    expect(sidecarImports(sc, 'istio-egress', 'blocked.example.com', 443)).toBe(false);
  });

  test('CloudNativePG Clusters stand for their instance pods (labels, named ports, ServiceAccount)', () => {
    const s = state({ objects: [{ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'db', namespace: 't' }, spec: {} }] });
    const [pod] = podInstances(indexFlowState(s), pods('t', { 'cnpg.io/podRole': 'instance' }));
    expect(pod.serviceAccount).toBe('db');
    expect(pod.template?.ports.map((p) => p.name)).toEqual(['postgresql', 'metrics', 'status']);
  });
});

describe('flows/network-policy', () => {
  const app = { app: 'api' };
  const scrape = podFlow('observability/scrape-api', pods('monitoring', { app: 'prometheus' }), pods('ceres', app), [{ port: 8080 }]);
  const base = [
    namespace('monitoring'),
    namespace('ceres'),
    deployment('monitoring', 'prometheus', { app: 'prometheus' }),
    deployment('ceres', 'api', app, { ports: [{ name: 'http', containerPort: 8080 }] }),
  ];

  test('default-deny without an allow: both ends report, naming the isolating policy and the rule to add', () => {
    const broken = state({ objects: [...base, defaultDeny('ceres'), defaultDeny('monitoring')], flows: [scrape] });
    const findings = networkPolicyFindings(broken);
    expect(findings.map((f) => f.message.split(':')[1].trim().split(' ')[0])).toEqual(['egress', 'ingress']);
    expect(findings[1].object).toBe('NetworkPolicy ceres/default-deny');
    expect(findings[1].fix).toContain('kubernetes.io/metadata.name: monitoring');
    const fixed = state({
      objects: [
        ...base,
        defaultDeny('ceres'),
        defaultDeny('monitoring'),
        allowIngress('ceres', 'from-monitoring', app, [nsPeer('monitoring')], [{ port: 8080 }]),
        allowEgress('monitoring', 'to-api', { app: 'prometheus' }, [nsPeer('ceres', app)], [{ port: 8080 }]),
      ],
      flows: [scrape],
    });
    expect(networkPolicyFindings(fixed)).toEqual([]);
  });

  test('one finding for every kind of pod of the PodSet that fails the same way', () => {
    const objects = [
      namespace('monitoring'),
      namespace('ceres'),
      deployment('monitoring', 'prometheus', { app: 'prometheus' }),
      deployment('ceres', 'api-v1', { ...app, version: 'v1' }),
      deployment('ceres', 'api-v2', { ...app, version: 'v2' }),
      defaultDeny('ceres'),
    ];
    const findings = networkPolicyFindings(state({ objects, flows: [scrape] }));
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('to pods of ceres (Deployment ceres/api-v1, Deployment ceres/api-v2) from pods {app=prometheus} of monitoring');
    expect(findings[0].fix).toContain('podSelector selects {app=api}');
  });

  test('ingress allowed but egress not: only the egress end reports', () => {
    const broken = state({
      objects: [...base, defaultDeny('ceres'), defaultDeny('monitoring'), allowIngress('ceres', 'from-monitoring', app, [nsPeer('monitoring')])],
      flows: [scrape],
    });
    const findings = networkPolicyFindings(broken);
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('egress from pods');
    expect(findings[0].object).toBe('NetworkPolicy monitoring/default-deny');
  });

  test('namespaceSelector on a label the source namespace does not carry', () => {
    const policy = (label: string) => allowIngress('ceres', 'from-monitoring', app, [{ namespaceSelector: { matchLabels: { [label]: 'monitoring' } } }]);
    const objects = [namespace('monitoring', { 'ceres.io/role': 'monitoring' }), namespace('ceres'), ...base.slice(2), defaultDeny('ceres')];
    const broken = state({ objects: [...objects, policy('purpose')], flows: [scrape] });
    expect(networkPolicyFindings(broken)).toHaveLength(1);
    const fixed = state({ objects: [...objects, policy('ceres.io/role')], flows: [scrape] });
    expect(networkPolicyFindings(fixed)).toEqual([]);
  });

  test('a named port resolved on the destination pod template to another number', () => {
    const objects = [...base, defaultDeny('ceres')];
    const broken = state({
      objects: [...objects, allowIngress('ceres', 'from-monitoring', app, [nsPeer('monitoring')], [{ port: 'metrics' }])],
      flows: [scrape],
    });
    const findings = networkPolicyFindings(broken);
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain("named port 'metrics' is not a TCP containerPort");
    const fixed = state({ objects: [...objects, allowIngress('ceres', 'from-monitoring', app, [nsPeer('monitoring')], [{ port: 'http' }])], flows: [scrape] });
    expect(networkPolicyFindings(fixed)).toEqual([]);
  });

  test('port ranges with endPort, and protocols', () => {
    const objects = [...base, defaultDeny('ceres')];
    const udp = state({
      objects: [...objects, allowIngress('ceres', 'p', app, [nsPeer('monitoring')], [{ port: 8000, endPort: 9000, protocol: 'UDP' }])],
      flows: [scrape],
    });
    expect(networkPolicyFindings(udp)).toHaveLength(1);
    const tcp = state({ objects: [...objects, allowIngress('ceres', 'p', app, [nsPeer('monitoring')], [{ port: 8000, endPort: 9000 }])], flows: [scrape] });
    expect(networkPolicyFindings(tcp)).toEqual([]);
  });

  test('an ipBlock except that cuts out the external destination', () => {
    const db = externalFlow('data/postgres', pods('ceres', app), ['10.30.192.0/21'], [{ port: 5432 }]);
    const egress = (except?: string[]) =>
      allowEgress('ceres', 'to-data', app, [{ ipBlock: { cidr: '10.30.0.0/16', ...(except ? { except } : {}) } }], [{ port: 5432 }]);
    const broken = state({ objects: [...base, defaultDeny('ceres'), egress(['10.30.192.0/18'])], flows: [db] });
    const findings = networkPolicyFindings(broken);
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('do not cover 10.30.192.0/21');
    const fixed = state({ objects: [...base, defaultDeny('ceres'), egress(['10.30.0.0/18'])], flows: [db] });
    expect(networkPolicyFindings(fixed)).toEqual([]);
  });

  test('the API server is no pod: only a rule without `from` (or an ipBlock) admits a webhook call', () => {
    const hook = webhookFlow('hardening/kyverno-webhook', pods('ceres', app), [{ port: 8080 }]);
    const broken = state({
      objects: [...base, defaultDeny('ceres'), allowIngress('ceres', 'from-kube-system', app, [nsPeer('kube-system')], [{ port: 8080 }])],
      flows: [hook],
    });
    const findings = networkPolicyFindings(broken);
    expect(findings).toHaveLength(1);
    expect(findings[0].fix).toContain('the API server is not a pod');
    const fixed = state({ objects: [...base, defaultDeny('ceres'), allowIngress('ceres', 'webhook', app, undefined, [{ port: 8080 }])], flows: [hook] });
    expect(networkPolicyFindings(fixed)).toEqual([]);
  });
});

describe('flows/mesh-authorization', () => {
  const app = { app: 'api' };
  const objects = [
    meshedNamespace('ceres'),
    meshedNamespace('monitoring'),
    deployment('ceres', 'api', app, { ports: [{ name: 'http', containerPort: 8080 }] }),
    deployment('monitoring', 'prometheus', { app: 'prometheus' }, { serviceAccount: 'prometheus' }),
  ];
  const flow = podFlow('observability/scrape-api', pods('monitoring', { app: 'prometheus' }), pods('ceres', app), [{ port: 8080 }]);
  const allowNothing = authorizationPolicy('ceres', 'allow-nothing', {});

  test('allow-nothing and no ALLOW for the flow', () => {
    const broken = state({ objects: [...objects, allowNothing], flows: [flow] });
    const findings = meshAuthorizationFindings(broken);
    expect(findings).toHaveLength(1);
    expect(findings[0].object).toBe('AuthorizationPolicy ceres/allow-nothing');
    expect(findings[0].fix).toContain('cluster.local/ns/monitoring/sa/prometheus');
    const allow = authorizationPolicy('ceres', 'allow-prometheus', {
      selector: { matchLabels: app },
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/monitoring/sa/prometheus'] } }], to: [{ operation: { ports: ['8080'] } }] }],
    });
    expect(meshAuthorizationFindings(state({ objects: [...objects, allowNothing, allow], flows: [flow] }))).toEqual([]);
  });

  test('an ALLOW rule for another principal, another port, or another workload', () => {
    const allow = (principal: string, port: string, selector = app) =>
      authorizationPolicy('ceres', 'allow', {
        selector: { matchLabels: selector },
        rules: [{ from: [{ source: { principals: [principal] } }], to: [{ operation: { ports: [port] } }] }],
      });
    expect(
      meshAuthorizationFindings(state({ objects: [...objects, allowNothing, allow('cluster.local/ns/monitoring/sa/grafana', '8080')], flows: [flow] })),
    ).toHaveLength(1);
    expect(
      meshAuthorizationFindings(state({ objects: [...objects, allowNothing, allow('cluster.local/ns/monitoring/sa/prometheus', '9090')], flows: [flow] })),
    ).toHaveLength(1);
    expect(
      meshAuthorizationFindings(
        state({ objects: [...objects, allowNothing, allow('cluster.local/ns/monitoring/sa/prometheus', '8080', { app: 'web' })], flows: [flow] }),
      ),
    ).toHaveLength(1);
    expect(meshAuthorizationFindings(state({ objects: [...objects, allowNothing, allow('cluster.local/ns/monitoring/*', '8080')], flows: [flow] }))).toEqual(
      [],
    );
  });

  test('a DENY that matches wins over an ALLOW; a root-namespace policy applies everywhere', () => {
    const allow = authorizationPolicy('ceres', 'allow', { rules: [{ from: [{ source: { namespaces: ['monitoring'] } }] }] });
    const deny = authorizationPolicy('istio-system', 'deny-monitoring', { action: 'DENY', rules: [{ from: [{ source: { namespaces: ['monitor*'] } }] }] });
    const findings = meshAuthorizationFindings(state({ objects: [...objects, allow, deny], flows: [flow] }));
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('denied by DENY policy deny-monitoring');
    // A DENY on paths only denies some requests: it does not block the flow.
    const partial = authorizationPolicy('istio-system', 'deny-admin', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin'] } }] }] });
    expect(meshAuthorizationFindings(state({ objects: [...objects, allow, partial], flows: [flow] }))).toEqual([]);
  });

  test('STRICT mTLS at the destination and a source outside the mesh', () => {
    const unmeshed = [
      namespace('ceres-meshless'),
      meshedNamespace('ceres'),
      deployment('ceres', 'api', app),
      deployment('ceres-meshless', 'job', { app: 'job' }),
    ];
    const f = podFlow('core/job-to-api', pods('ceres-meshless', { app: 'job' }), pods('ceres', app), [{ port: 8080 }]);
    const strict = peerAuthentication('istio-system', 'default', { mtls: { mode: 'STRICT' } });
    const findings = meshAuthorizationFindings(state({ objects: [...unmeshed, strict], flows: [f] }));
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('requires mTLS (STRICT)');
    expect(findings[0].object).toBe('PeerAuthentication istio-system/default');
    const exception = peerAuthentication('ceres', 'api-8080', { selector: { matchLabels: app }, portLevelMtls: { '8080': { mode: 'PERMISSIVE' } } });
    const fixed = state({ objects: [...unmeshed, strict, exception], flows: [f] });
    expect(meshAuthorizationFindings(fixed)).toEqual([]);
    const idx = indexFlowState(fixed);
    expect(effectiveMtls(idx, podInstances(idx, pods('ceres', app))[0], 8080).mode).toBe('PERMISSIVE');
    expect(effectiveMtls(idx, podInstances(idx, pods('ceres', app))[0], 9090).mode).toBe('STRICT');
  });

  test('a webhook into a meshed pod: no principal can match, STRICT refuses it', () => {
    const hook = webhookFlow('hardening/webhook', pods('ceres', app), [{ port: 8080 }]);
    const strict = peerAuthentication('istio-system', 'default', { mtls: { mode: 'STRICT' } });
    const allowByPrincipal = authorizationPolicy('ceres', 'allow', { rules: [{ from: [{ source: { principals: ['*'] } }] }] });
    const findings = meshAuthorizationFindings(state({ objects: [...objects, strict, allowByPrincipal], flows: [hook] }));
    expect(findings.map((f) => f.object).sort()).toEqual(['AuthorizationPolicy ceres/allow', 'PeerAuthentication istio-system/default']);
    // Plaintext flows bypass the sidecar: nothing to prove here.
    expect(meshAuthorizationFindings(state({ objects: [...objects, strict, allowByPrincipal], flows: [{ ...hook, plaintext: true }] }))).toEqual([]);
  });

  test('notRequestPrincipals: platform flows carry no JWT', () => {
    const s = state({
      objects: [...objects, authorizationPolicy('ceres', 'require-jwt', { action: 'DENY', rules: [{ from: [{ source: { notRequestPrincipals: ['*'] } }] }] })],
      flows: [flow],
    });
    const idx = indexFlowState(s);
    const d = evaluateAuthorization(idx, podInstances(idx, pods('ceres', app))[0], { principal: 'cluster.local/ns/monitoring/sa/prometheus', port: 8080 });
    expect(d.decision).toBe('deny');
  });
});

describe('flows/sidecar-egress', () => {
  const app = { app: 'api' };
  const base = [
    meshedNamespace('ceres'),
    meshedNamespace('monitoring'),
    namespace('istio-egress'),
    deployment('ceres', 'api', app),
    deployment('monitoring', 'prometheus', { app: 'prometheus' }, { ports: [{ name: 'http', containerPort: 9090 }] }),
  ];
  const toPrometheus = podFlow('core/api-to-prometheus', pods('ceres', app), pods('monitoring', { app: 'prometheus' }), [{ port: 9090 }]);
  const prometheusSvc = service('monitoring', 'prometheus', { app: 'prometheus' }, [{ port: 9090, targetPort: 'http' }]);

  test('REGISTRY_ONLY without the destination host', () => {
    const broken = state({ objects: [...base, prometheusSvc, sidecar('ceres', ['./*', 'istio-system/*'], 'REGISTRY_ONLY')], flows: [toPrometheus] });
    const findings = sidecarEgressFindings(broken);
    expect(findings).toHaveLength(1);
    expect(findings[0].fix).toContain('monitoring/prometheus.monitoring.svc.cluster.local');
    const fixed = state({
      objects: [...base, prometheusSvc, sidecar('ceres', ['./*', 'monitoring/prometheus.monitoring.svc.cluster.local'], 'REGISTRY_ONLY')],
      flows: [toPrometheus],
    });
    expect(sidecarEgressFindings(fixed)).toEqual([]);
  });

  test("the mesh default comes from the istiod release's meshConfig; ALLOW_ANY needs no import", () => {
    const noMode = [...base, prometheusSvc, sidecar('ceres', ['./*'])];
    expect(sidecarEgressFindings(state({ objects: noMode, flows: [toPrometheus], releases: [istiod('REGISTRY_ONLY')] }))).toHaveLength(1);
    expect(sidecarEgressFindings(state({ objects: noMode, flows: [toPrometheus], releases: [istiod('ALLOW_ANY')] }))).toEqual([]);
  });

  test('an external host declared by a ServiceEntry exported to another namespace only', () => {
    const auth = externalFlow('core/api-to-keycloak', pods('ceres', app), ['0.0.0.0/0'], [{ port: 443 }], 'auth.ceres.io');
    const sc = sidecar('ceres', ['./*', 'istio-egress/auth.ceres.io'], 'REGISTRY_ONLY');
    const broken = state({
      objects: [...base, sc, serviceEntry('istio-egress', 'keycloak', ['auth.ceres.io'], [{ number: 443 }], ['.', 'monitoring'])],
      flows: [auth],
    });
    const findings = sidecarEgressFindings(broken);
    expect(findings).toHaveLength(1);
    expect(findings[0].object).toBe('ServiceEntry istio-egress/keycloak');
    expect(findings[0].message).toContain('not to ceres');
    const fixed = state({
      objects: [...base, sc, serviceEntry('istio-egress', 'keycloak', ['auth.ceres.io'], [{ number: 443 }], ['.', 'ceres'])],
      flows: [auth],
    });
    expect(sidecarEgressFindings(fixed)).toEqual([]);
  });

  test("a Sidecar host must name the ServiceEntry's namespace, and import its wildcard host", () => {
    const db = externalFlow('core/api-to-db', pods('ceres', app), ['10.30.192.0/21'], [{ port: 5432 }], 'db1.c0ab.eu-west-1.rds.amazonaws.com');
    const se = serviceEntry('istio-egress', 'rds', ['*.eu-west-1.rds.amazonaws.com'], [{ number: 5432 }], ['*']);
    const wrongNs = state({ objects: [...base, se, sidecar('ceres', ['./*.eu-west-1.rds.amazonaws.com'], 'REGISTRY_ONLY')], flows: [db] });
    expect(sidecarEgressFindings(wrongNs)).toHaveLength(1);
    const concrete = state({ objects: [...base, se, sidecar('ceres', ['istio-egress/db1.c0ab.eu-west-1.rds.amazonaws.com'], 'REGISTRY_ONLY')], flows: [db] });
    const findings = sidecarEgressFindings(concrete);
    expect(findings).toHaveLength(1);
    expect(findings[0].fix).toContain('add istio-egress/*.eu-west-1.rds.amazonaws.com to the egress hosts');
    const fixed = state({ objects: [...base, se, sidecar('ceres', ['istio-egress/*.eu-west-1.rds.amazonaws.com'], 'REGISTRY_ONLY')], flows: [db] });
    expect(sidecarEgressFindings(fixed)).toEqual([]);
  });

  test('no ServiceEntry at all for an external host', () => {
    const auth = externalFlow('core/api-to-keycloak', pods('ceres', app), ['0.0.0.0/0'], [{ port: 443 }], 'auth.ceres.io');
    const findings = sidecarEgressFindings(state({ objects: [...base, sidecar('ceres', ['*/*'], 'REGISTRY_ONLY')], flows: [auth] }));
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('no ServiceEntry declares auth.ceres.io');
  });
});

describe('flows/tenant-isolation', () => {
  const tenants = [tenantNamespace('tenant-acme-001', 'acme-001'), tenantNamespace('tenant-globex-002', 'globex-002'), namespace('monitoring')];

  test('a namespaceSelector on a label every tenant namespace carries', () => {
    const broken = state({
      objects: [
        ...tenants,
        allowIngress('tenant-acme-001', 'from-enterprise', {}, [{ namespaceSelector: { matchLabels: { 'ceres.io/tier': 'enterprise' } } }]),
      ],
    });
    const findings = tenantIsolationFindings(broken);
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('tenant-globex-002 (tenant globex-002)');
    const fixed = state({ objects: [...tenants, allowIngress('tenant-acme-001', 'from-monitoring', {}, [nsPeer('monitoring')])] });
    expect(tenantIsolationFindings(fixed)).toEqual([]);
  });

  test('a rule without peers admits every namespace, other tenants included', () => {
    const broken = state({ objects: [...tenants, allowEgress('tenant-globex-002', 'anything', {}, undefined, [{ port: 443 }])] });
    expect(tenantIsolationFindings(broken)).toHaveLength(1);
    // An ipBlock is not a tenant peer (pod addresses and ipBlocks are left to the implementation).
    const ipBlock = state({ objects: [...tenants, allowEgress('tenant-globex-002', 'api', {}, [{ ipBlock: { cidr: '0.0.0.0/0' } }], [{ port: 443 }])] });
    expect(tenantIsolationFindings(ipBlock)).toEqual([]);
  });

  test('an AuthorizationPolicy admitting another tenant by a namespace wildcard', () => {
    const broken = state({
      objects: [...tenants, authorizationPolicy('tenant-acme-001', 'allow-tenants', { rules: [{ from: [{ source: { namespaces: ['tenant-*'] } }] }] })],
    });
    const findings = tenantIsolationFindings(broken);
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('tenant-globex-002 (tenant globex-002');
    const fixed = state({
      objects: [
        ...tenants,
        authorizationPolicy('tenant-acme-001', 'allow-own', { rules: [{ from: [{ source: { namespaces: ['tenant-acme-001', 'monitoring'] } }] }] }),
      ],
    });
    expect(tenantIsolationFindings(fixed)).toEqual([]);
  });

  test('the checks run together and name themselves', () => {
    const broken = state({ objects: [...tenants, authorizationPolicy('istio-system', 'allow-all', { rules: [{}] })] });
    const findings = runAll(broken);
    expect(findings.map((f) => f.check)).toEqual(['flows/tenant-isolation']);
    expect(findings[0]).toMatchObject({
      environment: 'prod',
      cluster: 'ceres-prod-aws',
      file: expect.any(String),
      object: 'AuthorizationPolicy istio-system/allow-all',
    });
  });
});

describe('flows/endpoints-exist', () => {
  const tempo = deployment('monitoring', 'tempo', { 'app.kubernetes.io/name': 'tempo' }, { serviceAccount: 'tempo' });
  const release = (rendered: boolean): any => ({
    application: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'tempo' } },
    file: 'x',
    repoURL: 'r',
    chart: 'tempo',
    version: '1',
    releaseName: 'tempo',
    namespace: 'monitoring',
    values: {},
    ...(rendered ? { rendered: [] } : { skipped: 'no chart' }),
  });
  const flow = (labels: Record<string, string>, sa?: string): any => ({
    name: 'observability/spans',
    from: { pods: { namespace: 'ceres' } },
    to: { pods: { namespace: 'monitoring', podLabels: labels, serviceAccount: sa }, ports: [{ port: 4317 }] },
    reason: 'spans',
  });
  const run = (f: any, rendered = true) => {
    const s = state({ objects: [tempo], flows: [f], releases: [release(rendered)] });
    return flowEndpointsCheck.run(s, context([s]));
  };

  it('reports a flow naming labels no rendered pod carries, or another ServiceAccount', () => {
    expect(run(flow({ 'app.kubernetes.io/name': 'tempo-distributor' }))[0].message).toContain('no pod of monitoring carries');
    expect(run(flow({ 'app.kubernetes.io/name': 'tempo' }, 'tempo-sa'))[0].message).toContain('with ServiceAccount tempo-sa');
  });

  it('accepts the pods the release renders, and says nothing where the release was not rendered', () => {
    expect(run(flow({ 'app.kubernetes.io/name': 'tempo' }, 'tempo'))).toEqual([]);
    expect(run(flow({ 'app.kubernetes.io/name': 'tempo-distributor' }), false)).toEqual([]);
  });
});

describe('flows/only-declared-policies', () => {
  const chartPolicy = {
    manifest: networkPolicy('argocd', 'argocd-server', { podSelector: {}, ingress: [{}] }),
    file: 'helm:argo-cd@10.1.1/templates/argocd-server/networkpolicy.yaml',
  };

  test("a chart's NetworkPolicy in a namespace the platform isolates is a finding; ours, or one in a namespace it does not isolate, is not", () => {
    const isolated = namespace('argocd', { 'ceres.io/network-isolation': 'default-deny' });
    const only = (s: ClusterState) => chartNetworkPolicyCheck.run(s, context([s]));
    const findings = only(state({ objects: [isolated, defaultDeny('argocd'), chartPolicy] }));
    expect(findings.map((f) => [f.object, f.file])).toEqual([['NetworkPolicy argocd/argocd-server', chartPolicy.file]]);
    expect(findings[0].fix).toContain("turn the chart's NetworkPolicy off");
    expect(only(state({ objects: [namespace('argocd'), chartPolicy] }))).toEqual([]);
    expect(only(state({ objects: [isolated, defaultDeny('argocd')] }))).toEqual([]);
  });
});

describe('external flows with exceptions', () => {
  test('an ipBlock with the same except covers a flow to every public address; one without the except is still enough; one excepting more is not', () => {
    const src = { namespace: 'argocd', podLabels: { app: 'repo' } };
    const flow = {
      ...externalFlow('gitops/sources', src, ['0.0.0.0/0'], [{ port: 443 }]),
      to: { external: { cidrs: ['0.0.0.0/0'], except: ['169.254.0.0/16'] }, ports: [{ port: 443 }] },
    };
    const egressTo = (ipBlock: object) => allowEgress('argocd', 'out', src.podLabels, [{ ipBlock }], [{ port: 443 }]);
    const base = [namespace('argocd'), defaultDeny('argocd'), deployment('argocd', 'repo', src.podLabels)];
    expect(networkPolicyFindings(state({ objects: [...base, egressTo({ cidr: '0.0.0.0/0', except: ['169.254.0.0/16'] })], flows: [flow] }))).toEqual([]);
    expect(networkPolicyFindings(state({ objects: [...base, egressTo({ cidr: '0.0.0.0/0' })], flows: [flow] }))).toEqual([]);
    expect(networkPolicyFindings(state({ objects: [...base, egressTo({ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] })], flows: [flow] }))).toHaveLength(1);
  });
});
