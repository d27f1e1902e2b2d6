import { Construct } from 'constructs';
import { VirtualService } from '../../imports/istio-networking.istio.io';
import { HelmChart } from '../core/addon';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { Flow, FlowTarget } from '../core/flows';
import { ClusterConfig, EnvironmentConfig } from '../core/model';
import { placementApplies } from '../core/topology';
import { ConsoleSpec, consoleHost, servesConsoles } from '../core/traffic-failover';
import { gatewayPods } from './flows';
import { IngressGateway } from './ingress-gateway';
import { CHART_SERVICE_ANNOTATION, GatewayDeployment, INGRESS_GATEWAY, serviceHost } from './mesh-config';

/** The Gateway of the consoles on the ingress gateway deployment (apart from the platform's services' `ceres-ingress`). */
export const CONSOLES_GATEWAY: GatewayDeployment = { ...INGRESS_GATEWAY, gatewayName: 'consoles' };

/** A chart with a console, placed on a cluster that publishes consoles. */
type Published = HelmChart & { readonly console: ConsoleSpec };

/** The charts whose consoles `cluster` publishes: they run there (placement) and the cluster takes public traffic. */
export function publishedConsoles(charts: readonly HelmChart[], environment: EnvironmentConfig, cluster: ClusterConfig): Published[] {
  if (!servesConsoles(environment, cluster)) return [];
  return charts.filter((c): c is Published => c.console !== undefined && placementApplies(c.placement, cluster));
}

export interface ConsoleRoutesProps {
  /** The environment (its base domain). */
  readonly environment: EnvironmentConfig;
  /** The cluster whose consoles are routed. */
  readonly cluster: ClusterConfig;
  /** Every chart of the platform (those with a console placed on the cluster are routed). */
  readonly charts: readonly HelmChart[];
}

/**
 * The consoles of one cluster through its ingress gateway: for each, an HTTPS server of the `consoles`
 * Gateway for `<app>.<cluster>.<baseDomain>` (certificate from the cluster's production ClusterIssuer,
 * TLS 1.2 minimum; port 80 for ACME only, as the platform's Gateway), and a VirtualService in the
 * chart's namespace sending the host to the chart's Service. The host is scoped to that namespace.
 */
export class ConsoleRoutes extends Construct {
  /** The hosts routed, sorted. */
  public readonly hosts: readonly string[];

  constructor(scope: Construct, id: string, props: ConsoleRoutesProps) {
    super(scope, id);
    const published = publishedConsoles(props.charts, props.environment, props.cluster);
    const gateway = published.length ? new IngressGateway(this, 'Gateway', { deployment: CONSOLES_GATEWAY }) : undefined;
    const hosts: string[] = [];
    for (const chart of published) {
      const host = consoleHost(chart.console.app, props);
      hosts.push(host);
      gateway!.addHost(host, chart.namespace);
      new VirtualService(this, `Route-${chart.console.app}`, {
        metadata: {
          name: `console-${chart.console.app}`,
          namespace: chart.namespace,
          annotations: { ...argoAnnotations({ wave: SyncWave.routes }), [CHART_SERVICE_ANNOTATION]: chart.chart.chart },
        },
        spec: {
          hosts: [host],
          gateways: [gateway!.reference],
          http: [
            {
              name: chart.console.app,
              match: [{ port: 443 }],
              route: [{ destination: { host: serviceHost(chart.console.service, chart.namespace), port: { number: chart.console.port } } }],
            },
          ],
        },
      });
    }
    this.hosts = hosts.sort();
  }
}

/**
 * The flows of the consoles of `charts` on a cluster: the ingress gateway to the console's pods, plain
 * HTTP (TLS ends at the gateway; the consoles' namespaces are outside the mesh). The add-on owning the
 * charts declares them.
 */
export function consoleFlows(addOn: string, charts: readonly HelmChart[], t: FlowTarget): Flow[] {
  return publishedConsoles(charts, t.environment, t.cluster).map((chart) => ({
    name: `${addOn}/ingress-to-${chart.console.app}`,
    from: { pods: gatewayPods(INGRESS_GATEWAY) },
    to: { pods: { namespace: chart.namespace, podLabels: chart.console.pods.podLabels }, ports: [{ port: chart.console.pods.containerPort }] },
    plaintext: true,
    reason: `the ${chart.console.app} console (https://${chart.console.app}.<cluster>.<baseDomain>) through the ingress gateway, which ends TLS`,
  }));
}
