import { Construct } from 'constructs';
import { PodMonitor } from '../../imports/prometheus-podmonitor-monitoring.coreos.com';
import { ServiceMonitor, ServiceMonitorSpecEndpointsTargetPort } from '../../imports/prometheus-servicemonitor-monitoring.coreos.com';
import { PlatformNamespaces } from '../core/namespaces';
import { ServiceCatalog } from '../core/services';
import { PROMETHEUS_SELECTOR_LABELS } from './monitoring-stack';

export interface PlatformMonitorsProps {
  /** The catalog: each service gets a ServiceMonitor scraping `/metrics` on its port. */
  readonly services: ServiceCatalog;
  /** Namespace the monitors live in (they select targets in other namespaces). @default 'monitoring' */
  readonly namespace?: string;
  /** Scrape interval. @default '30s' */
  readonly interval?: string;
}

/**
 * What Prometheus scrapes beyond the stack's own targets: every service of the catalog (`/metrics`
 * on its port, Services selected by the `app` label the mesh requires), istiod (`http-monitoring`,
 * 15014) and every Envoy sidecar and gateway (`http-envoy-prom`, 15090, `/stats/prometheus`).
 */
export class PlatformMonitors extends Construct {
  constructor(scope: Construct, id: string, props: PlatformMonitorsProps) {
    super(scope, id);
    const namespace = props.namespace ?? PlatformNamespaces.monitoring;
    const interval = props.interval ?? '30s';
    const labels = { ...PROMETHEUS_SELECTOR_LABELS };

    for (const s of props.services.services) {
      new ServiceMonitor(this, `service-${s.namespace}-${s.name}`, {
        metadata: { name: `${s.namespace}-${s.name}`, namespace, labels },
        spec: {
          selector: { matchLabels: { app: s.name } },
          namespaceSelector: { matchNames: [s.namespace] },
          endpoints: [{ targetPort: ServiceMonitorSpecEndpointsTargetPort.fromNumber(s.port), path: '/metrics', interval }],
        },
      });
    }

    new ServiceMonitor(this, 'istiod', {
      metadata: { name: 'istiod', namespace, labels },
      spec: {
        selector: { matchLabels: { app: 'istiod' } },
        namespaceSelector: { matchNames: [PlatformNamespaces.istio] },
        endpoints: [{ port: 'http-monitoring', interval }],
      },
    });

    new PodMonitor(this, 'envoy', {
      metadata: { name: 'envoy-sidecars', namespace, labels },
      spec: {
        // Every pod with an Envoy (sidecars and gateways) exposes this port; opt out with the label.
        selector: { matchExpressions: [{ key: 'istio-prometheus-ignore', operator: 'DoesNotExist' }] },
        namespaceSelector: { any: true },
        podMetricsEndpoints: [{ port: 'http-envoy-prom', path: '/stats/prometheus', interval }],
      },
    });
  }
}
