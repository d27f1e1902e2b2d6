import { Chart } from 'cdk8s';
import * as k8s from '../core/k8s';
import { Construct } from 'constructs';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { TIERS_IN_ORDER } from './tier-table';

/** The PriorityClass the platform's own services run with: above every tenant, below the system classes. */
export const PLATFORM_PRIORITY_CLASS = {
  name: 'ceres-platform',
  value: 100_000,
  description: 'CERES core services: preempt tenant pods, never system components',
} as const;

export interface TierPriorityClassesProps {
  /**
   * Also render the platform services' class.
   * @default true
   */
  readonly includePlatform?: boolean;
}

/**
 * One PriorityClass per tier (from the tier table), plus the platform's. None is the global default
 * and none preempts lower tiers' running pods: a tier decides who waits and who is evicted first under
 * node pressure, not who may kill whom.
 */
export class TierPriorityClasses extends Construct {
  constructor(scope: Chart, id: string, props: TierPriorityClassesProps = {}) {
    super(scope, id);
    const annotations = argoAnnotations({ wave: SyncWave.policies });
    for (const t of TIERS_IN_ORDER) {
      new k8s.KubePriorityClass(this, t.level, {
        metadata: { name: t.priorityClass.name, annotations },
        value: t.priorityClass.value,
        globalDefault: false,
        preemptionPolicy: 'Never',
        description: t.priorityClass.description,
      });
    }
    if (props.includePlatform ?? true) {
      new k8s.KubePriorityClass(this, 'platform', {
        metadata: { name: PLATFORM_PRIORITY_CLASS.name, annotations },
        value: PLATFORM_PRIORITY_CLASS.value,
        globalDefault: false,
        preemptionPolicy: 'PreemptLowerPriority',
        description: PLATFORM_PRIORITY_CLASS.description,
      });
    }
  }
}
