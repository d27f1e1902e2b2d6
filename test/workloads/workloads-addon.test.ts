import { Chart } from 'cdk8s';
import { RenderedObject } from '../../lib/core/checks';
import { tenantNames } from '../../lib/core/names';
import { ServiceCatalog, workloadName } from '../../lib/core/services';
import { PLATFORM_PRIORITY_CLASS } from '../../lib/quotas/tier-priority-classes';
import { WorkloadsAddOn } from '../../lib/workloads';
import { imagePinProblem } from '../../lib/workloads/image-reference';
import { SecureWorkload } from '../../lib/workloads/secure-workload';
import { pdbSelectsWorkload, serviceSelectsWorkload } from '../../lib/workloads/workload-checks';
import {
  baseAddOns,
  FIXTURE_INPUT,
  FIXTURE_SERVICES,
  fixturePlatform,
  HA_SIZING,
  ofKind,
  renderAddOns,
  SMALL_SIZING,
  synthProblems,
  testApp,
  withService,
  yamlFiles,
} from '../support/harness';

/**
 * The workloads add-on: every service of the catalog as a CatalogService (ServiceAccount, one
 * SecureWorkload per version with its PDB and HPA, a Service unless Flagger owns the rollout), in the
 * folder of its namespace.
 */
const addOns = () => [...baseAddOns(), new WorkloadsAddOn()];
const out = renderAddOns(addOns());
const small = renderAddOns(addOns(), { platform: fixturePlatform({ env: 'dev', sizing: SMALL_SIZING }) });
const ENV = out.environment.name;
const core = FIXTURE_SERVICES.services.filter((s) => s.namespace === 'ceres');
const deployments = ofKind(out, 'Deployment', 'ceres');
const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('workloads of the service catalog', () => {
  it('renders one Deployment per version, named workloadName (the service name for a Flagger rollout), in the core folder', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(core.flatMap((s) => s.versions.map((v) => workloadName(s, v))).sort());
    expect(deployments.map((d) => d.metadata.name)).toContain('api-server');
    expect(out.objects.filter((o) => o.manifest.kind === 'Deployment' && o.file === `${ENV}/core/workloads.yaml`)).toHaveLength(deployments.length);
    expect(deployments.find((d) => d.metadata.name === 'api-v2')!.spec.template.metadata.labels).toMatchObject({ app: 'api', version: 'v2' });
  });

  it('leaves the Service of a Flagger rollout to Flagger, and gives every other service one', () => {
    expect(
      ofKind(out, 'Service', 'ceres')
        .map((s) => s.metadata.name)
        .sort(),
    ).toEqual(
      core
        .filter((s) => s.rollout !== 'flagger')
        .map((s) => s.name)
        .sort(),
    );
    // Flagger derives its Services from the Deployment's selector: app alone.
    expect(deployments.find((d) => d.metadata.name === 'api-server')!.spec.selector.matchLabels).toEqual({ app: 'api-server' });
  });

  it('gives every Service a workload in its namespace and a port some selected container declares', () => {
    for (const s of ofKind(out, 'Service', 'ceres')) {
      const selected = deployments.filter((d) => selects(s.spec.selector, d.spec.template.metadata.labels));
      expect({ service: s.metadata.name, selected: selected.length > 0 }).toEqual({ service: s.metadata.name, selected: true });
      for (const p of s.spec.ports) {
        expect(p.name).toBe('http');
        const declared = selected.every((d) =>
          d.spec.template.spec.containers.some((c: any) => c.ports.some((cp: any) => cp.name === p.targetPort || cp.containerPort === p.targetPort)),
        );
        expect({ service: s.metadata.name, declared }).toEqual({ service: s.metadata.name, declared: true });
      }
    }
  });

  it('points every PDB and HPA at its own Deployment', () => {
    for (const d of deployments) {
      const pdb = ofKind(out, 'PodDisruptionBudget', 'ceres').find((p) => p.metadata.name === d.metadata.name)!;
      expect(selects(pdb.spec.selector.matchLabels, d.spec.template.metadata.labels)).toBe(true);
      const hpa = ofKind(out, 'HorizontalPodAutoscaler', 'ceres').find((h) => h.metadata.name === d.metadata.name)!;
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name });
    }
  });

  it("scales by the service's replicas and CPU target, else by the environment's sizing; the HPA owns replicas", () => {
    const hpa = (r: typeof out, name: string) => ofKind(r, 'HorizontalPodAutoscaler', 'ceres').find((h) => h.metadata.name === name)!;
    const apiServer = core.find((s) => s.name === 'api-server')!;
    expect(apiServer.replicas).toBeUndefined();
    expect([hpa(out, 'api-server').spec.minReplicas, hpa(out, 'api-server').spec.maxReplicas]).toEqual([
      HA_SIZING.coreServices.min,
      HA_SIZING.coreServices.max,
    ]);
    expect([hpa(small, 'api-server').spec.minReplicas, hpa(small, 'api-server').spec.maxReplicas]).toEqual([
      SMALL_SIZING.coreServices.min,
      SMALL_SIZING.coreServices.max,
    ]);
    expect(hpa(out, 'api-server').spec.metrics[0].resource.target.averageUtilization).toBe(apiServer.targetCpuPercent);
    const api = core.find((s) => s.name === 'api')!;
    expect([hpa(out, 'api-v1').spec.minReplicas, hpa(out, 'api-v1').spec.maxReplicas]).toEqual([api.replicas!.min, api.replicas!.max]);
    for (const d of deployments) expect(d.spec.replicas).toBeUndefined();
  });

  it('passes the restricted profile by construction on every container, with probes, resources and pinned images', () => {
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.priorityClassName).toBe(PLATFORM_PRIORITY_CLASS.name);
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
        expect(c.readinessProbe).toBeDefined();
        expect(c.livenessProbe).toBeDefined();
        expect(c.resources.requests.cpu).toBeDefined();
        expect(c.resources.limits.memory).toBeDefined();
        expect(imagePinProblem(c.image)).toBeUndefined();
      }
      expect(d.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: '25%' });
      expect(pod.topologySpreadConstraints.map((t: any) => t.topologyKey)).toContain('topology.kubernetes.io/zone');
    }
    expect(deployments.find((d) => d.metadata.name === 'api-server')!.spec.template.spec.containers[0].resources).toEqual(
      core.find((s) => s.name === 'api-server')!.resources,
    );
  });

  it('runs each service as its own account, without token automount', () => {
    const accounts = ofKind(out, 'ServiceAccount', 'ceres');
    for (const s of core) expect(accounts.find((a) => a.metadata.name === s.name)!.automountServiceAccountToken).toBe(false);
    for (const d of deployments) expect(accounts.map((a) => a.metadata.name)).toContain(d.spec.template.spec.serviceAccountName);
  });

  it('matches the reviewed workloads of the core services', () => {
    expect(yamlFiles(out, new RegExp(`^${ENV}/core/workloads\\.yaml$`))).toMatchSnapshot();
  });
});

