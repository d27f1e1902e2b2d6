import { quantityValue } from '../../core/quantity';
import { KubeManifest } from '../../core/checks';
import { Labels } from '../../core/names';
import { allObjects } from '../state';
import { ClusterState, Finding, findingAt, StateObject, VerifyCheck } from '../types';

/** A typical tenant pod, injected sidecar included, fits the tier this many times at least. */
export const MIN_TENANT_PODS = 10;

interface PodShape {
  readonly requests: { cpu: number; memory: number };
  readonly limits: { cpu: number; memory: number };
}

/** The sidecar istiod injects on this cluster (its release values), if the mesh runs. */
function sidecarOf(state: ClusterState): PodShape | undefined {
  const istiod = state.releases.find((r) => r.chart === 'istiod');
  const r = (istiod?.values as any)?.global?.proxy?.resources;
  if (!istiod) return undefined;
  // Istio's defaults when the values say nothing (manifests/charts/istio-control/istio-discovery/values.yaml).
  return {
    requests: { cpu: quantityValue(r?.requests?.cpu ?? '100m'), memory: quantityValue(r?.requests?.memory ?? '128Mi') },
    limits: { cpu: quantityValue(r?.limits?.cpu ?? '2'), memory: quantityValue(r?.limits?.memory ?? '1Gi') },
  };
}

const meshed = (ns: KubeManifest) => ns.metadata.labels?.['istio-injection'] === 'enabled' || Boolean(ns.metadata.labels?.['istio.io/rev']);

/**
 * In every tenant namespace: a container with the LimitRange defaults plus the injected sidecar
 * fits the ResourceQuota at least MIN_TENANT_PODS times (or the pod count the quota allows, if
 * lower); the sidecar itself fits the LimitRange's per-container bounds; LoadBalancers the quota
 * allows can get their node ports.
 */
export const tenantCapacity: VerifyCheck = {
  name: 'capacity/tenant-pods',
  description: "a typical tenant pod with its sidecar fits the tier's LimitRange and quota a sensible number of times; LoadBalancers fit",
  run(state) {
    const objects = allObjects(state);
    const sidecar = sidecarOf(state);
    const findings: Finding[] = [];
    const add = (o: StateObject, message: string, fix: string) => findings.push(findingAt('capacity/tenant-pods', state, o, message, fix));
    for (const ns of objects.filter((o) => o.manifest.kind === 'Namespace' && o.manifest.metadata.labels?.[Labels.tenant])) {
      const name = ns.manifest.metadata.name!;
      const quota = objects.find((o) => o.manifest.kind === 'ResourceQuota' && o.manifest.metadata.namespace === name);
      const limits = objects.find((o) => o.manifest.kind === 'LimitRange' && o.manifest.metadata.namespace === name);
      if (!quota || !limits) continue;
      const hard = quota.manifest.spec?.hard ?? {};
      const container = (limits.manifest.spec?.limits ?? []).find((l: any) => l.type === 'Container') ?? {};
      const app: PodShape = {
        requests: { cpu: quantityValue(container.defaultRequest?.cpu), memory: quantityValue(container.defaultRequest?.memory) },
        limits: { cpu: quantityValue(container.default?.cpu), memory: quantityValue(container.default?.memory) },
      };
      const side = sidecar && meshed(ns.manifest) ? sidecar : undefined;
      if (side) {
        for (const r of ['cpu', 'memory'] as const) {
          const max = quantityValue(container.max?.[r]);
          if (side.limits[r] > max)
            add(
              limits,
              `the injected sidecar's ${r} limit exceeds the LimitRange maximum per container: every meshed pod is refused`,
              'size the sidecar (lib/mesh/mesh-config.ts sidecarResources) or the tier (lib/quotas/tier-table.ts)',
            );
        }
      }
      const pod = (k: 'requests' | 'limits', r: 'cpu' | 'memory') => app[k][r] + (side ? side[k][r] : 0);
      const fits = Math.min(
        quantityValue(hard['requests.cpu']) / pod('requests', 'cpu'),
        quantityValue(hard['requests.memory']) / pod('requests', 'memory'),
        quantityValue(hard['limits.cpu']) / pod('limits', 'cpu'),
        quantityValue(hard['limits.memory']) / pod('limits', 'memory'),
      );
      const wanted = Math.min(MIN_TENANT_PODS, quantityValue(hard.pods));
      if (Math.floor(fits) < wanted) {
        add(
          quota,
          `a pod with the default container resources${side ? ' and its injected sidecar' : ''} fits the quota ${Math.floor(fits)} times; at least ${wanted} expected`,
          "raise the tier's quota or lower its LimitRange defaults (lib/quotas/tier-table.ts), or size the sidecar (lib/mesh/mesh-config.ts)",
        );
      }
      const lbs = quantityValue(hard['services.loadbalancers'] ?? 0);
      const nodePorts = hard['services.nodeports'] === undefined ? Infinity : quantityValue(hard['services.nodeports']);
      if (lbs > nodePorts)
        add(
          quota,
          `the quota allows ${lbs} LoadBalancer Services but ${nodePorts} node ports; each LoadBalancer allocates node ports, so they are refused`,
          'set services.nodeports to at least services.loadbalancers (lib/quotas/tenant-quota.ts)',
        );
    }
    return findings;
  },
};
