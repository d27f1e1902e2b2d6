import { Construct } from 'constructs';
import {
  DestinationRule,
  DestinationRuleSpecTrafficPolicy,
  DestinationRuleSpecTrafficPolicyLoadBalancerSimple,
  DestinationRuleSpecTrafficPolicyTlsMode,
} from '../../imports/istio-networking.istio.io';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { LoadBalancing, TrafficPolicy } from '../core/services';

/** A named set of endpoints, selected by pod labels (`version: v1`). */
export interface Subset {
  /** Subset name, the version name routes refer to (`v1`). */
  readonly name: string;
  /** Pod labels selecting the subset's endpoints (`version: v1`). */
  readonly labels: Readonly<Record<string, string>>;
}

export interface ServiceDestinationRuleProps {
  /** metadata.name (the service name). */
  readonly name: string;
  /** Namespace of the DestinationRule (the service's). */
  readonly namespace: string;
  /** FQDN of the Service (`api.ceres.svc.cluster.local`). */
  readonly host: string;
  /** One subset per version. @default [] */
  readonly subsets?: readonly Subset[];
  /** Load balancing, connection pool and circuit breaking. @default least request, 100 connections, 100 pending requests, ejection after 5 consecutive 5xx, at most 50% ejected */
  readonly trafficPolicy?: TrafficPolicy;
}

const SIMPLE: Record<string, DestinationRuleSpecTrafficPolicyLoadBalancerSimple> = {
  ROUND_ROBIN: DestinationRuleSpecTrafficPolicyLoadBalancerSimple.ROUND_UNDERSCORE_ROBIN,
  LEAST_REQUEST: DestinationRuleSpecTrafficPolicyLoadBalancerSimple.LEAST_UNDERSCORE_REQUEST,
  RANDOM: DestinationRuleSpecTrafficPolicyLoadBalancerSimple.RANDOM,
};

/**
 * The traffic policy of a service with the platform's defaults filled in, in the shape both a
 * DestinationRule and a Flagger Canary accept. TLS is always ISTIO_MUTUAL: a policy without it
 * would send plaintext to sidecars that only accept mTLS.
 */
export function destinationTrafficPolicy(policy: TrafficPolicy = {}): DestinationRuleSpecTrafficPolicy {
  const lb: LoadBalancing = policy.loadBalancing ?? 'LEAST_REQUEST';
  return {
    loadBalancer: typeof lb === 'string' ? { simple: SIMPLE[lb] } : { consistentHash: { httpHeaderName: lb.consistentHashHeader } },
    connectionPool: {
      tcp: { maxConnections: policy.maxConnections ?? 100 },
      http: { http1MaxPendingRequests: policy.maxPendingRequests ?? 100 },
    },
    outlierDetection: {
      consecutive5XxErrors: policy.consecutive5xxErrors ?? 5,
      interval: '10s',
      baseEjectionTime: '30s',
      maxEjectionPercent: policy.maxEjectionPercent ?? 50,
    },
    tls: { mode: DestinationRuleSpecTrafficPolicyTlsMode.ISTIO_UNDERSCORE_MUTUAL },
  };
}

/**
 * A service's DestinationRule: its subsets (one per version) and traffic policy. Rendered in the
 * DestinationRule sync wave, before the VirtualServices that name its subsets (make-before-break).
 */
export class ServiceDestinationRule extends Construct {
  public readonly host: string;
  public readonly subsetNames: ReadonlySet<string>;

  constructor(scope: Construct, id: string, props: ServiceDestinationRuleProps) {
    super(scope, id);
    this.host = props.host;
    const subsets = props.subsets ?? [];
    this.subsetNames = new Set(subsets.map((s) => s.name));
    const policy = props.trafficPolicy ?? {};
    this.node.addValidation({
      validate: () => {
        const problems: string[] = [];
        if (this.subsetNames.size !== subsets.length) problems.push(`DestinationRule ${props.name} declares a subset name twice`);
        for (const s of subsets)
          if (Object.keys(s.labels).length === 0)
            problems.push(`DestinationRule ${props.name}: subset ${s.name} has no labels and would select every pod of the service`);
        if (policy.maxEjectionPercent !== undefined && (policy.maxEjectionPercent < 0 || policy.maxEjectionPercent > 100))
          problems.push(`DestinationRule ${props.name}: maxEjectionPercent ${policy.maxEjectionPercent} must be between 0 and 100`);
        return problems;
      },
    });
    new DestinationRule(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, annotations: argoAnnotations({ wave: SyncWave.destinationRules }) },
      spec: {
        host: props.host,
        trafficPolicy: destinationTrafficPolicy(policy),
        subsets: subsets.length ? subsets.map((s) => ({ name: s.name, labels: { ...s.labels } })) : undefined,
      },
    });
  }
}
