import { nodeAddresses } from '../core/cloud';
import { Flow, FlowPort, FlowTarget, INTERNET, namespaceBaseFlows, PodSet } from '../core/flows';
import { HelmChart } from '../core/addon';
import { keycloakUrl } from '../core/realm';
import { placementApplies } from '../core/topology';
import { PlatformNamespaces } from '../core/namespaces';
import { TracingBackend } from './monitoring-stack';
import { ISTIOD_PODS, meshedNamespaces } from '../mesh';
import { kiali } from './kiali';
import { kubePrometheusStack } from './kube-prometheus-stack';
import { loki } from './loki';
import { promtail } from './promtail';
import { tempo } from './tempo';

/** Prometheus of the kube-prometheus-stack release (operator-managed StatefulSet). */
export const PROMETHEUS_PODS: PodSet = {
  namespace: PlatformNamespaces.monitoring,
  podLabels: { 'app.kubernetes.io/name': 'prometheus' },
  serviceAccount: 'kube-prometheus-stack-prometheus',
};
/** Tempo (chart `tempo`, single binary). */
export const TEMPO_PODS: PodSet = { namespace: PlatformNamespaces.monitoring, podLabels: { 'app.kubernetes.io/name': 'tempo' }, serviceAccount: 'tempo' };
/** Alertmanager of the kube-prometheus-stack release (operator-managed StatefulSet, web port 9093). */
export const ALERTMANAGER_PODS: PodSet = {
  namespace: PlatformNamespaces.monitoring,
  podLabels: { 'app.kubernetes.io/name': 'alertmanager' },
  serviceAccount: 'kube-prometheus-stack-alertmanager',
};
/** Grafana of the kube-prometheus-stack release (port 3000). */
export const GRAFANA_PODS: PodSet = { namespace: PlatformNamespaces.monitoring, podLabels: { 'app.kubernetes.io/name': 'grafana' } };
/** Loki's gateway (nginx, port 8080) and its single binary (3100). */
export const LOKI_GATEWAY_PODS: PodSet = {
  namespace: PlatformNamespaces.monitoring,
  podLabels: { 'app.kubernetes.io/name': 'loki', 'app.kubernetes.io/component': 'gateway' },
};
export const LOKI_PODS: PodSet = {
  namespace: PlatformNamespaces.monitoring,
  podLabels: { 'app.kubernetes.io/name': 'loki', 'app.kubernetes.io/component': 'single-binary' },
};

/** Prometheus scrapes `pods` on `ports` (the flow every add-on with metrics declares). */
export function scrapeFlow(name: string, pods: PodSet, ports: readonly number[], reason = 'Prometheus scrapes the metrics endpoint'): Flow {
  return { name, from: { pods: PROMETHEUS_PODS }, to: { pods, ports: ports.map((port): FlowPort => ({ port })) }, plaintext: true, reason };
}

/** The Prometheus operator (its admission webhook is served by the operator pod on 10250). */
export const PROMETHEUS_OPERATOR_PODS: PodSet = { namespace: PlatformNamespaces.monitoring, podLabels: { app: 'kube-prometheus-stack-operator' } };

/**
 * What observability needs on a cluster that runs it: Prometheus scrapes the Envoy sidecars of every
 * meshed namespace (merged metrics 15020, proxy stats 15090; plaintext, outside mTLS), the sidecars
 * send spans to Tempo (OTLP gRPC), and the API server calls the operator's webhook.
 */
export function observabilityFlows(t: FlowTarget): Flow[] {
  const meshed = meshedNamespaces(t);
  const flows: Flow[] = [];
  for (const ns of meshed) {
    flows.push({
      name: `observability/scrape-sidecars/${ns}`,
      from: { pods: PROMETHEUS_PODS },
      to: { pods: { namespace: ns }, ports: [{ port: 15020 }, { port: 15090 }] },
      plaintext: true,
      reason: 'Prometheus scrapes merged application metrics and Envoy stats',
    });
    flows.push({
      name: `observability/spans-to-tempo/${ns}`,
      from: { pods: { namespace: ns } },
      to: { pods: TEMPO_PODS, ports: [{ port: TracingBackend.otlpGrpcPort }] },
      reason: `the mesh's tracing provider sends spans to ${TracingBackend.host}:${TracingBackend.otlpGrpcPort}`,
    });
  }
  // Not declared: the ServiceMonitors of the catalog services (PlatformMonitors) scrape /metrics on the
  // service port, which STRICT mTLS and the services' ALLOW policies refuse to an unmeshed Prometheus;
  // declaring them makes `flows/mesh-authorization` fail. Their metrics belong in the sidecars' merged
  // endpoint (15020, prometheus.io annotations), which the flows above already allow.
  flows.push(...monitoringStackFlows(t));
  flows.push({
    name: 'observability/api-server-to-operator-webhook',
    from: { apiServer: true },
    to: { pods: PROMETHEUS_OPERATOR_PODS, ports: [{ port: 10250 }] },
    plaintext: true,
    reason: 'PrometheusRule validation webhook',
  });
  return flows;
}

