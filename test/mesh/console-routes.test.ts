import { consoleHost, servesConsoles } from '../../lib/core/traffic-failover';
import { argoCd, GitOpsAddOn } from '../../lib/gitops';
import { CHART_SERVICE_ANNOTATION, CONSOLES_GATEWAY, consoleFlows, MeshAddOn, publishedConsoles } from '../../lib/mesh';
import { kiali, kubePrometheusStack, ObservabilityAddOn } from '../../lib/observability';
import { WorkloadsAddOn } from '../../lib/workloads';
import { KeycloakAddOn, platformClients } from '../../lib/identity';
import { appliedBy, baseAddOns, FixtureClusters, fixturePlatform, helmValues, renderAddOns } from '../support/harness';

/**
 * The consoles (Argo CD, Grafana, Kiali) of each cluster that takes public traffic, through its own
 * ingress gateway: the route, the chart's sign-in and the Keycloak client all name the same host;
 * the clusters without an ingress (GKE Autopilot, edge) publish nothing and sign in no browser.
 */
const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure, FixtureClusters.gcp, FixtureClusters.edge] });
const addOns = [...baseAddOns(), new WorkloadsAddOn(), new MeshAddOn(), new ObservabilityAddOn(), new GitOpsAddOn(), new KeycloakAddOn()];
const rendered = renderAddOns(addOns, { platform });
const env = rendered.environment;
const charts = [argoCd, kubePrometheusStack, kiali];
const published = env.clusters.filter((c) => servesConsoles(env, c));
const dark = env.clusters.filter((c) => !servesConsoles(env, c));
const flowTarget = (c: (typeof env.clusters)[number]) => ({
  platform,
  environment: env,
  cluster: c,
  tenants: [],
  databases: [],
  services: { services: [], external: [] } as never,
});

describe('platform consoles', () => {
  it('are published only where the cluster installs the ingress gateway, and the fixture has clusters of both kinds', () => {
    // The gateway the routes bind to is a Helm release of the cluster's app of apps.
    const installsGateway = (cluster: string) =>
      appliedBy(rendered, cluster).some(
        (o) => o.manifest.kind === 'Application' && o.manifest.metadata.labels?.['ceres.io/addon'] === CONSOLES_GATEWAY.release,
      );
    for (const c of published) expect({ cluster: c.name, gateway: installsGateway(c.name) }).toEqual({ cluster: c.name, gateway: true });
    expect(published.length).toBeGreaterThan(1);
    // GKE Autopilot runs no gateway at all: it publishes nothing (and the edge site, outside the zone's pair, neither).
    expect(dark.some((c) => !installsGateway(c.name))).toBe(true);
    expect(dark.length).toBeGreaterThan(1);
  });

  it('route each console host, on its own cluster, to the Service of the chart in its namespace', () => {
    for (const cluster of published) {
      const objects = appliedBy(rendered, cluster.name).map((o) => o.manifest);
      const gateway = objects.find((m) => m.kind === 'Gateway' && m.metadata.name === CONSOLES_GATEWAY.gatewayName)!;
      const consoles = publishedConsoles(charts, env, cluster);
      expect(consoles.length).toBeGreaterThan(0);
      for (const chart of consoles) {
        const host = consoleHost(chart.console!.app, { cluster, environment: env });
        const server = gateway.spec.servers.find((s: any) => s.port.number === 443 && s.hosts.includes(`${chart.namespace}/${host}`));
        expect({ host, tls: server?.tls?.credentialName }).toEqual({ host, tls: expect.any(String) });
        const cert = objects.find((m) => m.kind === 'Certificate' && m.metadata.name === server.tls.credentialName)!;
        expect(cert.metadata.namespace).toBe(CONSOLES_GATEWAY.namespace);
        expect(cert.spec.dnsNames).toEqual([host]);
        const route = objects.find((m) => m.kind === 'VirtualService' && m.spec.hosts.includes(host))!;
        expect(route.metadata.namespace).toBe(chart.namespace);
        expect(route.metadata.annotations[CHART_SERVICE_ANNOTATION]).toBe(chart.chart.chart);
        expect(route.spec.gateways).toEqual([`${CONSOLES_GATEWAY.namespace}/${CONSOLES_GATEWAY.gatewayName}`]);
        expect(route.spec.http[0].route[0].destination).toEqual({
          host: `${chart.console!.service}.${chart.namespace}.svc.cluster.local`,
          port: { number: chart.console!.port },
        });
      }
      // Another cluster's console hosts are not routed here.
      for (const other of published.filter((c) => c !== cluster))
        expect(objects.filter((m) => m.kind === 'VirtualService' && m.spec.hosts.some((h: string) => h.includes(`.${other.name}.`)))).toEqual([]);
    }
    for (const cluster of dark) expect(appliedBy(rendered, cluster.name).filter((o) => o.manifest.metadata.name === CONSOLES_GATEWAY.gatewayName)).toEqual([]);
  });

  it("sign the browser in where the console is published, with the URL Keycloak's client sends it back to, and nowhere else", () => {
    const clients = new Map(
      platformClients({ platform, environment: env, backups: [], services: { services: [], external: [] } as never }).map((c) => [c.clientId, c]),
    );
    // Argo CD runs on every cluster (helmValues finds its Application or throws): both kinds are judged.
    for (const cluster of env.clusters) {
      const cm = helmValues(rendered, cluster.name, 'argo-cd').configs.cm;
      if (servesConsoles(env, cluster)) {
        expect(cm.url).toBe(`https://${consoleHost('argocd', { cluster, environment: env })}`);
        expect(cm['oidc.config']).toContain('clientID: argocd');
        expect(clients.get('argocd')!.redirectUris).toContain(`${cm.url}/auth/callback`);
        expect(helmValues(rendered, cluster.name, 'argo-cd').configs.params).toEqual({ 'server.insecure': true });
      } else {
        expect({ cluster: cluster.name, url: cm.url, oidc: cm['oidc.config'] }).toEqual({ cluster: cluster.name, url: undefined, oidc: undefined });
        expect(clients.get('argocd')!.redirectUris.some((u) => u.includes(`.${cluster.name}.`))).toBe(false);
      }
    }
  });

  it('admit the ingress gateway to each published console’s pods, on its container port, and declare nothing elsewhere', () => {
    for (const cluster of env.clusters) {
      const flows = consoleFlows('test', charts, flowTarget(cluster));
      expect(flows.map((f) => f.to)).toEqual(
        publishedConsoles(charts, env, cluster).map((c) => ({
          pods: { namespace: c.namespace, podLabels: c.console!.pods.podLabels },
          ports: [{ port: c.console!.pods.containerPort }],
        })),
      );
      for (const f of flows) expect(f.from).toEqual({ pods: expect.objectContaining({ namespace: CONSOLES_GATEWAY.namespace }) });
    }
  });
});
