import { argoCd, ARGOCD_CONSOLE } from '../../lib/gitops';
import { CHART_SERVICE_ANNOTATION } from '../../lib/mesh';
import { meshChartRoutes } from '../../lib/verify/checks/mesh';
import { ClusterState, HelmRelease, StateObject } from '../../lib/verify/types';
import { FixtureClusters, fixturePlatform } from '../support/harness';

/**
 * `mesh/chart-routes` on a small cluster state: a console's route must reach a Service and port that the
 * chart's rendered objects hold (synth cannot see them). The Service below is the one argo-cd 10.1.1
 * renders for the release `argocd` (checked with `helm template`): `argocd-server`, ports 80 and 443.
 */
const platform = fixturePlatform({ clusters: [FixtureClusters.aws] });
const environment = platform.environments[0];
const cluster = environment.clusters[0];
const ns = argoCd.namespace;

const route = (port: number, service = ARGOCD_CONSOLE.service): StateObject => ({
  file: `${environment.name}/clusters/${cluster.name}/consoles/routes.yaml`,
  application: 'consoles',
  manifest: {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'console-argocd', namespace: ns, annotations: { [CHART_SERVICE_ANNOTATION]: argoCd.chart.chart } },
    spec: { hosts: ['argocd.x.example.test'], http: [{ route: [{ destination: { host: `${service}.${ns}.svc.cluster.local`, port: { number: port } } }] }] },
  },
});
const service: StateObject = {
  file: 'helm:argo-cd@10.1.1/templates/argocd-server/service.yaml',
  application: 'argo-cd',
  release: 'argocd',
  manifest: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'argocd-server', namespace: ns }, spec: { ports: [{ port: 80 }, { port: 443 }] } },
};
const release = (rendered?: StateObject[]): HelmRelease =>
  ({ chart: argoCd.chart.chart, version: argoCd.chart.version, namespace: ns, releaseName: 'argocd', values: {}, rendered }) as unknown as HelmRelease;
const state = (objects: StateObject[], releases: HelmRelease[]): ClusterState => ({ platform, environment, cluster, objects, releases, flows: [] });
const messages = (s: ClusterState) => meshChartRoutes.run(s, undefined as never).map((f) => f.message);

describe('mesh/chart-routes', () => {
  it("finds nothing when the rendered chart holds the route's Service and port (the console's own facts)", () => {
    expect(messages(state([route(ARGOCD_CONSOLE.port)], [release([service])]))).toEqual([]);
  });

  it('names a port the Service does not expose, and a Service the chart does not render', () => {
    expect(messages(state([route(8080)], [release([service])]))).toEqual([
      `sends argocd-server.${ns}.svc.cluster.local to port 8080, which Service ${ns}/argocd-server of argo-cd ${argoCd.chart.version} does not expose (80, 443)`,
    ]);
    expect(messages(state([route(80, 'argocd-ui')], [release([service])]))).toEqual([
      `sends to argocd-ui.${ns}.svc.cluster.local, but argo-cd ${argoCd.chart.version} renders no Service ${ns}/argocd-ui (it has argocd-server)`,
    ]);
  });

  it('names a route to a chart the cluster does not install, and judges nothing when the chart is not rendered', () => {
    expect(messages(state([route(80)], []))).toEqual([`routes to Services of chart argo-cd, which ${cluster.name} does not install in namespace ${ns}`]);
    expect(messages(state([route(8080)], [release(undefined)]))).toEqual([]);
  });
});