const runs = (chart: HelmChart, t: FlowTarget) => placementApplies(chart.placement, t.cluster);

/**
 * The monitoring stack's own traffic, component by component, as the charts render it with our
 * values (kube-prometheus-stack 88, Loki 6 single binary, promtail 6, Tempo 1, Kiali 2): Prometheus
 * scrapes what its ServiceMonitors select, Alertmanager posts to the receivers' webhooks, Grafana
 * and Kiali query the stores, promtail pushes to Loki's gateway.
 */
function monitoringStackFlows(t: FlowTarget): Flow[] {
  const mon = PlatformNamespaces.monitoring;
  const flows: Flow[] = [...namespaceBaseFlows('observability', mon, t.cluster, { apiServer: true })];
  const nodes = { cidrs: nodeAddresses(t.cluster) };
  if (runs(kubePrometheusStack, t)) {
    flows.push(
      scrapeFlow('observability/scrape-kube-state-metrics', { namespace: mon, podLabels: { 'app.kubernetes.io/name': 'kube-state-metrics' } }, [8080]),
      scrapeFlow('observability/scrape-operator', PROMETHEUS_OPERATOR_PODS, [10250]),
      scrapeFlow('observability/scrape-grafana', GRAFANA_PODS, [3000]),
      scrapeFlow('observability/scrape-alertmanager', ALERTMANAGER_PODS, [9093, 8080], 'Prometheus scrapes Alertmanager and its config reloader'),
      scrapeFlow('observability/scrape-prometheus', PROMETHEUS_PODS, [9090, 8080], 'Prometheus scrapes itself and its config reloader'),
      scrapeFlow(
        'observability/scrape-coredns',
        { namespace: PlatformNamespaces.kubeSystem, podLabels: { 'k8s-app': 'kube-dns' }, clusterProvided: true },
        [9153],
      ),
      {
        name: 'observability/scrape-nodes',
        from: { pods: PROMETHEUS_PODS },
        to: { external: nodes, ports: [{ port: 10250 }, { port: 9100 }] },
        plaintext: true,
        reason: 'Prometheus scrapes the kubelets (cAdvisor, probes) and node-exporter, which runs in the host network',
      },
      {
        name: 'observability/alerts-to-alertmanager',
        from: { pods: PROMETHEUS_PODS },
        to: { pods: ALERTMANAGER_PODS, ports: [{ port: 9093 }] },
        plaintext: true,
        reason: 'Prometheus sends firing alerts to Alertmanager',
      },
      {
        name: 'observability/alertmanager-cluster',
        from: { pods: ALERTMANAGER_PODS },
        to: { pods: ALERTMANAGER_PODS, ports: [{ port: 9094 }, { port: 9094, protocol: 'UDP' }] },
        plaintext: true,
        reason: 'Alertmanager replicas gossip to deduplicate notifications',
      },
      {
        name: 'observability/alertmanager-to-receivers',
        from: { pods: ALERTMANAGER_PODS },
        to: { external: INTERNET, ports: [{ port: 443 }] },
        plaintext: true,
        reason: 'Alertmanager posts notifications to the receivers’ HTTPS webhooks (chat, tenant webhooks)',
      },
      {
        name: 'observability/grafana-to-prometheus',
        from: { pods: GRAFANA_PODS },
        to: { pods: PROMETHEUS_PODS, ports: [{ port: 9090 }] },
        plaintext: true,
        reason: 'Grafana’s Prometheus data source',
      },
      {
        name: 'observability/grafana-to-alertmanager',
        from: { pods: GRAFANA_PODS },
        to: { pods: ALERTMANAGER_PODS, ports: [{ port: 9093 }] },
        plaintext: true,
        reason: 'Grafana’s Alertmanager data source (the chart provisions it: grafana.sidecar.datasources.alertmanager)',
      },
      {
        name: 'observability/grafana-to-keycloak',
        from: { pods: GRAFANA_PODS },
        to: { external: INTERNET, ports: [{ port: 443 }] },
        plaintext: true,
        reason: `Grafana signs users in through Keycloak (${keycloakUrl(t.environment)}: token and userinfo endpoints)`,
      },
    );
  }
  if (runs(loki, t)) {
    flows.push(
      {
        name: 'observability/loki-gateway-to-loki',
        from: { pods: LOKI_GATEWAY_PODS },
        to: { pods: LOKI_PODS, ports: [{ port: 3100 }] },
        plaintext: true,
        reason: 'Loki’s gateway proxies pushes and queries to the single binary',
      },
      {
        name: 'observability/loki-to-caches',
        from: { pods: LOKI_PODS },
        to: {
          pods: { namespace: mon, podLabels: { 'app.kubernetes.io/name': 'loki', 'app.kubernetes.io/instance': 'loki' } },
          ports: [{ port: 11211 }, { port: 7946 }],
        },
        plaintext: true,
        reason: 'Loki reads and writes its chunk and result caches (memcached) and joins its memberlist ring',
      },
    );
    if (runs(kubePrometheusStack, t))
      flows.push({
        name: 'observability/grafana-to-loki',
        from: { pods: GRAFANA_PODS },
        to: { pods: LOKI_GATEWAY_PODS, ports: [{ port: 8080 }] },
        plaintext: true,
        reason: 'Grafana’s Loki data source',
      });
  }
  if (runs(promtail, t) && runs(loki, t)) {
    flows.push({
      name: 'observability/promtail-to-loki',
      from: { pods: { namespace: mon, podLabels: { 'app.kubernetes.io/name': 'promtail' } } },
      to: { pods: LOKI_GATEWAY_PODS, ports: [{ port: 8080 }] },
      plaintext: true,
      reason: 'promtail pushes every node’s container logs to Loki',
    });
  }
  if (runs(tempo, t) && runs(kubePrometheusStack, t)) {
    flows.push({
      name: 'observability/grafana-to-tempo',
      from: { pods: GRAFANA_PODS },
      to: { pods: TEMPO_PODS, ports: [{ port: 3100 }] },
      plaintext: true,
      reason: 'Grafana’s Tempo data source',
    });
  }
  if (runs(kiali, t)) {
    const kialiPods: PodSet = { namespace: PlatformNamespaces.kiali, podLabels: { 'app.kubernetes.io/name': 'kiali' } };
    flows.push(...namespaceBaseFlows('observability', PlatformNamespaces.kiali, t.cluster, { apiServer: true }));
    flows.push(
      {
        name: 'observability/kiali-to-prometheus',
        from: { pods: kialiPods },
        to: { pods: PROMETHEUS_PODS, ports: [{ port: 9090 }] },
        plaintext: true,
        reason: 'Kiali builds the mesh graph from Istio metrics',
      },
      {
        name: 'observability/kiali-to-tempo',
        from: { pods: kialiPods },
        to: { pods: TEMPO_PODS, ports: [{ port: 3100 }] },
        plaintext: true,
        reason: 'Kiali shows traces',
      },
      {
        name: 'observability/kiali-to-grafana',
        from: { pods: kialiPods },
        to: { pods: GRAFANA_PODS, ports: [{ port: 3000 }] },
        plaintext: true,
        reason: 'Kiali links to Grafana dashboards',
      },
      {
        name: 'observability/kiali-to-istiod',
        from: { pods: kialiPods },
        to: { pods: ISTIOD_PODS, ports: [{ port: 15014 }, { port: 8080 }] },
        plaintext: true,
        reason: 'Kiali reads istiod’s status and debug endpoints',
      },
      {
        name: 'observability/kiali-to-keycloak',
        from: { pods: kialiPods },
        to: { external: INTERNET, ports: [{ port: 443 }] },
        plaintext: true,
        reason: `Kiali signs users in through Keycloak (${keycloakUrl(t.environment)})`,
      },
    );
  }
  return flows;
}
