import { Construct } from 'constructs';
import * as k8s from '../core/k8s';
import { argoAnnotations } from '../core/argocd';
import { DashboardSpec, dashboardJson } from './dashboard-model';
import { GRAFANA_DASHBOARD_LABEL } from './monitoring-stack';

export interface GrafanaDashboardProps {
  /** The dashboard, rendered to Grafana's JSON model. */
  readonly dashboard: DashboardSpec;
  /** Namespace of the ConfigMap, one the Grafana sidecar searches. */
  readonly namespace: string;
  /** Grafana folder the sidecar files it under. @default 'CERES' */
  readonly grafanaFolder?: string;
}

/**
 * A dashboard as a ConfigMap the Grafana sidecar loads (label `grafana_dashboard: "1"`). Dashboards
 * exceed the 256 KiB last-applied annotation quickly, so they are applied server-side.
 */
export class GrafanaDashboard extends Construct {
  constructor(scope: Construct, id: string, props: GrafanaDashboardProps) {
    super(scope, id);
    new k8s.KubeConfigMap(this, 'Resource', {
      metadata: {
        name: `dashboard-${props.dashboard.uid}`,
        namespace: props.namespace,
        labels: { [GRAFANA_DASHBOARD_LABEL.key]: GRAFANA_DASHBOARD_LABEL.value },
        annotations: { ...argoAnnotations({ serverSideApply: true }), grafana_folder: props.grafanaFolder ?? 'CERES' },
      },
      data: { [`${props.dashboard.uid}.json`]: JSON.stringify(dashboardJson(props.dashboard), null, 2) },
    });
  }
}
