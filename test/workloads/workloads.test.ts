import { Chart, Testing } from 'cdk8s';
import { buildEnvironment, platformAddOns } from '../../apps/platform/main';
import { serviceCatalog } from '../../apps/platform/services';
import { RenderedObject } from '../../lib/core/checks';
import { SynthError } from '../../lib/core/errors';
import { renderEnvironment } from '../../lib/core/render';
import { ServiceCatalog } from '../../lib/core/services';
import { imagePinProblem } from '../../lib/workloads/image-reference';
import { SecureWorkload } from '../../lib/workloads/secure-workload';
import { pdbSelectsWorkload, serviceSelectsWorkload } from '../../lib/workloads/workload-checks';
import { exampleInput, manifests, platform, render } from '../tenants/render-helpers';

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('workloads of the service catalog', () => {
  const prod = render('prod').objects;
  const dev = render('dev').objects;
  const deployments = manifests(prod, 'Deployment', 'ceres');

  it('renders one Deployment per version, named workloadName, and one per Flagger service', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['api-server', 'api-v1', 'api-v2', 'web-v1']);
    const v2 = deployments.find((d) => d.metadata.name === 'api-v2')!;
    expect(v2.spec.template.metadata.labels).toEqual({ app: 'api', version: 'v2' });
  });

  it('leaves the Service of a Flagger rollout to Flagger, and gives every other service one', () => {
    expect(manifests(prod, 'Service', 'ceres').map((s) => s.metadata.name).sort()).toEqual(['api', 'web']);
    expect(deployments.find((d) => d.metadata.name === 'api-server')!.spec.selector.matchLabels).toEqual({ app: 'api-server' });
  });

  it('every Service selects a workload in its namespace and targets a declared container port', () => {
    for (const s of manifests(prod, 'Service', 'ceres')) {
      const selected = deployments.filter((d) => selects(s.spec.selector, d.spec.template.metadata.labels));
      expect({ service: s.metadata.name, selected: selected.length > 0 }).toEqual({ service: s.metadata.name, selected: true });
      for (const p of s.spec.ports) {
        expect(p.name).toBe('http');
        const declared = selected.every((d) => d.spec.template.spec.containers.some((c: any) => c.ports.some((cp: any) => cp.name === p.targetPort || cp.containerPort === p.targetPort)));
        expect({ service: s.metadata.name, declared }).toEqual({ service: s.metadata.name, declared: true });
      }
    }
  });

  it('every PDB and HPA targets its own Deployment', () => {
    for (const d of deployments) {
      const pdb = manifests(prod, 'PodDisruptionBudget', 'ceres').find((p) => p.metadata.name === d.metadata.name)!;
      expect(selects(pdb.spec.selector.matchLabels, d.spec.template.metadata.labels)).toBe(true);
      const hpa = manifests(prod, 'HorizontalPodAutoscaler', 'ceres').find((h) => h.metadata.name === d.metadata.name)!;
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name });
    }
  });

  it('scales api-server 3-20 at 70% CPU in prod and by the dev sizing in dev; the HPA owns replicas', () => {
    const hpa = (objects: readonly RenderedObject[]) => manifests(objects, 'HorizontalPodAutoscaler', 'ceres').find((h) => h.metadata.name === 'api-server')!;
    expect([hpa(prod).spec.minReplicas, hpa(prod).spec.maxReplicas]).toEqual([3, 20]);
    expect(hpa(prod).spec.metrics[0].resource.target.averageUtilization).toBe(70);
    expect([hpa(dev).spec.minReplicas, hpa(dev).spec.maxReplicas]).toEqual([1, 3]);
    for (const d of deployments) expect(d.spec.replicas).toBeUndefined();
  });

  it('passes the restricted profile by construction on every container', () => {
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
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
    const apiServer = deployments.find((d) => d.metadata.name === 'api-server')!.spec.template.spec.containers[0];
    expect(apiServer.resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2000m', memory: '1Gi' } });
  });

  it('gives each service an account without token automount', () => {
    const accounts = manifests(prod, 'ServiceAccount', 'ceres');
    for (const name of ['api-server', 'api', 'web']) expect(accounts.find((a) => a.metadata.name === name)!.automountServiceAccountToken).toBe(false);
  });
});

