import { SyncWave } from '../../lib/core/argocd';
import { KubeManifest } from '../../lib/core/checks';
import { ISTIO_VERSION } from '../../lib/mesh';
import { platform } from '../../apps/platform/platform';
import { TracingBackend } from '../../lib/observability/monitoring-stack';
import { find, renderMesh } from './support/build';
import { traitsOf } from '../../lib/core/topology';

const prod = renderMesh('prod');
const dev = renderMesh('dev');

/** `<cluster>-<chart>` → the chart's Application in that cluster's app of apps (each cluster runs its own Argo CD). */
function helmApp(objects: typeof prod.objects, name: string): KubeManifest {
  const cluster = platform.environments.flatMap((e) => e.clusters).find((c) => name.startsWith(`${c.name}-`))!;
  const chart = name.slice(cluster.name.length + 1);
  const found = objects.filter((o) => o.cluster === cluster.name && o.manifest.kind === 'Application' && o.manifest.metadata.name === chart && o.folder.endsWith('/argocd'));
  if (found.length !== 1) throw new Error(`expected one Application ${chart} for ${cluster.name}, found ${found.length}`);
  return found[0].manifest;
}
const meshClusters = (env: string) => platform.environments.find((e) => e.name === env)!.clusters.filter((c) => traitsOf(c).nodeAgents); // the sidecar mesh needs its CNI node agent
const values = (app: KubeManifest) => app.spec.source.helm.valuesObject;
const wave = (m: KubeManifest) => Number(m.metadata.annotations?.['argocd.argoproj.io/sync-wave']);

