import { Chart } from 'cdk8s';
import * as k8s from '../core/k8s';
import { Construct } from 'constructs';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { SubscriptionLevel } from '../core/input/types';
import { CpuMemory, TierValues, TIERS } from './tier-table';

export interface TenantQuotaProps {
  /** The namespace bounded. */
  readonly namespace: string;
  /** The tenant's subscription level; its values come from the tier table. */
  readonly tier: SubscriptionLevel;
}

const q = (v: string | number) => k8s.Quantity.fromString(String(v));
const cpuMemory = (v: CpuMemory) => ({ cpu: q(v.cpu), memory: q(v.memory) });

/**
 * A tenant namespace's ResourceQuota and LimitRange, from its tier's row of the tier table. The
 * LimitRange fills in requests and limits for containers that set none, so every pod counts against
 * the quota (a quota on `limits.cpu` otherwise rejects pods without limits).
 */
export class TenantQuota extends Construct {
  public readonly values: TierValues;

  constructor(scope: Chart, id: string, props: TenantQuotaProps) {
    super(scope, id);
    const t = (this.values = TIERS[props.tier]);
    const annotations = argoAnnotations({ wave: SyncWave.namespaces });
    new k8s.KubeResourceQuota(this, 'Quota', {
      metadata: { name: 'tenant-quota', namespace: props.namespace, annotations },
      spec: {
        hard: {
          'requests.cpu': q(t.quota.requestsCpu),
          'requests.memory': q(t.quota.requestsMemory),
          'limits.cpu': q(t.quota.limitsCpu),
          'limits.memory': q(t.quota.limitsMemory),
          'requests.storage': q(t.quota.storage),
          persistentvolumeclaims: q(t.quota.persistentVolumeClaims),
          pods: q(t.quota.pods),
          services: q(t.quota.services),
          'services.loadbalancers': q(t.quota.loadBalancers),
          // A LoadBalancer Service allocates node ports (allocateLoadBalancerNodePorts defaults to
          // true), so the quota allows exactly as many as load balancers; plain NodePort Services are
          // refused by admission (ceres-service-exposure), not by this count.
          'services.nodeports': q(t.quota.loadBalancers),
          configmaps: q(t.quota.configMaps),
          secrets: q(t.quota.secrets),
        },
      },
    });
    new k8s.KubeLimitRange(this, 'Limits', {
      metadata: { name: 'tenant-limits', namespace: props.namespace, annotations },
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: cpuMemory(t.limitRange.defaultRequest),
            default: cpuMemory(t.limitRange.defaultLimit),
            min: cpuMemory(t.limitRange.min),
            max: cpuMemory(t.limitRange.max),
          },
        ],
      },
    });
  }
}
