import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { argoAnnotations, SyncWave } from '../core/argocd';

/** Name of the priority level (and flow schema) tenants' service accounts are classified into. */
export const TENANT_PRIORITY_LEVEL = 'ceres-tenants';

export interface ApiFairnessProps {
  /** The tenant namespaces of the environment. */
  readonly tenantNamespaces: readonly string[];
}

/**
 * API Priority and Fairness (flowcontrol.apiserver.k8s.io/v1, GA in Kubernetes 1.29): requests of
 * tenants' service accounts (their controllers, operators, CI jobs) get their own priority level with
 * a small share of the API server's concurrency, queued fairly per namespace, so a noisy tenant
 * controller cannot starve the platform's controllers (which keep the built-in `workload-high` and
 * `system` levels). The FlowSchema's precedence (8000) beats the built-in `service-accounts` schema (9000).
 */
export class ApiFairness extends Construct {
  constructor(scope: Construct, id: string, props: ApiFairnessProps) {
    super(scope, id);
    const annotations = argoAnnotations({ wave: SyncWave.policies });
    new ApiObject(this, 'Level', {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
      kind: 'PriorityLevelConfiguration',
      metadata: { name: TENANT_PRIORITY_LEVEL, annotations },
      spec: {
        type: 'Limited',
        limited: {
          nominalConcurrencyShares: 10,
          lendablePercent: 0,
          limitResponse: { type: 'Queue', queuing: { queues: 64, handSize: 6, queueLengthLimit: 50 } },
        },
      },
    });
    if (props.tenantNamespaces.length === 0) return;
    new ApiObject(this, 'Flows', {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
      kind: 'FlowSchema',
      metadata: { name: TENANT_PRIORITY_LEVEL, annotations },
      spec: {
        priorityLevelConfiguration: { name: TENANT_PRIORITY_LEVEL },
        matchingPrecedence: 8000,
        // Fair queuing per namespace: one tenant's flood waits in its own queues.
        distinguisherMethod: { type: 'ByNamespace' },
        rules: [
          {
            subjects: [...props.tenantNamespaces].sort().map((namespace) => ({ kind: 'ServiceAccount', serviceAccount: { namespace, name: '*' } })),
            resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], clusterScope: true, namespaces: ['*'] }],
            nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
          },
        ],
      },
    });
  }
}
