import { Construct } from 'constructs';
import { AuthorizationPolicy } from '../../imports/istio-security.istio.io';
import { argoAnnotations, SyncWave } from '../core/argocd';

/** Name of the allow-nothing policy of every meshed namespace. */
export const ALLOW_NOTHING = 'allow-nothing';

export interface AllowNothingPolicyProps {
  /** The meshed namespace. */
  readonly namespace: string;
}

/**
 * Default deny for a namespace: an ALLOW policy without rules matches no request, and once any
 * ALLOW policy selects a workload, requests that no ALLOW policy matches are refused. Every call
 * then needs an explicit ALLOW (see ServiceAccessPolicy).
 */
export class AllowNothingPolicy extends Construct {
  constructor(scope: Construct, id: string, props: AllowNothingPolicyProps) {
    super(scope, id);
    new AuthorizationPolicy(this, 'Resource', {
      metadata: { name: ALLOW_NOTHING, namespace: props.namespace, annotations: argoAnnotations({ wave: SyncWave.namespaces }) },
      spec: {},
    });
  }
}