describe('image pinning', () => {
  it.each([
    ['registry.example.test/x/app', 'no tag'],
    ['registry.example.test/x/app:latest', 'mutable tag'],
    ['registry.example.test:5000/x/app', 'no tag'],
  ])('rejects %s', (image, why) => expect(imagePinProblem(image)).toContain(why));

  it.each(['registry.example.test/x/app:1.2.3', `registry.example.test/x/app@sha256:${'a'.repeat(64)}`, 'registry.example.test:5000/x/app:2'])(
    'accepts %s',
    (image) => expect(imagePinProblem(image)).toBeUndefined(),
  );

  it('refuses the synth for a catalog service on latest, with the construct path', () => {
    const catalog = withService(FIXTURE_SERVICES, 'web', (s) => ({ ...s, versions: [{ name: 'v1', image: 'registry.example.test/ceres/web:latest' }] }));
    const problems = synthProblems(() => renderAddOns(addOns(), { services: catalog }));
    expect(problems.join('\n')).toMatch(/core\/workloads\/web\/v1: web-v1: image "registry.example.test\/ceres\/web:latest" uses the mutable tag "latest"/);
  });

  it('requires two replicas for a highly available workload', () => {
    const chart = new Chart(testApp(), 'c');
    const w = new SecureWorkload(chart, 'w', {
      name: 'w',
      namespace: 'ceres',
      image: 'r/x:1',
      port: 80,
      podLabels: { app: 'w' },
      serviceAccountName: 'w',
      replicas: { min: 1, max: 3 },
      ha: true,
    });
    expect(w.node.validate().join()).toContain('at least 2 replicas');
  });
});

