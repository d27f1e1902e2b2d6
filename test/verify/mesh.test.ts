import { KubeManifest } from '../../lib/core/checks';
import { MESH_CA_SECRET, meshMembership } from '../../lib/mesh';
import { meshChartRoutes, meshSharedTrust } from '../../lib/verify/checks/mesh';
import { ClusterState, HelmRelease, StateObject } from '../../lib/verify/types';
import { argoCd, ARGOCD_CONSOLE } from '../../lib/gitops';
import { CHART_SERVICE_ANNOTATION } from '../../lib/mesh';
import { FixtureClusters, fixturePlatform } from '../support/harness';
import { clusterConfig, context, platformConfig } from './flow-fixtures';

const aws = clusterConfig('aws');
const azure = clusterConfig('azure');
const platform = platformConfig([aws, azure]);
const env = platform.environments[0];

/** istiod's Deployment as the chart renders it: the optional `cacerts` Secret volume, mounted at /etc/cacerts. */
const istiodDeployment = (secretName: string): StateObject => ({
  manifest: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'istiod', namespace: 'istio-system' },
    spec: {
      template: {
        spec: {
          containers: [{ name: 'discovery', volumeMounts: [{ name: 'cacerts', mountPath: '/etc/cacerts' }] }],
          volumes: [{ name: 'cacerts', secret: { secretName, optional: true } }],
        },
      },
    },
  } as KubeManifest,
  file: 'chart',
  application: 'istiod',
});

const istiod = (values: Record<string, unknown>, rendered?: StateObject[]): HelmRelease => ({
  application: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'x-istiod', namespace: 'argocd' } },
  file: 'prod/clusters/x/argocd/istio.yaml',
  repoURL: 'https://istio-release.storage.googleapis.com/charts',
  chart: 'istiod',
  version: '1.30.3',
  releaseName: 'istiod',
  namespace: 'istio-system',
  values,
  rendered,
});

/** Values as the mesh add-on writes them. */
const valuesOf = (cluster: typeof aws, change: (m: ReturnType<typeof meshMembership>) => Partial<ReturnType<typeof meshMembership>> = () => ({})) => {
  const m = { ...meshMembership(env, cluster), ...change(meshMembership(env, cluster)) };
  return { global: { meshID: m.meshId, network: m.network, multiCluster: { clusterName: m.clusterName } }, meshConfig: { trustDomain: m.trustDomain } };
};

const stateOf = (cluster: typeof aws, release?: HelmRelease): ClusterState => ({
  platform,
  environment: env,
  cluster,
  objects: [],
  releases: release ? [release] : [],
  flows: [],
});

const run = (...states: ClusterState[]) => states.flatMap((s) => meshSharedTrust.run(s, context(states)).map((f) => `${f.cluster}: ${f.message}`));

