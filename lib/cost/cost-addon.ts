import { KUBE_SYSTEM_NAMESPACE, NamespaceDeclaration, PlatformAddOn, PlatformContext } from '../core/addon';
import { SyncWave } from '../core/argocd';
import { Labels } from '../core/names';
import { placementApplies, traitsOf, WORKLOAD_CLUSTERS } from '../core/topology';
import { nodeAddresses } from '../core/cloud';
import { Flow, FlowTarget, namespaceBaseFlows, PodSet } from '../core/flows';
import { PlatformNamespaces } from '../core/namespaces';
import { InputError } from '../core/errors';
import { pricingIssues } from './cluster-pricing';
import { costAllocationCheck } from './cost-allocation-check';
import { costReport } from './cost-report';
import { karpenter } from './karpenter';
import { KarpenterCapacity } from './karpenter-capacity';
import { RightsizingRecommendations } from './rightsizing-recommendations';
import { verticalPodAutoscaler } from './vertical-pod-autoscaler';

/** Karpenter NodePools and EC2NodeClass of each cluster that runs Karpenter (a cluster folder). */
export const CAPACITY_FOLDER = 'capacity';
/** VerticalPodAutoscalers (recommendation mode) of the catalog's workloads. */
export const RIGHTSIZING_FOLDER = 'rightsizing';
/** Reports for humans, not synced. */
export const REPORTS_FOLDER = 'reports';

/**
 * Cost: Karpenter and the VPA recommender; spot and on-demand capacity with consolidation on AWS (Karpenter), right-sizing
 * recommendations for every workload, the cost-allocation check, and dist/<env>/reports/cost.md.
 */
export class CostAddOn implements PlatformAddOn {
  public readonly name = 'cost';

  /**
   * The VPA recommender reads the API (metrics API included); where the chart's metrics-server runs,
   * it scrapes every kubelet (10250) and the API server calls it as the aggregated metrics API.
   * Karpenter lives in kube-system, which the cluster owns and the platform does not isolate.
   */
  public flows(t: FlowTarget): Flow[] {
    if (!placementApplies(verticalPodAutoscaler.placement, t.cluster)) return [];
    const ns = PlatformNamespaces.vpa;
    const flows: Flow[] = [...namespaceBaseFlows('cost', ns, t.cluster, { apiServer: true })];
    if (!traitsOf(t.cluster).provides.metricsServer) {
      const metricsServer: PodSet = { namespace: ns, podLabels: { 'app.kubernetes.io/name': 'metrics-server' } };
      flows.push(
        {
          name: 'cost/metrics-server-to-kubelets',
          from: { pods: metricsServer },
          to: { external: { cidrs: nodeAddresses(t.cluster) }, ports: [{ port: 10250 }] },
          plaintext: true,
          reason: 'metrics-server reads resource usage from every kubelet',
        },
        {
          name: 'cost/api-server-to-metrics-server',
          from: { apiServer: true },
          to: { pods: metricsServer, ports: [{ port: 10250 }] },
          plaintext: true,
          reason: 'the API server serves metrics.k8s.io from metrics-server (APIService)',
        },
      );
    }
    return flows;
  }
  public readonly charts = [karpenter, verticalPodAutoscaler];
  public readonly namespaces: readonly NamespaceDeclaration[] = [
    { name: PlatformNamespaces.vpa, podSecurity: 'restricted', thirdPartyImages: true },
    // Karpenter installs into kube-system.
    KUBE_SYSTEM_NAMESPACE,
  ];
  public readonly checks = [costAllocationCheck];

  public deploy(ctx: PlatformContext): void {
    // Every cluster is priced at its own cloud and region: a region or instance type missing from the
    // price table is an input error naming the model field, reported for all clusters at once.
    const issues = ctx.environment.clusters.flatMap((c) => pricingIssues(c, ctx.platform));
    if (issues.length) throw new InputError(issues);
    const labels = { [Labels.costCenter]: 'platform' };
    // Karpenter's NodePools name the cluster's node role and discovery tags: each cluster its own.
    for (const cluster of ctx.environment.clusters.filter((c) => traitsOf(c).karpenter)) {
      const capacity = ctx.output.clusterFolder(cluster, CAPACITY_FOLDER, {
        description: `Karpenter NodePools (spot and on-demand) and EC2NodeClass of ${cluster.name}`,
        syncWave: SyncWave.operatorConfig,
        labels,
      });
      new KarpenterCapacity(capacity.manifest('karpenter'), 'karpenter', { cluster });
    }
    const rightsizing = ctx.output.folder(RIGHTSIZING_FOLDER, {
      description: 'VerticalPodAutoscalers in recommendation mode for every catalog workload',
      syncWave: SyncWave.workloads,
      labels,
      placement: WORKLOAD_CLUSTERS,
    });
    new RightsizingRecommendations(rightsizing.manifest('vertical-pod-autoscalers'), 'vpa', { services: ctx.services });
    ctx.output
      .folder(REPORTS_FOLDER, { synced: false, description: 'Reports for reviewers (cost); not synced' })
      .addFile('cost.md', costReport(ctx.environment, ctx.tenants, ctx.platform));
  }
}
