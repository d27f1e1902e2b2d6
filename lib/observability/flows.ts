import { Flow, FlowTarget, PodSet } from '../core/flows';
import { PlatformNamespaces } from '../core/namespaces';
import { TracingBackend } from './monitoring-stack';
import { meshedNamespaces } from '../mesh';

/** Prometheus of the kube-prometheus-stack release (operator-managed StatefulSet). */
export const PROMETHEUS_PODS: PodSet = {
  namespace: PlatformNamespaces.monitoring,
  podLabels: { 'app.kubernetes.io/name': 'prometheus' },
  serviceAccount: 'kube-prometheus-stack-prometheus',
};
/** Tempo (chart `tempo`, single binary). */
export const TEMPO_PODS: PodSet = { namespace: PlatformNamespaces.monitoring, podLabels: { 'app.kubernetes.io/name': 'tempo' }, serviceAccount: 'tempo' };
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
  flows.push({
    name: 'observability/api-server-to-operator-webhook',
    from: { apiServer: true },
    to: { pods: PROMETHEUS_OPERATOR_PODS, ports: [{ port: 10250 }] },
    plaintext: true,
    reason: 'PrometheusRule validation webhook',
  });
  return flows;
}
