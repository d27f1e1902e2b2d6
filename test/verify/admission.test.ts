import {
  evaluateKyvernoPodSecurity,
  evaluatePodSecurity,
  injectIstioSidecar,
  istioInjectionModel,
  kyverno,
  kyvernoRulesFor,
  matchPattern,
  patternMatches,
  PodLike,
  podSecurity,
  wildcardMatch,
} from '../../lib/verify/checks/admission';
import {
  clusterPolicy,
  container,
  cronJob,
  deployment,
  istiod,
  kyvernoRelease,
  namespace,
  obj,
  pod,
  podRule,
  RESTRICTED_CONTAINER_SC,
  run,
  stateOf,
} from './fixtures';

const podLike = (spec: Record<string, unknown>, annotations?: Record<string, string>): PodLike => ({
  metadata: { name: 'p', namespace: 'x', ...(annotations ? { annotations } : {}) },
  spec,
});
const ids = (vs: readonly { id: string }[]) => vs.map((v) => v.id);

describe('Pod Security Standards evaluator (kubernetes/pod-security-admission)', () => {
  const noSeccomp = {
    containers: [{ name: 'app', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true } }],
  };

  it('requires a seccomp profile, dropped capabilities and non-root in restricted', () => {
    expect(ids(evaluatePodSecurity('restricted', 28, podLike(noSeccomp)))).toEqual(['seccompProfile_restricted']);
    expect(ids(evaluatePodSecurity('restricted', 28, podLike({ containers: [{ name: 'app' }] })))).toEqual([
      'allowPrivilegeEscalation',
      'capabilities_restricted',
      'runAsNonRoot',
      'seccompProfile_restricted',
    ]);
    expect(evaluatePodSecurity('restricted', 28, podLike({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, ...noSeccomp }))).toEqual([]);
  });

  it('lets restricted checks override their baseline counterparts', () => {
    const adds = podLike({
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'app', securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } } }],
    });
    expect(ids(evaluatePodSecurity('restricted', 28, adds))).toEqual(['capabilities_restricted']);
    expect(ids(evaluatePodSecurity('baseline', 28, adds))).toEqual(['capabilities_baseline']);
  });

  it("versions checks: sysctls allowed from v1.29, capped at the cluster's Kubernetes minor", () => {
    const sysctl = podLike({ securityContext: { sysctls: [{ name: 'net.ipv4.tcp_keepalive_time', value: '60' }] }, containers: [{ name: 'app' }] });
    expect(ids(evaluatePodSecurity('baseline', 28, sysctl))).toEqual(['sysctls']);
    expect(evaluatePodSecurity('baseline', 29, sysctl)).toEqual([]);
    expect(ids(evaluatePodSecurity('baseline', 'latest', sysctl, 28))).toEqual(['sysctls']);
    const probeHost = podLike({ containers: [{ name: 'app', readinessProbe: { httpGet: { host: '10.0.0.1', port: 80 } } }] });
    expect(evaluatePodSecurity('baseline', 28, probeHost)).toEqual([]);
    expect(ids(evaluatePodSecurity('baseline', 'latest', probeHost))).toEqual(['hostProbesAndHostLifecycle']);
  });

  it("evaluates like Kyverno's podSecurity: no overrides, and checks newer than the version still run", () => {
    const adds = podLike({
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'app', securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } } }],
    });
    expect(ids(evaluateKyvernoPodSecurity('restricted', 28, adds)).sort()).toEqual(['capabilities_baseline', 'capabilities_restricted']);
    const probeHost = podLike({ containers: [{ name: 'app', readinessProbe: { httpGet: { host: '10.0.0.1', port: 80 } } }] });
    expect(ids(evaluateKyvernoPodSecurity('baseline', 28, probeHost))).toEqual(['hostProbesAndHostLifecycle']);
  });
});

