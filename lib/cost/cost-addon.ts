import { NamespaceDeclaration, PlatformAddOn, PlatformContext } from '../core/addon';
import { SyncWave } from '../core/argocd';
import { Labels } from '../core/names';
import { PlatformNamespaces } from '../core/namespaces';
import { costAllocationCheck } from './cost-allocation-check';
import { costReport } from './cost-report';
import { karpenter } from './karpenter';
import { KarpenterCapacity } from './karpenter-capacity';
import { RightsizingRecommendations } from './rightsizing-recommendations';
import { verticalPodAutoscaler } from './vertical-pod-autoscaler';

/** Karpenter NodePools and EC2NodeClass of the hub's AWS cluster. */
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
  public readonly charts = [karpenter, verticalPodAutoscaler];
  public readonly namespaces: readonly NamespaceDeclaration[] = [
    { name: PlatformNamespaces.vpa, podSecurity: 'restricted', thirdPartyImages: true },
    { name: PlatformNamespaces.karpenter, podSecurity: 'baseline', reason: 'the controller chart does not set seccomp on every container', thirdPartyImages: true },
  ];
  public readonly checks = [costAllocationCheck];

  public deploy(ctx: PlatformContext): void {
    const labels = { [Labels.costCenter]: 'platform' };
    const aws = ctx.environment.clusters.find((c) => c.role === 'primary' && c.cloud === 'aws');
    if (aws) {
      const capacity = ctx.output.folder(CAPACITY_FOLDER, {
        description: `Karpenter NodePools (spot and on-demand) and EC2NodeClass of ${aws.name}`,
        syncWave: SyncWave.operatorConfig,
        labels,
        hubOnly: true,
      });
      new KarpenterCapacity(capacity.manifest('karpenter'), 'karpenter', { cluster: aws });
    }
    const rightsizing = ctx.output.folder(RIGHTSIZING_FOLDER, {
      description: 'VerticalPodAutoscalers in recommendation mode for every catalog workload',
      syncWave: SyncWave.workloads,
      labels,
    });
    new RightsizingRecommendations(rightsizing.manifest('vertical-pod-autoscalers'), 'vpa', { services: ctx.services });
    ctx.output
      .folder(REPORTS_FOLDER, { synced: false, description: 'Reports for reviewers (cost); not synced' })
      .addFile('cost.md', costReport(ctx.environment, ctx.tenants));
  }
}