describe('tenant workloads', () => {
  const tenant = FIXTURE_INPUT.tenants[0];
  const ns = tenantNames(tenant.tenantId).namespace;
  const withTenantService = (namespace: string): ServiceCatalog => ({
    ...FIXTURE_SERVICES,
    services: [
      ...FIXTURE_SERVICES.services,
      {
        name: 'shop',
        namespace,
        port: 9000,
        protocol: 'grpc',
        versions: [{ name: 'v1', image: 'registry.example.test/shop:1.0.0' }],
        replicas: { min: 2, max: 4 },
      },
    ],
  });

  it('go to the tenant folder, with the tenant labels its admission policy requires and no platform priority', () => {
    const rendered = renderAddOns(addOns(), { services: withTenantService(ns) });
    const shop = rendered.objects.find((o) => o.manifest.kind === 'Deployment' && o.manifest.metadata.name === 'shop-v1')!;
    expect(shop.file).toBe(`${ENV}/${ns}/workloads.yaml`);
    expect(shop.manifest.spec.template.metadata.labels).toMatchObject({
      app: 'shop',
      version: 'v1',
      'ceres.io/tenant': tenant.tenantId,
      'ceres.io/tier': tenant.subscriptionLevel,
    });
    expect(shop.manifest.spec.template.spec.priorityClassName).toBeUndefined();
    expect(shop.manifest.spec.template.spec.containers[0].readinessProbe.grpc).toEqual({ port: 9000 });
    expect(rendered.objects.find((o) => o.manifest.kind === 'Service' && o.manifest.metadata.name === 'shop')!.manifest.spec.ports[0].name).toBe('grpc');
  });

  it('skip the services of a tenant not deployed to the environment, as the mesh does (they run where the tenant runs)', () => {
    const absent = { ...tenant, environments: ['prod' as const] };
    const rendered = renderAddOns(addOns(), { services: withTenantService(ns), input: { ...FIXTURE_INPUT, tenants: [absent] } });
    expect(rendered.objects.filter((o) => o.manifest.metadata.namespace === ns)).toEqual([]);
    // The ceres services still render.
    expect(rendered.objects.some((o) => o.manifest.kind === 'Deployment' && o.manifest.metadata.namespace === 'ceres')).toBe(true);
  });
});

describe('workload checks', () => {
  const at = (manifest: any): RenderedObject => ({ environment: 'staging', folder: 'core', file: 'staging/core/w.yaml', manifest });
  const deployment = at({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'a', namespace: 'ceres' },
    spec: { template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] } } },
  });

  it('hold for what the add-on renders', () => {
    expect(serviceSelectsWorkload.check(out.objects)).toEqual([]);
    expect(pdbSelectsWorkload.check(out.objects)).toEqual([]);
  });

  it('flag a Service selecting nothing, or a port no container declares', () => {
    const orphan = at({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'b', namespace: 'ceres' },
      spec: { selector: { app: 'b' }, ports: [{ port: 80, targetPort: 'http' }] },
    });
    const wrongPort = at({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'a', namespace: 'ceres' },
      spec: { selector: { app: 'a' }, ports: [{ name: 'grpc', port: 9090, targetPort: 9090 }] },
    });
    const good = at({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'a2', namespace: 'ceres' },
      spec: { selector: { app: 'a' }, ports: [{ port: 80, targetPort: 'http' }] },
    });
    const problems = serviceSelectsWorkload.check([deployment, orphan, wrongPort, good]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('matches the pods of no workload');
    expect(problems[1]).toContain('which no selected container declares');
  });

  it('flag a PDB that protects nothing', () => {
    const pdb = at({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'p', namespace: 'ceres' },
      spec: { selector: { matchLabels: { app: 'nope' } } },
    });
    expect(pdbSelectsWorkload.check([deployment, pdb])[0]).toContain('would protect nothing');
  });
});
