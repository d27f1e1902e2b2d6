import { PlatformNamespaces } from '../core/namespaces';
import { GRAFANA_DASHBOARD_LABEL, MonitoringEndpoints, PROMETHEUS_RELEASE, PROMETHEUS_SELECTOR_LABELS } from './monitoring-stack';
import { HelmChart } from '../core/addon';

type Selector = { readonly matchLabels: Record<string, string> };

/** The kube-prometheus-stack values we set (https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack). */
export interface KubePrometheusStackValues {
  readonly prometheus: {
    readonly prometheusSpec: {
      readonly replicas: number;
      readonly retention: string;
      /** Labels added to every series and alert, so that multi-cluster views can tell clusters apart. */
      readonly externalLabels: Record<string, string>;
      /**
       * With `*NilUsesHelmValues: false` the selectors below are used as written: everything labelled
       * `release: kube-prometheus-stack`, in any namespace.
       */
      readonly ruleSelectorNilUsesHelmValues: boolean;
      readonly ruleSelector: Selector;
      readonly ruleNamespaceSelector: Record<string, never>;
      readonly serviceMonitorSelectorNilUsesHelmValues: boolean;
      readonly serviceMonitorSelector: Selector;
      readonly serviceMonitorNamespaceSelector: Record<string, never>;
      readonly podMonitorSelectorNilUsesHelmValues: boolean;
      readonly podMonitorSelector: Selector;
      readonly podMonitorNamespaceSelector: Record<string, never>;
    };
  };
  readonly alertmanager: { readonly alertmanagerSpec: { readonly replicas: number } };
  readonly grafana: {
    readonly sidecar: { readonly dashboards: { readonly enabled: boolean; readonly label: string; readonly labelValue: string; readonly searchNamespace: string } };
    readonly additionalDataSources: readonly { readonly name: string; readonly type: string; readonly url: string; readonly access: string }[];
  };
}

export const kubePrometheusStack: HelmChart<KubePrometheusStackValues> = {
  name: 'kube-prometheus-stack',
  releaseName: PROMETHEUS_RELEASE,
  chart: { repoURL: 'https://prometheus-community.github.io/helm-charts', chart: 'kube-prometheus-stack', version: '79.5.0' },
  namespace: PlatformNamespaces.monitoring,
  placement: { traits: ['full'] },
  crdGroups: ['monitoring.coreos.com'],
  description: 'Prometheus, Alertmanager, Grafana, node exporter, kube-state-metrics',
  values: ({ environment, cluster }) => ({
    prometheus: {
      prometheusSpec: {
        replicas: environment.sizing.ha ? 2 : 1,
        retention: environment.name === 'prod' ? '30d' : '7d',
        externalLabels: { cluster: cluster.name, environment: environment.name },
        ruleSelectorNilUsesHelmValues: false,
        ruleSelector: { matchLabels: { ...PROMETHEUS_SELECTOR_LABELS } },
        ruleNamespaceSelector: {},
        serviceMonitorSelectorNilUsesHelmValues: false,
        serviceMonitorSelector: { matchLabels: { ...PROMETHEUS_SELECTOR_LABELS } },
        serviceMonitorNamespaceSelector: {},
        podMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelector: { matchLabels: { ...PROMETHEUS_SELECTOR_LABELS } },
        podMonitorNamespaceSelector: {},
      },
    },
    alertmanager: { alertmanagerSpec: { replicas: environment.sizing.ha ? 3 : 1 } },
    grafana: {
      sidecar: { dashboards: { enabled: true, label: GRAFANA_DASHBOARD_LABEL.key, labelValue: GRAFANA_DASHBOARD_LABEL.value, searchNamespace: 'ALL' } },
      additionalDataSources: [
        { name: 'Loki', type: 'loki', url: MonitoringEndpoints.loki, access: 'proxy' },
        { name: 'Tempo', type: 'tempo', url: MonitoringEndpoints.tempo, access: 'proxy' },
      ],
    },
  }),
};
