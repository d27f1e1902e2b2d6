import { Construct } from 'constructs';
import { Telemetry } from '../../imports/istio-telemetry.istio.io';
import { PlatformNamespaces } from '../core/namespaces';

/** Istio's built-in providers: Envoy access logs to stdout, metrics scraped by Prometheus. */
export const BUILTIN_PROVIDERS = { accessLog: 'envoy', metrics: 'prometheus' } as const;

export interface MeshTelemetryProps {
  /** Extension provider spans are sent to (declared in meshConfig.extensionProviders). */
  readonly tracingProvider: string;
  /** Share of requests traced, percent (0–100): the environment's sizing.tracingSamplePercent. */
  readonly samplePercent: number;
  /** @default 'istio-system' (mesh-wide) */
  readonly rootNamespace?: string;
}

/**
 * The mesh-wide Telemetry default: traces sampled at the environment's rate to the tracing backend,
 * access logs, and Prometheus metrics (scraped from each proxy's :15020/stats/prometheus).
 */
export class MeshTelemetry extends Construct {
  constructor(scope: Construct, id: string, props: MeshTelemetryProps) {
    super(scope, id);
    this.node.addValidation({
      validate: () => (props.samplePercent < 0 || props.samplePercent > 100 ? [`tracing sample rate ${props.samplePercent}% must be between 0 and 100`] : []),
    });
    new Telemetry(this, 'Resource', {
      metadata: { name: 'mesh-default', namespace: props.rootNamespace ?? PlatformNamespaces.istio },
      spec: {
        tracing: [{ providers: [{ name: props.tracingProvider }], randomSamplingPercentage: props.samplePercent }],
        accessLogging: [{ providers: [{ name: BUILTIN_PROVIDERS.accessLog }] }],
        metrics: [{ providers: [{ name: BUILTIN_PROVIDERS.metrics }] }],
      },
    });
  }
}