describe('the Istio control plane and gateways', () => {
  it('installs the official charts pinned to one Istio release, from the app of apps', () => {
    for (const name of ['ceres-prod-aws-istio-base', 'ceres-prod-aws-istiod', 'ceres-prod-aws-istio-ingressgateway', 'ceres-prod-aws-istio-egressgateway']) {
      const app = helmApp(prod.objects, name);
      expect(app.spec.source.repoURL).toBe('https://istio-release.storage.googleapis.com/charts');
      expect(app.spec.source.targetRevision).toBe(ISTIO_VERSION);
    }
    expect(ISTIO_VERSION).toBe('1.30.3');
    for (const c of meshClusters('prod')) expect(prod.files.has(`prod/clusters/${c.name}/argocd/istio.yaml`)).toBe(true);
  });

  it('installs the control plane in every cluster of the environment, through its Argo CD destination', () => {
    for (const cluster of meshClusters('prod')) {
      const mine = prod.objects.filter((o) => o.file === `prod/clusters/${cluster.name}/argocd/istio.yaml`).map((o) => o.manifest);
      expect(mine.map((a) => a.metadata.name).sort()).toEqual(['istio-base', 'istio-cni', 'istio-egressgateway', 'istio-ingressgateway', 'istiod']);
      for (const a of mine) expect(a.spec.destination.name).toBe('in-cluster');
    }
  });

  it('redirects traffic with the istio-cni node agent, so meshed pods pass Pod Security "restricted"', () => {
    for (const cluster of meshClusters('prod')) {
      const cni = helmApp(prod.objects, `${cluster.name}-istio-cni`);
      expect(cni.spec.source.chart).toBe('cni');
      expect(wave(cni)).toBeGreaterThan(wave(helmApp(prod.objects, `${cluster.name}-istio-base`)));
      const istiod = values(helmApp(prod.objects, `${cluster.name}-istiod`));
      expect(istiod.cni.enabled).toBe(true);
      // GKE and K3s keep CNI binaries elsewhere; the charts must be told.
      const expected = cluster.cloud === 'gcp' ? 'gke' : cluster.cloud === 'edge' ? 'k3s' : undefined;
      expect(values(cni).global.platform).toBe(expected);
      expect(istiod.global.platform).toBe(expected);
    }
    const operator = find(prod.objects, 'IstioOperator', 'ceres-prod', 'istio-system');
    expect(operator.spec.components.cni.enabled).toBe(true);
    expect(operator.spec.values.pilot.cni.enabled).toBe(true);
    expect(find(prod.objects, 'IstioOperator', 'ceres-prod-edge', 'istio-system').spec.values.global.platform).toBe('k3s');
  });

  it('sizes sidecars so they fit the smallest tier (Istio\'s default limit is 2 CPU)', () => {
    const istiod = values(helmApp(prod.objects, 'ceres-prod-aws-istiod'));
    expect(istiod.global.proxy.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(find(prod.objects, 'IstioOperator', 'ceres-prod', 'istio-system').spec.values.global.proxy.resources).toEqual(istiod.global.proxy.resources);
  });

  it('runs a single-replica control plane on edge sites, and documents it separately for istioctl', () => {
    const istiod = values(helmApp(prod.objects, 'ceres-prod-edge-lyon-istiod'));
    expect(istiod.autoscaleMin).toBe(1);
    expect(istiod.global.defaultPodDisruptionBudget.enabled).toBe(false);
    expect(values(helmApp(prod.objects, 'ceres-prod-edge-lyon-istio-ingressgateway')).autoscaling.minReplicas).toBe(1);
    const edge = find(prod.objects, 'IstioOperator', 'ceres-prod-edge', 'istio-system');
    expect(edge.spec.components.pilot.k8s.hpaSpec.minReplicas).toBe(1);
    expect(prod.files.has('prod/istioctl/istio-install-edge.yaml')).toBe(true);
  });

  it('orders base → istiod → gateways by sync wave, all before mesh policies', () => {
    const base = wave(helmApp(prod.objects, 'ceres-prod-aws-istio-base'));
    const istiod = wave(helmApp(prod.objects, 'ceres-prod-aws-istiod'));
    const ingress = wave(helmApp(prod.objects, 'ceres-prod-aws-istio-ingressgateway'));
    const egress = wave(helmApp(prod.objects, 'ceres-prod-aws-istio-egressgateway'));
    expect(base).toBe(SyncWave.operators);
    expect(istiod).toBeGreaterThan(base);
    expect(ingress).toBe(SyncWave.operatorConfig);
    expect(egress).toBe(SyncWave.operatorConfig);
    expect(istiod).toBeLessThan(ingress);
    expect(ingress).toBeLessThan(SyncWave.policies);
  });

  it('runs at least 3 istiod in prod by raising the autoscaler floor, with a disruption budget and zone spreading', () => {
    const v = values(helmApp(prod.objects, 'ceres-prod-aws-istiod'));
    expect(v.autoscaleMin).toBe(3);
    expect(v.replicaCount).toBe(3);
    expect(v.global.defaultPodDisruptionBudget.enabled).toBe(true);
    expect(v.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('topology.kubernetes.io/zone');
  });

  it('runs 3 ingress gateways in prod behind a LoadBalancer, with a disruption budget', () => {
    const v = values(helmApp(prod.objects, 'ceres-prod-aws-istio-ingressgateway'));
    expect(v.autoscaling).toMatchObject({ enabled: true, minReplicas: 3 });
    expect(v.replicaCount).toBe(3);
    expect(v.podDisruptionBudget).toEqual({ maxUnavailable: 1 });
    expect(v.service.type).toBe('LoadBalancer');
    expect(values(helmApp(prod.objects, 'ceres-prod-aws-istio-egressgateway')).service.type).toBe('ClusterIP');
  });

  it('sizes dev from its sizing: one istiod, one gateway, no disruption budget to block drains', () => {
    const istiod = values(helmApp(dev.objects, 'ceres-dev-aws-istiod'));
    expect(istiod.autoscaleMin).toBe(1);
    expect(istiod.autoscaleMax).toBe(2);
    expect(istiod.global.defaultPodDisruptionBudget.enabled).toBe(false);
    const ingress = values(helmApp(dev.objects, 'ceres-dev-aws-istio-ingressgateway'));
    expect(ingress.autoscaling.minReplicas).toBe(1);
    expect(ingress.podDisruptionBudget).toEqual({});
    expect(ingress.affinity).toEqual({});
  });

  it('configures the mesh: REGISTRY_ONLY, access logs, path normalization, proxy start ordering, OpenTelemetry tracing', () => {
    const mesh = values(helmApp(prod.objects, 'ceres-prod-aws-istiod')).meshConfig;
    expect(mesh.outboundTrafficPolicy).toEqual({ mode: 'REGISTRY_ONLY' });
    expect(mesh.accessLogFile).toBe('/dev/stdout');
    expect(mesh.pathNormalization).toEqual({ normalization: 'MERGE_SLASHES' });
    expect(mesh.defaultConfig.holdApplicationUntilProxyStarts).toBe(true);
    expect(mesh.extensionProviders).toEqual([{ name: 'otel-tracing', opentelemetry: { service: 'tempo.monitoring.svc.cluster.local', port: 4317 } }]);
  });

  it('sends spans where the observability stack receives them (Tempo, OTLP/gRPC)', () => {
    const [provider] = values(helmApp(prod.objects, 'ceres-prod-aws-istiod')).meshConfig.extensionProviders;
    expect(provider.opentelemetry).toEqual({ service: TracingBackend.host, port: TracingBackend.otlpGrpcPort });
  });

  it('writes the equivalent IstioOperator to an unsynced istioctl folder', () => {
    const op = find(prod.objects, 'IstioOperator', 'ceres-prod', 'istio-system');
    expect(prod.objects.find((o) => o.manifest.kind === 'IstioOperator')!.folder).toBe('istioctl');
    const istiod = values(helmApp(prod.objects, 'ceres-prod-aws-istiod'));
    expect(op.spec.tag).toBe(ISTIO_VERSION);
    expect(op.spec.meshConfig).toEqual(istiod.meshConfig);
    expect(op.spec.values.pilot.autoscaleMin).toBe(istiod.autoscaleMin);
    expect(op.spec.components.pilot.k8s.hpaSpec).toEqual({ minReplicas: 3, maxReplicas: 5 });
    const [ingress] = op.spec.components.ingressGateways;
    const ingressValues = values(helmApp(prod.objects, 'ceres-prod-aws-istio-ingressgateway'));
    expect(ingress.k8s.hpaSpec.minReplicas).toBe(ingressValues.autoscaling.minReplicas);
    expect(ingress.k8s.service.ports).toEqual(ingressValues.service.ports);
    expect(ingress.k8s.podDisruptionBudget).toEqual(ingressValues.podDisruptionBudget);
  });
});