describe('admission/pod-security', () => {
  const app = 'dev-core';

  it('reports a pod without seccompProfile in a restricted namespace', () => {
    const d = deployment('api', 'ceres', {
      securityContext: { runAsNonRoot: true },
      containers: [container('app', undefined, { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true } })],
    });
    const findings = run(podSecurity, stateOf({ objects: [obj(namespace('ceres', 'restricted'), app), obj(d, app)] }));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: 'admission/pod-security', object: 'Deployment ceres/api', file: 'dev/core/objects.yaml' });
    expect(findings[0].message).toContain('restricted:v1.28');
    expect(findings[0].message).toContain('seccompProfile');
  });

  it('reports a hostPath volume in a baseline namespace, and accepts it in a privileged one', () => {
    const d = (ns: string) => deployment('agent', ns, { volumes: [{ name: 'logs', hostPath: { path: '/var/log' } }] });
    const baseline = run(podSecurity, stateOf({ objects: [obj(namespace('gw', 'baseline'), app), obj(d('gw'), app)] }));
    expect(baseline).toHaveLength(1);
    expect(baseline[0].message).toContain('hostPath volumes');
    expect(run(podSecurity, stateOf({ objects: [obj(namespace('agents', 'privileged'), app), obj(d('agents'), app)] }))).toEqual([]);
  });

  it('reports a workload whose namespace has no Namespace object', () => {
    const findings = run(podSecurity, stateOf({ objects: [obj(deployment('api', 'nowhere'), app)] }));
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('namespace nowhere');
  });

  it('accepts a restricted pod template, an unlabelled namespace (privileged by default) and kube-system', () => {
    const root = { securityContext: null, containers: [{ name: 'x', image: 'busybox:1', securityContext: { privileged: true } }] };
    const state = stateOf({
      objects: [
        obj(namespace('ceres', 'restricted'), app),
        obj(deployment('api', 'ceres'), app),
        obj(namespace('legacy'), app),
        obj(deployment('old', 'legacy', root), app),
        obj(deployment('ds', 'kube-system', root), app),
      ],
    });
    expect(run(podSecurity, state)).toEqual([]);
  });

  it('checks the injected sidecar: without a pod-level seccomp profile istio-proxy has none in a restricted namespace', () => {
    // Every container of the template sets seccomp itself; the injected proxy does not.
    const d = deployment('api', 'ceres', { securityContext: { runAsNonRoot: true } });
    const { release, appObject } = istiod({ cni: { enabled: true } });
    const ns = obj(namespace('ceres', 'restricted', { 'istio-injection': 'enabled' }), app);
    const findings = run(podSecurity, stateOf({ objects: [appObject, ns, obj(d, app)], releases: [release] }));
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('"istio-proxy", "istio-validation"');
    expect(findings[0].message).toContain('seccompProfile (pod or containers "istio-validation", "istio-proxy" must set securityContext.seccompProfile.type');
    expect(findings[0].fix).toContain('global.proxy.seccompProfile');
    // Fixed by the istiod values...
    const { release: fixed, appObject: fixedApp } = istiod({ cni: { enabled: true }, global: { proxy: { seccompProfile: { type: 'RuntimeDefault' } } } });
    expect(run(podSecurity, stateOf({ objects: [fixedApp, ns, obj(d, app)], releases: [fixed] }))).toEqual([]);
    // ...or by opting the pod out of injection.
    const optOut = deployment('api', 'ceres', { securityContext: { runAsNonRoot: true }, labels: { 'sidecar.istio.io/inject': 'false' } });
    expect(run(podSecurity, stateOf({ objects: [appObject, ns, obj(optOut, app)], releases: [release] }))).toEqual([]);
  });

  it('reports istio-init when the istiod values enable CNI the pre-1.24 way (pilot.cni.enabled)', () => {
    const { release, appObject } = istiod({ pilot: { cni: { enabled: true } } });
    const ns = obj(namespace('ceres', 'restricted', { 'istio-injection': 'enabled' }), app);
    const findings = run(podSecurity, stateOf({ objects: [appObject, ns, obj(deployment('api', 'ceres'), app)], releases: [release] }));
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('"istio-init" must not include "NET_ADMIN", "NET_RAW"');
    expect(findings[0].fix).toContain('cni: { enabled: true }');
    expect(findings[0].fix).toContain('ignores `pilot.cni.enabled`');
  });
});

