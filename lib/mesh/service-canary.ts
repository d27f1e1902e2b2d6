import { Construct } from 'constructs';
import {
  Canary,
  CanarySpecAutoscalerRefKind,
  CanarySpecProvider,
  CanarySpecServiceTrafficPolicy,
  CanarySpecServiceTrafficPolicyLoadBalancerSimple,
  CanarySpecServiceTrafficPolicyTlsMode,
  CanarySpecTargetRefKind,
} from '../../imports/flagger-flagger.app';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { TrafficPolicy } from '../core/services';
import { destinationTrafficPolicy } from './service-destination-rule';

/**
 * The platform's traffic policy in the shape Flagger's Canary accepts (its schema has no TCP
 * connection pool: Flagger copies the rest into the DestinationRules it generates).
 */
function canaryTrafficPolicy(policy: TrafficPolicy | undefined): CanarySpecServiceTrafficPolicy {
  const dr = destinationTrafficPolicy(policy);
  return {
    loadBalancer: dr.loadBalancer?.simple
      ? { simple: dr.loadBalancer.simple as string as CanarySpecServiceTrafficPolicyLoadBalancerSimple }
      : { consistentHash: { httpHeaderName: dr.loadBalancer?.consistentHash?.httpHeaderName } },
    connectionPool: { http: { http1MaxPendingRequests: dr.connectionPool?.http?.http1MaxPendingRequests } },
    outlierDetection: { ...dr.outlierDetection },
    tls: { mode: CanarySpecServiceTrafficPolicyTlsMode.ISTIO_UNDERSCORE_MUTUAL },
  };
}

/** The design's progressive delivery: 10% → 25% → 50% → 75% → 100%. */
export const DESIGN_STEP_WEIGHTS: readonly number[] = [10, 25, 50, 75, 100];

export interface CanaryAnalysisOptions {
  /** Traffic weights of the canary, step by step. @default [10, 25, 50, 75, 100] */
  readonly stepWeights?: readonly number[];
  /** Time between steps (and metric window). @default '1m' */
  readonly interval?: string;
  /** Failed checks before rollback. @default 5 */
  readonly threshold?: number;
  /** Window of the success-rate and latency queries. @default the interval */
  readonly metricWindow?: string;
  /** Minimum request success rate, percent (error rate below 1%). @default 99 */
  readonly minSuccessRatePercent?: number;
  /** Maximum p99 request duration, milliseconds. @default 500 */
  readonly maxP99Milliseconds?: number;
}

export interface ServiceCanaryProps {
  /** metadata.name and the target Deployment (Flagger creates `<name>-primary`). */
  readonly name: string;
  /** Namespace of the Canary and its target Deployment. */
  readonly namespace: string;
  /** Service port (container port). */
  readonly port: number;
  /** HorizontalPodAutoscaler of the target Deployment (Flagger copies it for the primary). @default none */
  readonly autoscalerName?: string;
  /** Public hosts when the service is exposed. @default none */
  readonly hosts?: readonly string[];
  /** Gateways of the generated VirtualService. @default ['mesh'] */
  readonly gateways?: readonly string[];
  /** Traffic policy of the generated DestinationRules. @default the platform defaults, ISTIO_MUTUAL */
  readonly trafficPolicy?: TrafficPolicy;
  /** Request timeout. @default '10s' */
  readonly timeout?: string;
  /** Retries on 5xx, reset and connect failure. @default 2 */
  readonly retries?: number;
  /** Steps, pace and success criteria of the analysis. @default the design's steps, one minute apart */
  readonly analysis?: CanaryAnalysisOptions;
}

/**
 * A Flagger Canary owning a service's rollout: Flagger creates the Services, DestinationRules and
 * the VirtualService of the route and shifts traffic by the design's steps while the success rate
 * stays ≥ 99% and p99 latency ≤ 500 ms, rolling back otherwise. The library then renders no
 * VirtualService for that service (the `one-route-owner` check enforces it).
 */
export class ServiceCanary extends Construct {
  constructor(scope: Construct, id: string, props: ServiceCanaryProps) {
    super(scope, id);
    const a = props.analysis ?? {};
    const steps = [...(a.stepWeights ?? DESIGN_STEP_WEIGHTS)];
    this.node.addValidation({
      validate: () => {
        const problems: string[] = [];
        if (steps.length === 0) problems.push(`Canary ${props.name}: stepWeights is empty`);
        steps.forEach((w, i) => {
          if (w <= 0 || w > 100) problems.push(`Canary ${props.name}: step weight ${w} must be in 1..100`);
          if (i > 0 && w <= steps[i - 1]) problems.push(`Canary ${props.name}: step weights must increase (${steps.join(' → ')})`);
        });
        return problems;
      },
    });
    const attempts = props.retries ?? 2;
    new Canary(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, annotations: argoAnnotations({ wave: SyncWave.routes }) },
      spec: {
        provider: CanarySpecProvider.ISTIO,
        targetRef: { apiVersion: 'apps/v1', kind: CanarySpecTargetRefKind.DEPLOYMENT, name: props.name },
        autoscalerRef: props.autoscalerName
          ? { apiVersion: 'autoscaling/v2', kind: CanarySpecAutoscalerRefKind.HORIZONTAL_POD_AUTOSCALER, name: props.autoscalerName }
          : undefined,
        progressDeadlineSeconds: 600,
        service: {
          port: props.port,
          targetPort: props.port,
          hosts: props.hosts?.length ? [...props.hosts] : undefined,
          gateways: props.gateways?.length ? [...props.gateways] : undefined,
          timeout: props.timeout ?? '10s',
          retries: attempts > 0 ? { attempts, retryOn: '5xx,reset,connect-failure' } : undefined,
          trafficPolicy: canaryTrafficPolicy(props.trafficPolicy),
        },
        analysis: {
          interval: a.interval ?? '1m',
          threshold: a.threshold ?? 5,
          stepWeights: steps,
          metrics: [
            { name: 'request-success-rate', thresholdRange: { min: a.minSuccessRatePercent ?? 99 }, interval: a.metricWindow ?? a.interval ?? '1m' },
            { name: 'request-duration', thresholdRange: { max: a.maxP99Milliseconds ?? 500 }, interval: a.metricWindow ?? a.interval ?? '1m' },
          ],
        },
      },
    });
  }
}