describe('image pinning', () => {
  it.each([
    ['registry.ceres.io/x/app', 'no tag'],
    ['registry.ceres.io/x/app:latest', 'mutable tag'],
    ['registry.ceres.io:5000/x/app', 'no tag'],
  ])('rejects %s', (image, why) => expect(imagePinProblem(image)).toContain(why));

  it.each(['registry.ceres.io/x/app:1.2.3', `registry.ceres.io/x/app@sha256:${'a'.repeat(64)}`, 'registry.ceres.io:5000/x/app:2'])('accepts %s', (image) =>
    expect(imagePinProblem(image)).toBeUndefined(),
  );

  it('refuses the synth for a catalog service on latest, with the construct path', () => {
    const catalog: ServiceCatalog = {
      ...serviceCatalog,
      services: serviceCatalog.services.map((s) => (s.name === 'web' ? { ...s, versions: [{ name: 'v1', image: 'registry.ceres.io/ceres/web:latest' }] } : s)),
    };
    const output = buildEnvironment(platform, exampleInput(), 'prod', platformAddOns(), catalog);
    expect(() => renderEnvironment(output)).toThrow(SynthError);
    try {
      renderEnvironment(output);
    } catch (e) {
      expect((e as SynthError).problems.join('\n')).toMatch(/core\/workloads\/web\/v1: web-v1: image "registry.ceres.io\/ceres\/web:latest" uses the mutable tag "latest"/);
    }
  });

  it('requires two replicas for a highly available workload', () => {
    const chart = new Chart(Testing.app(), 'c');
    const w = new SecureWorkload(chart, 'w', { name: 'w', namespace: 'ceres', image: 'r/x:1', port: 80, podLabels: { app: 'w' }, serviceAccountName: 'w', replicas: { min: 1, max: 3 }, ha: true });
    expect(w.node.validate().join()).toContain('at least 2 replicas');
  });
});

describe('workload checks', () => {
  const at = (manifest: any): RenderedObject => ({ environment: 'prod', folder: 'core', file: 'prod/core/w.yaml', manifest });
  const deployment = at({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'a', namespace: 'ceres' },
    spec: { template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] } } },
  });

  it('flags a Service selecting nothing, or a port no container declares', () => {
    const orphan = at({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'b', namespace: 'ceres' }, spec: { selector: { app: 'b' }, ports: [{ port: 80, targetPort: 'http' }] } });
    const wrongPort = at({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'ceres' }, spec: { selector: { app: 'a' }, ports: [{ name: 'grpc', port: 9090, targetPort: 9090 }] } });
    const good = at({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a2', namespace: 'ceres' }, spec: { selector: { app: 'a' }, ports: [{ port: 80, targetPort: 'http' }] } });
    const problems = serviceSelectsWorkload.check([deployment, orphan, wrongPort, good]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('matches the pods of no workload');
    expect(problems[1]).toContain('which no selected container declares');
  });

  it('flags a PDB that protects nothing', () => {
    const pdb = at({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p', namespace: 'ceres' }, spec: { selector: { matchLabels: { app: 'nope' } } } });
    expect(pdbSelectsWorkload.check([deployment, pdb])[0]).toContain('would protect nothing');
  });
});

describe('tenant workloads', () => {
  const withTenantService = (namespace: string): ServiceCatalog => ({
    ...serviceCatalog,
    services: [...serviceCatalog.services, { name: 'shop', namespace, port: 9000, protocol: 'grpc', versions: [{ name: 'v1', image: 'ghcr.io/ceres-platform/shop:1.0.0' }], replicas: { min: 2, max: 4 } }],
  });

  it('go to the tenant folder, with the tenant labels its admission policy requires', () => {
    const addOns = platformAddOns();
    const rendered = renderEnvironment(buildEnvironment(platform, exampleInput(), 'prod', addOns, withTenantService('tenant-acme-001')), addOns.flatMap((a) => a.checks ?? []));
    const shop = rendered.objects.find((o) => o.manifest.kind === 'Deployment' && o.manifest.metadata.name === 'shop-v1')!;
    expect(shop.file).toBe('prod/tenant-acme-001/workloads.yaml');
    expect(shop.manifest.spec.template.metadata.labels).toMatchObject({ app: 'shop', version: 'v1', 'ceres.io/tenant': 'acme-001' });
    expect(shop.manifest.spec.template.spec.containers[0].readinessProbe.grpc).toEqual({ port: 9000 });
    const svc = rendered.objects.find((o) => o.manifest.kind === 'Service' && o.manifest.metadata.name === 'shop')!;
    expect(svc.manifest.spec.ports[0].name).toBe('grpc');
  });

  it('refuse a namespace no add-on guards', () => {
    expect(() => buildEnvironment(platform, exampleInput(), 'dev', platformAddOns(), withTenantService('tenant-globex-002'))).toThrow(/has no folder in dev/);
  });
});