describe('Istio injection model (istio 1.30.3 injection-template.yaml)', () => {
  const restrictedPod: PodLike = {
    metadata: { name: 'p', labels: { app: 'api' } },
    spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [container()] },
  };

  it("builds the proxy image from the chart's published hub and tag, and the release values", () => {
    expect(istioInjectionModel(istiod().release).proxyImage).toBe('registry.istio.io/release/proxyv2:1.30.3');
    expect(istioInjectionModel(istiod({ global: { hub: 'docker.io/istio', tag: '1.30.3', variant: 'distroless' } }).release).proxyImage).toBe(
      'docker.io/istio/proxyv2:1.30.3-distroless',
    );
  });

  it('injects istio-init (NET_ADMIN) without CNI, istio-validation with it', () => {
    const off = injectIstioSidecar(restrictedPod, 'ceres', { 'istio-injection': 'enabled' }, [istioInjectionModel(istiod().release)]);
    expect(off.injected).toEqual(['istio-init', 'istio-proxy']);
    expect(off.pod.spec.initContainers[0].securityContext).toMatchObject({
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'] },
      runAsUser: 0,
      runAsNonRoot: false,
    });
    const on = injectIstioSidecar(restrictedPod, 'ceres', { 'istio-injection': 'enabled' }, [istioInjectionModel(istiod({ cni: { enabled: true } }).release)]);
    expect(on.injected).toEqual(['istio-proxy', 'istio-validation']);
    expect(on.pod.spec.containers.map((c: { name: string }) => c.name)).toEqual(['app', 'istio-proxy']);
  });

  it('injects only in selected namespaces, honours opt-outs, and uses native sidecars from Kubernetes 1.33', () => {
    const model = istioInjectionModel(istiod().release);
    expect(injectIstioSidecar(restrictedPod, 'plain', {}, [model]).injected).toEqual([]);
    expect(
      injectIstioSidecar(
        { ...restrictedPod, metadata: { ...restrictedPod.metadata, annotations: { 'sidecar.istio.io/inject': 'false' } } },
        'ceres',
        { 'istio-injection': 'enabled' },
        [model],
      ).injected,
    ).toEqual([]);
    expect(injectIstioSidecar(restrictedPod, 'ceres', { 'istio.io/rev': 'default' }, [model]).injected).toContain('istio-proxy');
    expect(
      injectIstioSidecar({ ...restrictedPod, spec: { ...restrictedPod.spec, hostNetwork: true } }, 'ceres', { 'istio-injection': 'enabled' }, [model]).injected,
    ).toEqual([]);
    const native = istioInjectionModel(istiod().release, {
      name: 'c',
      cloud: 'aws',
      role: 'primary',
      region: 'r',
      baseDomain: 'd',
      kubernetesVersion: '1.33',
      nodePools: [],
    });
    const injected = injectIstioSidecar(restrictedPod, 'ceres', { 'istio-injection': 'enabled' }, [native]);
    expect(injected.pod.spec.initContainers.find((c: { name: string }) => c.name === 'istio-proxy').restartPolicy).toBe('Always');
  });
});

describe('Kyverno pattern semantics (kyverno v1.19.0 pkg/engine)', () => {
  it('matches wildcards, negation, alternatives, `?*` and comparisons', () => {
    expect(wildcardMatch('registry.ceres.io/*', 'registry.ceres.io/a/b:1')).toBe(true);
    expect(wildcardMatch('?', '')).toBe(false);
    expect(patternMatches('nginx:1.2', '*:*')).toBe(true);
    expect(patternMatches('nginx:latest', '!*:latest')).toBe(false);
    expect(patternMatches('ghcr.io/x/y:1', 'docker.io/* | ghcr.io/*')).toBe(true);
    expect(patternMatches('', '?*')).toBe(false);
    expect(patternMatches(undefined, '?*')).toBe(false);
    expect(patternMatches('500m', '<=1')).toBe(true);
    expect(patternMatches('2Gi', '>1Gi')).toBe(true);
    expect(patternMatches(8080, '1024-65535')).toBe(true);
    expect(patternMatches('30s', '<1m')).toBe(true);
    expect(patternMatches(3, '>1 & <5')).toBe(true);
  });

  it('applies anchors: equality, negation, existence, conditional and global', () => {
    const podOf = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec });
    const eq = { spec: { '=(hostNetwork)': false } };
    expect(matchPattern(podOf({}), eq).status).toBe('pass');
    expect(matchPattern(podOf({ hostNetwork: true }), eq).status).toBe('fail');
    const neg = { spec: { 'X(hostPID)': 'null' } };
    expect(matchPattern(podOf({ hostPID: true }), neg).status).toBe('fail');
    expect(matchPattern(podOf({}), neg).status).toBe('pass');
    const exists = { spec: { '^(containers)': [{ name: 'sidecar' }] } };
    expect(matchPattern(podOf({ containers: [{ name: 'app' }, { name: 'sidecar' }] }), exists).status).toBe('pass');
    expect(matchPattern(podOf({ containers: [{ name: 'app' }] }), exists).status).toBe('fail');
    // Conditional: only containers whose image is from docker.io must pin a tag.
    const cond = { spec: { containers: [{ '(image)': 'docker.io/*', image: '*:?*' }] } };
    expect(matchPattern(podOf({ containers: [{ image: 'registry.ceres.io/app' }] }), cond).status).toBe('skip');
    expect(matchPattern(podOf({ containers: [{ image: 'docker.io/nginx' }] }), cond).status).toBe('fail');
    // Global: the whole pattern applies only when some container comes from docker.io.
    const global = { spec: { containers: [{ '<(image)': 'docker.io/*' }], imagePullSecrets: [{ name: 'regcred' }] } };
    expect(matchPattern(podOf({ containers: [{ image: 'ghcr.io/a' }] }), global).status).toBe('skip');
    expect(matchPattern(podOf({ containers: [{ image: 'docker.io/a' }] }), global).status).toBe('fail');
    expect(matchPattern(podOf({ containers: [{ image: 'docker.io/a' }], imagePullSecrets: [{ name: 'regcred' }] }), global).status).toBe('pass');
  });
});

