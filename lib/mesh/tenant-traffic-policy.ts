import { Construct } from 'constructs';
import { AuthorizationPolicy, AuthorizationPolicySpecAction } from '../../imports/istio-security.istio.io';
import { argoAnnotations, SyncWave } from '../core/argocd';

export interface TenantTrafficPolicyProps {
  /** The tenant namespace. */
  readonly namespace: string;
  /** Principals of the ingress gateways that route the tenant's public hosts. */
  readonly gatewayPrincipals: readonly string[];
}

/**
 * What a tenant namespace accepts besides `allow-nothing`: requests the ingress gateway routes to it
 * (which must still carry a token of the tenant's realm: see the tenant JwtRequirement), and calls
 * between the tenant's own workloads. Nothing from other tenants or platform namespaces. Tenants
 * cannot write AuthorizationPolicies themselves (their AppProject refuses security.istio.io), so the
 * platform grants this baseline.
 */
export class TenantTrafficPolicy extends Construct {
  constructor(scope: Construct, id: string, props: TenantTrafficPolicyProps) {
    super(scope, id);
    new AuthorizationPolicy(this, 'Resource', {
      metadata: { name: 'allow-gateway-and-namespace', namespace: props.namespace, annotations: argoAnnotations({ wave: SyncWave.namespaces }) },
      spec: {
        action: AuthorizationPolicySpecAction.ALLOW,
        rules: [{ from: [{ source: { principals: [...props.gatewayPrincipals] } }] }, { from: [{ source: { namespaces: [props.namespace] } }] }],
      },
    });
  }
}
