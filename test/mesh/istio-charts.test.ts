import { SyncWave } from '../../lib/core/argocd';
import { ClusterConfig } from '../../lib/core/model';
import { traitsOf } from '../../lib/core/topology';
import { GitOpsAddOn } from '../../lib/gitops';
import { ISTIO_VERSION, MeshAddOn } from '../../lib/mesh';
import { TracingBackend } from '../../lib/observability/monitoring-stack';
import { WorkloadsAddOn } from '../../lib/workloads';
import {
  baseAddOns,
  find,
  findObject,
  FixtureClusters,
  fixturePlatform,
  HA_SIZING,
  helmApp,
  helmValues,
  renderAddOns,
  SMALL_SIZING,
  wave,
  yamlFiles,
} from '../support/harness';

/** The Istio control plane and gateways: Helm charts delivered by each cluster's app of apps, and the IstioOperator document for istioctl. */
const meshAddOns = () => [...baseAddOns(), new WorkloadsAddOn(), new MeshAddOn(), new GitOpsAddOn()];

/** A GKE Standard cluster: node agents allowed, so it runs the mesh (GKE Autopilot does not). */
const GKE_STANDARD: ClusterConfig = { ...FixtureClusters.gcp, name: 'test-gke', profile: 'gke-standard', role: 'secondary', networkCidr: '10.43.0.0/16' };

/** One HA cluster (the snapshot). */
const one = renderAddOns(meshAddOns());
const aws = FixtureClusters.aws.name;
/** Every profile: EKS, GKE Standard, GKE Autopilot and an edge site. */
const sites = renderAddOns(meshAddOns(), {
  platform: fixturePlatform({ clusters: [FixtureClusters.aws, GKE_STANDARD, FixtureClusters.gcp, FixtureClusters.edge] }),
});
/** A small, non-HA environment. */
const small = renderAddOns(meshAddOns(), { platform: fixturePlatform({ env: 'dev', sizing: SMALL_SIZING }) });
const ENV = one.environment.name;
const values = (r: typeof one, cluster: string, chart: string) => helmValues(r, cluster, chart);

