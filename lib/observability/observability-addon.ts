import { kiali } from './kiali';
import { placementApplies } from '../core/topology';
import { priceGroup } from './alert-catalog';
import { Flow, FlowTarget } from '../core/flows';
import { observabilityFlows } from './flows';
import { consoleFlows } from '../mesh';
import { NamespaceDeclaration, PlatformAddOn, PlatformContext } from '../core/addon';
import { SyncWave } from '../core/argocd';
import { Labels } from '../core/names';
import { PlatformNamespaces } from '../core/namespaces';
import { alertGroups } from './alert-catalog';
import { GrafanaDashboard } from './grafana-dashboard';
import { kubePrometheusStack } from './kube-prometheus-stack';
import { loki } from './loki';
import { PLATFORM_DASHBOARDS } from './platform-dashboards';
import { PlatformMonitors } from './platform-monitors';
import { PrometheusAlertRules } from './prometheus-alert-rules';
import { promtail } from './promtail';
import { tempo } from './tempo';

/** The observability folder of every environment. */
export const OBSERVABILITY_FOLDER = 'observability';

export interface ObservabilityProps {
  /**
   * Where runbooks live; alert `runbook_url`s point at `<this>#<alert>`.
   * @default docs/observability.md in the platform's git repository (derived from platform.gitops)
   */
  readonly runbookBaseUrl?: string;
}

/**
 * The monitoring stack (kube-prometheus-stack, Loki, promtail, Tempo) and what the platform adds to
 * it: alerts (the design's, the migration plan's SLOs, tenant quota and certificate expiry), scrape
 * targets for the platform services and the mesh, and Grafana dashboards. Everything lives in `monitoring` and syncs in the observability wave, after
 * the kube-prometheus-stack CRDs (operators wave).
 */
export class ObservabilityAddOn implements PlatformAddOn {
  public flows(target: FlowTarget): Flow[] {
    return [...observabilityFlows(target), ...consoleFlows(this.name, this.charts, target)];
  }

  public readonly name = 'observability';
  public readonly charts = [kubePrometheusStack, loki, promtail, tempo, kiali];
  public readonly namespaces: readonly NamespaceDeclaration[] = [
    { name: PlatformNamespaces.kiali, podSecurity: 'restricted', thirdPartyImages: true },
    {
      name: PlatformNamespaces.monitoring,
      podSecurity: 'privileged',
      reason: 'node-exporter (hostNetwork, hostPID, hostPath) and promtail (hostPath logs)',
      thirdPartyImages: true,
    },
  ];
  constructor(private readonly props: ObservabilityProps = {}) {}

  public deploy(ctx: PlatformContext): void {
    const folder = ctx.output.folder(OBSERVABILITY_FOLDER, {
      description: 'Alert rules, scrape targets, Grafana dashboards and the tracing endpoint',
      syncWave: SyncWave.observability,
      labels: { [Labels.costCenter]: 'platform' },
      // Dashboard ConfigMaps exceed the last-applied annotation of client-side apply.
      serverSideApply: true,
    });
    const namespace = PlatformNamespaces.monitoring;
    new PrometheusAlertRules(folder.manifest('alerts', { namespace }), 'alerts', {
      name: 'ceres-alerts',
      namespace,
      groups: alertGroups(ctx.environment),
      runbookBaseUrl: this.props.runbookBaseUrl ?? runbookBase(ctx.platform.gitops.repoURL, ctx.platform.gitops.targetRevision),
    });
    new PlatformMonitors(folder.manifest('monitors', { namespace }), 'monitors', { services: ctx.services, namespace });
    // Unit prices of each cluster's own cloud, which the shared cost rules read.
    for (const cluster of ctx.environment.clusters.filter((c) => placementApplies(kubePrometheusStack.placement, c))) {
      const prices = ctx.output.clusterFolder(cluster, 'cost-prices', {
        description: `List prices of ${cluster.cloud} ${cluster.region} as Prometheus series, and the node cost rules (lib/cost)`,
        syncWave: SyncWave.observability,
        labels: { [Labels.costCenter]: 'platform' },
      });
      new PrometheusAlertRules(prices.manifest('prices', { namespace }), 'prices', {
        name: 'ceres-prices',
        namespace,
        groups: [priceGroup(cluster, ctx.platform)],
        runbookBaseUrl: '',
      });
    }
    const dashboards = folder.manifest('dashboards', { namespace });
    for (const d of PLATFORM_DASHBOARDS) new GrafanaDashboard(dashboards, d.uid, { dashboard: d, namespace });
  }
}

/** `https://github.com/org/repo.git` → `https://github.com/org/repo/blob/<rev>/docs/observability.md`. */
export function runbookBase(repoURL: string, revision: string): string {
  return `${repoURL.replace(/\.git$/, '')}/blob/${revision}/docs/observability.md`;
}
