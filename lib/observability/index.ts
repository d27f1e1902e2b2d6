// The public face of lib/observability: other domains and apps import from here, never from its files.
export * from './alert-catalog';
export * from './alert-routing';
export * from './dashboard-model';
export * from './flows';
export * from './grafana-dashboard';
export * from './kiali';
export * from './kube-prometheus-stack';
export * from './loki';
export * from './monitoring-stack';
export * from './observability-addon';
export * from './platform-dashboards';
export * from './platform-monitors';
export * from './prometheus-alert-rules';
export * from './promtail';
export * from './tempo';
