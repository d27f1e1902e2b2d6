import { Construct } from 'constructs';
import { VerticalPodAutoscaler, VerticalPodAutoscalerSpecUpdatePolicyUpdateMode } from '../../imports/vpa-autoscaling.k8s.io';
import { ServiceCatalog, workloadName } from '../core/services';

export interface RightsizingRecommendationsProps {
  /** The catalog whose Deployments (one per service version) get a recommendation-only VPA. */
  readonly services: ServiceCatalog;
}

/**
 * A VerticalPodAutoscaler in recommendation mode (`updateMode: Off`) for every Deployment of the
 * catalog: the recommender publishes right-sizing advice per container in the VPA status, nothing is
 * evicted or rewritten (the HPAs keep scaling on CPU, which an active VPA would fight).
 */
export class RightsizingRecommendations extends Construct {
  constructor(scope: Construct, id: string, props: RightsizingRecommendationsProps) {
    super(scope, id);
    const seen = new Set<string>();
    for (const s of props.services.services) {
      for (const v of s.versions) {
        const name = workloadName(s, v);
        const key = `${s.namespace}/${name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        new VerticalPodAutoscaler(this, key, {
          metadata: { name, namespace: s.namespace },
          spec: {
            targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
            updatePolicy: { updateMode: VerticalPodAutoscalerSpecUpdatePolicyUpdateMode.OFF },
          },
        });
      }
    }
  }
}