describe('admission/kyverno', () => {
  const app = 'dev-core';
  const kyv = kyvernoRelease();
  const registries = clusterPolicy('allowed-registries', [
    podRule(
      'allowed-registries',
      {
        message: 'Images must come from an allowed registry.',
        pattern: {
          spec: {
            '=(initContainers)': [{ image: 'registry.ceres.io/* | docker.io/istio/*' }],
            containers: [{ image: 'registry.ceres.io/* | docker.io/istio/*' }],
          },
        },
      },
      { namespaces: ['ceres', 'tenant-*'] },
    ),
  ]);
  const resources = (action = 'Enforce') =>
    clusterPolicy('require-resources', [
      podRule(
        'requests-and-limits',
        {
          failureAction: action,
          pattern: { spec: { containers: [{ resources: { requests: { cpu: '?*', memory: '?*' }, limits: { cpu: '?*', memory: '?*' } } }] } },
        },
        {},
        { namespaces: ['kube-system', 'monitoring'] },
      ),
    ]);
  const base = (...more: ReturnType<typeof obj>[]) => [
    kyv.appObject,
    obj(namespace('ceres', 'restricted'), app),
    obj(namespace('monitoring', 'privileged'), app),
    ...more,
  ];

  it('reports an image from a registry the policy disallows (the Deployment, through autogen)', () => {
    const d = deployment('api', 'ceres', { containers: [container('app', 'quay.io/acme/api:1.0.0')] });
    const findings = run(kyverno, stateOf({ objects: base(obj(registries, 'dev-policies'), obj(d, app)), releases: [kyv.release] }));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: 'admission/kyverno', object: 'Deployment ceres/api' });
    expect(findings[0].message).toContain('rule autogen-allowed-registries (Enforce) refuses Deployment ceres/api');
    expect(findings[0].message).toContain('/spec/template/spec/containers/0/image/');
  });

  it('reports a container without resources under Enforce, not under Audit', () => {
    const d = deployment('api', 'ceres', { containers: [{ name: 'app', image: 'registry.ceres.io/api:1', securityContext: RESTRICTED_CONTAINER_SC }] });
    const enforced = run(kyverno, stateOf({ objects: base(obj(resources(), 'dev-policies'), obj(d, app)), releases: [kyv.release] }));
    expect(enforced).toHaveLength(1);
    expect(enforced[0].message).toContain('requests-and-limits');
    expect(run(kyverno, stateOf({ objects: base(obj(resources('Audit'), 'dev-policies'), obj(d, app)), releases: [kyv.release] }))).toEqual([]);
  });

  it('applies autogen to controllers (CronJob through jobTemplate), unless the autogen annotation says otherwise', () => {
    const bare = [{ name: 'app', image: 'registry.ceres.io/job:1' }];
    const cj = cronJob('report', 'ceres', { containers: bare });
    const findings = run(kyverno, stateOf({ objects: base(obj(resources(), 'dev-policies'), obj(cj, app)), releases: [kyv.release] }));
    expect(findings.map((f) => f.message.split(' (')[0])).toEqual(['ClusterPolicy require-resources rule autogen-cronjob-requests-and-limits']);
    // With autogen limited to Deployments, the CronJob itself is admitted but its pods are refused.
    const limited = resources();
    const annotated = { ...limited, metadata: { ...limited.metadata, annotations: { 'pod-policies.kyverno.io/autogen-controllers': 'Deployment' } } };
    expect(kyvernoRulesFor(annotated, 'CronJob').map((r) => r.name)).toEqual(['requests-and-limits']);
    const podLevel = run(kyverno, stateOf({ objects: base(obj(annotated, 'dev-policies'), obj(cj, app)), releases: [kyv.release] }));
    expect(podLevel).toHaveLength(1);
    expect(podLevel[0].message).toContain('would refuse the pods of CronJob ceres/report');
  });

  it('passes workloads in a namespace the policy excludes', () => {
    const d = deployment('exporter', 'monitoring', { containers: [{ name: 'app', image: 'quay.io/prom/node-exporter:1' }] });
    expect(run(kyverno, stateOf({ objects: base(obj(resources(), 'dev-policies'), obj(d, app)), releases: [kyv.release] }))).toEqual([]);
  });

  it("reports the injected sidecar's image when istiod pulls from a registry the policy does not allow", () => {
    const { release, appObject } = istiod({ cni: { enabled: true } });
    const ns = obj(namespace('ceres', 'restricted', { 'istio-injection': 'enabled' }), app);
    const objects = [kyv.appObject, appObject, ns, obj(registries, 'dev-policies'), obj(deployment('api', 'ceres'), app)];
    const findings = run(kyverno, stateOf({ objects, releases: [kyv.release, release] }));
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('would refuse the pods of Deployment ceres/api');
    expect(findings[0].message).toContain('injected: "istio-proxy", "istio-validation"');
    expect(findings[0].fix).toContain('global.hub');
    const { release: fixed, appObject: fixedApp } = istiod({ cni: { enabled: true }, global: { hub: 'docker.io/istio' } });
    expect(
      run(
        kyverno,
        stateOf({
          objects: [kyv.appObject, fixedApp, ns, obj(registries, 'dev-policies'), obj(deployment('api', 'ceres'), app)],
          releases: [kyv.release, fixed],
        }),
      ),
    ).toEqual([]);
  });

  it('delegates validate.podSecurity to the Pod Security evaluator', () => {
    const pss = clusterPolicy('pss', [podRule('restricted', { podSecurity: { level: 'restricted', version: 'v1.28' } }, {}, { namespaces: ['monitoring'] })]);
    const p = pod('debug', 'ceres', { containers: [{ name: 'sh', image: 'registry.ceres.io/sh:1', resources: {} }] });
    const findings = run(kyverno, stateOf({ objects: base(obj(pss, 'dev-policies'), obj(p, app)), releases: [kyv.release] }));
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('PodSecurity "restricted:v1.28"');
    expect(run(kyverno, stateOf({ objects: base(obj(pss, 'dev-policies'), obj(pod('ok', 'ceres'), app)), releases: [kyv.release] }))).toEqual([]);
  });

  it('reports rules it cannot evaluate once per policy, as informational', () => {
    const policy = clusterPolicy('mixed', [
      { name: 'deny-exec', match: { any: [{ resources: { kinds: ['Pod'] } }] }, validate: { failureAction: 'Enforce', deny: { conditions: { any: [] } } } },
      { name: 'verify', match: { any: [{ resources: { kinds: ['Pod'] } }] }, verifyImages: [{ imageReferences: ['*'] }] },
    ]);
    const findings = run(kyverno, stateOf({ objects: base(obj(policy, 'dev-policies')), releases: [kyv.release] }));
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toMatch(/^\(informational\) rules of ClusterPolicy mixed .*deny-exec \(validate\.deny\); verify \(verifyImages\)/);
  });

  it('ignores policies on clusters without Kyverno', () => {
    const d = deployment('api', 'ceres', { containers: [container('app', 'quay.io/acme/api:1.0.0')] });
    expect(run(kyverno, stateOf({ objects: [obj(namespace('ceres', 'restricted'), app), obj(registries, 'dev-policies'), obj(d, app)] }))).toEqual([]);
  });
});
