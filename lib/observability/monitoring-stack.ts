import { PlatformNamespaces } from '../core/namespaces';

/**
 * Names and endpoints of the monitoring stack, in one place: the Helm values, the rules and monitors,
 * Flagger and the mesh's tracing all refer to them.
 */

/** Helm release name of kube-prometheus-stack; its Prometheus selects rules and monitors by `release: <this>`. */
export const PROMETHEUS_RELEASE = 'kube-prometheus-stack';

/** The label every PrometheusRule, ServiceMonitor and PodMonitor carries so that Prometheus loads it. */
export const PROMETHEUS_SELECTOR_LABELS: Readonly<Record<string, string>> = { release: PROMETHEUS_RELEASE };

const svc = (name: string) => `${name}.${PlatformNamespaces.monitoring}.svc.cluster.local`;

/** In-cluster endpoints of the monitoring stack. */
export const MonitoringEndpoints = {
  /** Prometheus query API (kube-prometheus-stack names its service `<release>-prometheus`). */
  prometheus: `http://${svc(`${PROMETHEUS_RELEASE}-prometheus`)}:9090`,
  alertmanager: `http://${svc(`${PROMETHEUS_RELEASE}-alertmanager`)}:9093`,
  /** Grafana of kube-prometheus-stack (`<release>-grafana`, port 80). */
  grafana: `http://${svc(`${PROMETHEUS_RELEASE}-grafana`)}`,
  /** Loki's gateway (chart 6, SingleBinary mode). */
  loki: `http://${svc('loki-gateway')}`,
  lokiPush: `http://${svc('loki-gateway')}/loki/api/v1/push`,
  /** Tempo's query frontend. */
  tempo: `http://${svc('tempo')}:3100`,
} as const;

/**
 * Where the mesh sends spans: Tempo in `monitoring`, OTLP over gRPC on 4317 and Zipkin on 9411
 * (Istio's `extensionProviders` use either).
 */
export const TracingBackend = {
  host: svc('tempo'),
  otlpGrpcPort: 4317,
  otlpHttpPort: 4318,
  zipkinPort: 9411,
} as const;

/** Label and value of the Grafana dashboard ConfigMaps the Grafana sidecar loads. */
export const GRAFANA_DASHBOARD_LABEL = { key: 'grafana_dashboard', value: '1' } as const;
