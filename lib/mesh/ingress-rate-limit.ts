import { Construct } from 'constructs';
import {
  EnvoyFilter,
  EnvoyFilterSpecConfigPatchesApplyTo as ApplyTo,
  EnvoyFilterSpecConfigPatchesMatchContext as Context,
  EnvoyFilterSpecConfigPatchesPatchOperation as Operation,
} from '../../imports/istio-networking.istio.io';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { GatewayDeployment } from './mesh-config';

/** Requests per second each ingress gateway replica admits for each platform host (`api.ceres.io`…). */
export const PLATFORM_HOST_REQUESTS_PER_SECOND = 2000;

export interface IngressRateLimitProps {
  /** The gateway whose Envoys get the local rate limit (the ingress gateway). */
  readonly deployment: GatewayDeployment;
  /** Public host → requests per second per gateway replica. */
  readonly limits: ReadonlyMap<string, number>;
}

const LOCAL_RATE_LIMIT = 'envoy.filters.http.local_ratelimit';
const TYPED = (value: Record<string, unknown>) => ({
  '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
  type_url: 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
  value,
});

/**
 * Local rate limiting at the ingress gateway (the design's gateway does TLS, routing and rate
 * limiting), as Istio documents it (https://istio.io/latest/docs/tasks/policy-enforcement/rate-limit/):
 * the local_ratelimit HTTP filter inserted before the router of the gateway's listeners, and one token
 * bucket per public host on its virtual host (`<host>:443`), sized by the tenant's tier (platform hosts:
 * PLATFORM_HOST_REQUESTS_PER_SECOND). Limits are per gateway replica: the autoscaler multiplies them.
 * Beyond the bucket the gateway answers 429 with `x-local-rate-limit: true`.
 */
export class IngressRateLimit extends Construct {
  constructor(scope: Construct, id: string, props: IngressRateLimitProps) {
    super(scope, id);
    if (props.limits.size === 0) return;
    const hosts = [...props.limits.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    new EnvoyFilter(this, 'Resource', {
      metadata: { name: 'ingress-local-rate-limit', namespace: props.deployment.namespace, annotations: argoAnnotations({ wave: SyncWave.routes }) },
      spec: {
        workloadSelector: { labels: { istio: props.deployment.selector } },
        configPatches: [
          {
            applyTo: ApplyTo.HTTP_UNDERSCORE_FILTER,
            match: {
              context: Context.GATEWAY,
              listener: {
                filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } },
              },
            },
            patch: {
              operation: Operation.INSERT_UNDERSCORE_BEFORE,
              value: { name: LOCAL_RATE_LIMIT, typed_config: TYPED({ stat_prefix: 'http_local_rate_limiter' }) },
            },
          },
          ...hosts.map(([host, rps]) => ({
            applyTo: ApplyTo.VIRTUAL_UNDERSCORE_HOST,
            match: { context: Context.GATEWAY, routeConfiguration: { vhost: { name: `${host}:443` } } },
            patch: {
              operation: Operation.MERGE,
              value: {
                typed_per_filter_config: {
                  [LOCAL_RATE_LIMIT]: TYPED({
                    stat_prefix: 'http_local_rate_limiter',
                    token_bucket: { max_tokens: rps, tokens_per_fill: rps, fill_interval: '1s' },
                    filter_enabled: { runtime_key: 'local_rate_limit_enabled', default_value: { numerator: 100, denominator: 'HUNDRED' } },
                    filter_enforced: { runtime_key: 'local_rate_limit_enforced', default_value: { numerator: 100, denominator: 'HUNDRED' } },
                    response_headers_to_add: [{ append_action: 'OVERWRITE_IF_EXISTS_OR_ADD', header: { key: 'x-local-rate-limit', value: 'true' } }],
                  }),
                },
              },
            },
          })),
        ],
      },
    });
  }
}