describe('the Istio control plane and gateways', () => {
  it('installs the official charts pinned to one Istio release, from the app of apps', () => {
    for (const chart of ['istio-base', 'istiod', 'istio-ingressgateway', 'istio-egressgateway']) {
      const app = helmApp(one, aws, chart);
      expect(app.spec.source.repoURL).toBe('https://istio-release.storage.googleapis.com/charts');
      expect(app.spec.source.targetRevision).toBe(ISTIO_VERSION);
    }
    expect(ISTIO_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(one.files.has(`${ENV}/clusters/${aws}/argocd/istio.yaml`)).toBe(true);
  });

  it('installs the control plane in every cluster that admits node agents, through its own Argo CD, and none on GKE Autopilot', () => {
    const meshClusters = sites.environment.clusters.filter((c) => traitsOf(c).nodeAgents);
    expect(meshClusters.map((c) => c.name).sort()).toEqual([FixtureClusters.aws.name, FixtureClusters.edge.name, GKE_STANDARD.name].sort());
    for (const cluster of meshClusters) {
      const mine = sites.objects.filter((o) => o.file === `${ENV}/clusters/${cluster.name}/argocd/istio.yaml`).map((o) => o.manifest);
      expect(mine.map((a) => a.metadata.name).sort()).toEqual(['istio-base', 'istio-cni', 'istio-egressgateway', 'istio-ingressgateway', 'istiod']);
      for (const a of mine) expect(a.spec.destination.name).toBe('in-cluster');
    }
    expect(sites.files.has(`${ENV}/clusters/${FixtureClusters.gcp.name}/argocd/istio.yaml`)).toBe(false);
  });

  it('redirects traffic with the istio-cni node agent, told where each platform keeps its CNI binaries', () => {
    const expected: Record<string, string | undefined> = {
      [FixtureClusters.aws.name]: undefined,
      [GKE_STANDARD.name]: 'gke',
      [FixtureClusters.edge.name]: 'k3s',
    };
    for (const [cluster, platform] of Object.entries(expected)) {
      const cni = helmApp(sites, cluster, 'istio-cni');
      expect(cni.spec.source.chart).toBe('cni');
      expect(wave(cni)).toBeGreaterThan(wave(helmApp(sites, cluster, 'istio-base')));
      const istiod = values(sites, cluster, 'istiod');
      expect(istiod.cni.enabled).toBe(true);
      expect(values(sites, cluster, 'istio-cni').global.platform).toBe(platform);
      expect(istiod.global.platform).toBe(platform);
    }
    const operator = find(sites, 'IstioOperator', `ceres-${ENV}`, 'istio-system');
    expect(operator.spec.components.cni.enabled).toBe(true);
    expect(operator.spec.values.pilot.cni.enabled).toBe(true);
    expect(find(sites, 'IstioOperator', `ceres-${ENV}-edge`, 'istio-system').spec.values.global.platform).toBe('k3s');
  });

  it("sizes sidecars so they fit the smallest tier (Istio's default limit is 2 CPU)", () => {
    const istiod = values(one, aws, 'istiod');
    expect(istiod.global.proxy.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(find(one, 'IstioOperator', `ceres-${ENV}`, 'istio-system').spec.values.global.proxy.resources).toEqual(istiod.global.proxy.resources);
  });

  it('runs a single-replica control plane on edge sites, and documents it separately for istioctl', () => {
    const edge = FixtureClusters.edge.name;
    const istiod = values(sites, edge, 'istiod');
    expect(istiod.autoscaleMin).toBe(1);
    expect(istiod.global.defaultPodDisruptionBudget.enabled).toBe(false);
    expect(values(sites, edge, 'istio-ingressgateway').autoscaling.minReplicas).toBe(1);
    expect(find(sites, 'IstioOperator', `ceres-${ENV}-edge`, 'istio-system').spec.components.pilot.k8s.hpaSpec.minReplicas).toBe(1);
    expect(sites.files.has(`${ENV}/istioctl/istio-install-edge.yaml`)).toBe(true);
    expect(one.files.has(`${ENV}/istioctl/istio-install-edge.yaml`)).toBe(false);
  });

  it("documents a GKE Standard cluster for istioctl with GKE's CNI platform, as its charts get it", () => {
    const gke = find(sites, 'IstioOperator', `ceres-${ENV}-gke`, 'istio-system');
    expect(gke.spec.values.global.platform).toBe('gke');
    expect(values(sites, GKE_STANDARD.name, 'istio-cni').global.platform).toBe('gke');
    // EKS's document has no platform.
    expect(find(sites, 'IstioOperator', `ceres-${ENV}`, 'istio-system').spec.values.global.platform).toBeUndefined();
  });

  it('orders base → istiod → gateways by sync wave, all before mesh policies', () => {
    const [base, istiod, ingress, egress] = ['istio-base', 'istiod', 'istio-ingressgateway', 'istio-egressgateway'].map((c) => wave(helmApp(one, aws, c)));
    expect(base).toBe(SyncWave.operators);
    expect(istiod).toBeGreaterThan(base);
    expect(ingress).toBe(SyncWave.operatorConfig);
    expect(egress).toBe(SyncWave.operatorConfig);
    expect(istiod).toBeLessThan(ingress);
    expect(ingress).toBeLessThan(SyncWave.policies);
  });

  it("runs the HA sizing's istiod range with a disruption budget and zone spreading", () => {
    const v = values(one, aws, 'istiod');
    expect(v.autoscaleMin).toBe(HA_SIZING.istiod.min);
    expect(v.autoscaleMax).toBe(HA_SIZING.istiod.max);
    expect(v.replicaCount).toBe(HA_SIZING.istiod.min);
    expect(v.global.defaultPodDisruptionBudget.enabled).toBe(true);
    expect(v.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('topology.kubernetes.io/zone');
  });

  it("runs the HA sizing's ingress gateways behind a LoadBalancer, with a disruption budget; the egress gateway stays internal", () => {
    const v = values(one, aws, 'istio-ingressgateway');
    expect(v.autoscaling).toMatchObject({ enabled: true, minReplicas: HA_SIZING.ingressGateway.min, maxReplicas: HA_SIZING.ingressGateway.max });
    expect(v.replicaCount).toBe(HA_SIZING.ingressGateway.min);
    expect(v.podDisruptionBudget).toEqual({ maxUnavailable: 1 });
    expect(v.service.type).toBe('LoadBalancer');
    // Clients keep their addresses: the gateway's NetworkPolicy admits them by address (a node's SNAT would not match on Cilium).
    expect(v.service.externalTrafficPolicy).toBe('Local');
    expect(values(one, aws, 'istio-egressgateway').service.type).toBe('ClusterIP');
  });

  it('sizes a non-HA environment from its sizing: no disruption budget to block drains, no spreading', () => {
    const istiod = values(small, aws, 'istiod');
    expect([istiod.autoscaleMin, istiod.autoscaleMax]).toEqual([SMALL_SIZING.istiod.min, SMALL_SIZING.istiod.max]);
    expect(istiod.global.defaultPodDisruptionBudget.enabled).toBe(false);
    const ingress = values(small, aws, 'istio-ingressgateway');
    expect(ingress.autoscaling.minReplicas).toBe(SMALL_SIZING.ingressGateway.min);
    expect(ingress.podDisruptionBudget).toEqual({});
    expect(ingress.affinity).toEqual({});
  });

  it('configures the mesh: REGISTRY_ONLY, access logs, path normalization, proxy start ordering, OpenTelemetry tracing to Tempo', () => {
    const mesh = values(one, aws, 'istiod').meshConfig;
    expect(mesh.outboundTrafficPolicy).toEqual({ mode: 'REGISTRY_ONLY' });
    expect(mesh.accessLogFile).toBe('/dev/stdout');
    expect(mesh.pathNormalization).toEqual({ normalization: 'MERGE_SLASHES' });
    expect(mesh.defaultConfig.holdApplicationUntilProxyStarts).toBe(true);
    // Spans go where the observability stack receives them (Tempo, OTLP/gRPC).
    expect(mesh.extensionProviders).toEqual([{ name: 'otel-tracing', opentelemetry: { service: TracingBackend.host, port: TracingBackend.otlpGrpcPort } }]);
  });

  it('writes the equivalent IstioOperator to an unsynced istioctl folder', () => {
    const { manifest: op, folder } = findObject(one, 'IstioOperator', `ceres-${ENV}`, 'istio-system');
    expect(folder).toBe('istioctl');
    const childApps = one.objects.filter((o) => o.manifest.kind === 'Application' && o.file.endsWith('/argocd/applications.yaml'));
    expect(childApps.some((a) => a.manifest.spec.source.path.endsWith('/istioctl'))).toBe(false);
    const istiod = values(one, aws, 'istiod');
    expect(op.spec.tag).toBe(ISTIO_VERSION);
    expect(op.spec.meshConfig).toEqual(istiod.meshConfig);
    expect(op.spec.values.pilot.autoscaleMin).toBe(istiod.autoscaleMin);
    expect(op.spec.components.pilot.k8s.hpaSpec).toEqual({ minReplicas: HA_SIZING.istiod.min, maxReplicas: HA_SIZING.istiod.max });
    const [ingress] = op.spec.components.ingressGateways;
    const ingressValues = values(one, aws, 'istio-ingressgateway');
    expect(ingress.k8s.hpaSpec.minReplicas).toBe(ingressValues.autoscaling.minReplicas);
    expect(ingress.k8s.service.ports).toEqual(ingressValues.service.ports);
    expect(ingress.k8s.podDisruptionBudget).toEqual(ingressValues.podDisruptionBudget);
  });

  it('matches the reviewed YAML: the Istio Applications of one cluster and the istioctl document', () => {
    expect(yamlFiles(one, /\/argocd\/istio\.yaml$|\/istioctl\//)).toMatchSnapshot();
  });
});