describe('mesh/shared-trust', () => {
  it('accepts clusters that share mesh ID and trust domain and have their own names', () => {
    expect(run(stateOf(aws, istiod(valuesOf(aws))), stateOf(azure, istiod(valuesOf(azure))))).toEqual([]);
  });

  it('finds clusters of one environment in different meshes or trust domains', () => {
    const findings = run(stateOf(aws, istiod(valuesOf(aws))), stateOf(azure, istiod(valuesOf(azure, () => ({ trustDomain: 'azure.local' })))));
    expect(findings).toHaveLength(2);
    expect(findings[0]).toMatch(/differ from ceres-prod-azure's .*"azure.local"/);
  });

  it('finds an istiod without a mesh ID, network or its own cluster name (the chart defaults)', () => {
    expect(run(stateOf(aws, istiod({})))).toEqual([
      'ceres-prod-aws: istiod has no global.meshID: the cluster is not a member of its environment’s mesh',
      `ceres-prod-aws: istiod's global.multiCluster.clusterName is "", not the cluster's name "ceres-prod-aws"`,
      'ceres-prod-aws: istiod has no global.network',
    ]);
  });

  it('reads the rendered chart: istiod must mount the Secret the bootstrap step creates', () => {
    expect(run(stateOf(aws, istiod(valuesOf(aws), [istiodDeployment(MESH_CA_SECRET)])))).toEqual([]);
    expect(run(stateOf(aws, istiod(valuesOf(aws), [istiodDeployment('istio-ca-secret')])))[0]).toMatch(/does not mount Secret cacerts/);
  });

  it('says nothing about clusters without istiod', () => {
    expect(run(stateOf(aws))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
/**
 * `mesh/chart-routes` on a small cluster state: a console's route must reach a Service and port that the
 * chart's rendered objects hold (synth cannot see them). The Service below is the one argo-cd 10.1.1
 * renders for the release `argocd` (checked with `helm template`): `argocd-server`, ports 80 and 443.
 */
const fixture = fixturePlatform({ clusters: [FixtureClusters.aws] });
const environment = fixture.environments[0];
const cluster = environment.clusters[0];
const ns = argoCd.namespace;

const consoleRoute = (port: number, service = ARGOCD_CONSOLE.service): StateObject => ({
  file: `${environment.name}/clusters/${cluster.name}/consoles/routes.yaml`,
  application: 'consoles',
  manifest: {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'console-argocd', namespace: ns, annotations: { [CHART_SERVICE_ANNOTATION]: argoCd.chart.chart } },
    spec: { hosts: ['argocd.x.example.test'], http: [{ route: [{ destination: { host: `${service}.${ns}.svc.cluster.local`, port: { number: port } } }] }] },
  },
});
const argoServer: StateObject = {
  file: 'helm:argo-cd@10.1.1/templates/argocd-server/service.yaml',
  application: 'argo-cd',
  release: 'argocd',
  manifest: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'argocd-server', namespace: ns }, spec: { ports: [{ port: 80 }, { port: 443 }] } },
};
const argoRelease = (rendered?: StateObject[]): HelmRelease =>
  ({ chart: argoCd.chart.chart, version: argoCd.chart.version, namespace: ns, releaseName: 'argocd', values: {}, rendered }) as unknown as HelmRelease;
const chartState = (objects: StateObject[], releases: HelmRelease[]): ClusterState => ({
  platform: fixture,
  environment,
  cluster,
  objects,
  releases,
  flows: [],
});
const messages = (s: ClusterState) => meshChartRoutes.run(s, undefined as never).map((f) => f.message);

describe('mesh/chart-routes', () => {
  it("finds nothing when the rendered chart holds the route's Service and port (the console's own facts)", () => {
    expect(messages(chartState([consoleRoute(ARGOCD_CONSOLE.port)], [argoRelease([argoServer])]))).toEqual([]);
  });

  it('names a port the Service does not expose, and a Service the chart does not render', () => {
    expect(messages(chartState([consoleRoute(8080)], [argoRelease([argoServer])]))).toEqual([
      `sends argocd-server.${ns}.svc.cluster.local to port 8080, which Service ${ns}/argocd-server of argo-cd ${argoCd.chart.version} does not expose (80, 443)`,
    ]);
    expect(messages(chartState([consoleRoute(80, 'argocd-ui')], [argoRelease([argoServer])]))).toEqual([
      `sends to argocd-ui.${ns}.svc.cluster.local, but argo-cd ${argoCd.chart.version} renders no Service ${ns}/argocd-ui (it has argocd-server)`,
    ]);
  });

  it('names a route to a chart the cluster does not install, and judges nothing when the chart is not rendered', () => {
    expect(messages(chartState([consoleRoute(80)], []))).toEqual([
      `routes to Services of chart argo-cd, which ${cluster.name} does not install in namespace ${ns}`,
    ]);
    expect(messages(chartState([consoleRoute(8080)], [argoRelease(undefined)]))).toEqual([]);
  });
});
