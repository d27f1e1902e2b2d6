import { apiVersionsOf, describeObject, KubeManifest, ManifestCheck, objectsOfKind, RenderedObject } from '../core/checks';
import { CHART_SERVICE_ANNOTATION, HELM_INSTALLED_SERVICE_ACCOUNTS, HELM_INSTALLED_SERVICES, serviceHost } from './mesh-config';

/**
 * Cross-resource rules of the mesh, checked over the rendered objects of an environment before
 * anything is written. Each check builds its indexes in one pass and then looks objects up, so
 * the cost is linear in the number of objects. Messages name the object and say what to change.
 */

const ISTIO_NETWORKING = 'networking.istio.io/';
const ISTIO_SECURITY = 'security.istio.io/';

function isKind(o: RenderedObject, group: string, kind: string): boolean {
  return o.manifest.kind === kind && o.manifest.apiVersion.startsWith(group);
}
const isVirtualService = (o: RenderedObject) => isKind(o, ISTIO_NETWORKING, 'VirtualService');
const isDestinationRule = (o: RenderedObject) => isKind(o, ISTIO_NETWORKING, 'DestinationRule');
const isCoreKind = (o: RenderedObject, kind: string, apiVersion: string) => o.manifest.kind === kind && o.manifest.apiVersion === apiVersion;

/** A host as Istio resolves it from an object in `namespace`: short names are namespace-local Services. */
export function qualifyHost(host: string, namespace: string): string {
  if (host.includes('*')) return host;
  if (host.endsWith('.svc.cluster.local')) return host;
  const parts = host.split('.');
  if (parts.length === 1) return serviceHost(host, namespace);
  if (parts.length === 2) return serviceHost(parts[0], parts[1]);
  if (parts.length === 3 && parts[2] === 'svc') return `${host}.cluster.local`;
  return host;
}

/** One destination of a VirtualService route, with the route it belongs to. */
interface RouteDestination {
  readonly route: string;
  readonly host: string;
  readonly subset?: string;
  readonly weight?: number;
}

/** Every route of a VirtualService (http, tcp, tls) with its destinations. */
function routesOf(m: KubeManifest): { route: string; destinations: RouteDestination[] }[] {
  const out: { route: string; destinations: RouteDestination[] }[] = [];
  for (const kind of ['http', 'tcp', 'tls'] as const) {
    const routes: any[] = m.spec?.[kind] ?? [];
    routes.forEach((r, i) => {
      const route = r.name ?? `${kind}[${i}]`;
      const destinations = ((r.route ?? []) as any[]).map((d) => ({ route, host: d.destination?.host, subset: d.destination?.subset, weight: d.weight }));
      out.push({ route, destinations });
    });
  }
  return out;
}

function namespaceOf(o: RenderedObject): string {
  return o.manifest.metadata.namespace ?? 'default';
}

/** Weights of each route sum to 100 (a route with one unweighted destination gets all its traffic). */
export const routeWeightsCheck: ManifestCheck = {
  name: 'route-weights',
  check: (objects) => {
    const problems: string[] = [];
    for (const o of objectsOfKind(objects, 'VirtualService')) {
      if (!isVirtualService(o)) continue;
      for (const { route, destinations } of routesOf(o.manifest)) {
        if (destinations.length === 0) continue;
        if (destinations.length === 1 && destinations[0].weight === undefined) continue;
        const sum = destinations.reduce((s, d) => s + (d.weight ?? 0), 0);
        if (sum !== 100) {
          problems.push(`${describeObject(o)}: weights of route ${route} sum to ${sum}, not 100; make the weights of each route add up to 100`);
        }
      }
    }
    return problems;
  },
};

/** Subsets of each host (qualified), from the DestinationRules of the environment. */
function subsetIndex(objects: readonly RenderedObject[]): Map<string, Set<string>> {
  const index = new Map<string, Set<string>>();
  for (const o of objectsOfKind(objects, 'DestinationRule')) {
    if (!isDestinationRule(o)) continue;
    const host = qualifyHost(o.manifest.spec?.host ?? '', namespaceOf(o));
    const set = index.get(host) ?? new Set<string>();
    for (const s of (o.manifest.spec?.subsets ?? []) as any[]) set.add(s.name);
    index.set(host, set);
  }
  return index;
}

/** Every subset a route names is defined by a DestinationRule for that host (otherwise Envoy answers 503). */
export const subsetsDefinedCheck: ManifestCheck = {
  name: 'subsets-defined',
  check: (objects) => {
    const subsets = subsetIndex(objects);
    const problems: string[] = [];
    for (const o of objectsOfKind(objects, 'VirtualService')) {
      if (!isVirtualService(o)) continue;
      for (const { route, destinations } of routesOf(o.manifest)) {
        for (const d of destinations) {
          if (!d.subset || !d.host) continue;
          const host = qualifyHost(d.host, namespaceOf(o));
          const defined = subsets.get(host);
          if (!defined?.has(d.subset)) {
            const known = defined ? `it defines ${[...defined].sort().join(', ') || 'none'}` : 'there is no DestinationRule for that host';
            problems.push(
              `${describeObject(o)}: route ${route} names subset ${d.subset} of ${host}, but ${known}; add the subset to the host's DestinationRule or fix the route`,
            );
          }
        }
      }
    }
    return problems;
  },
};

/** Pod template labels of the Deployments of the environment, by namespace and `app` label. */
class WorkloadIndex {
  private readonly byApp = new Map<string, Record<string, string>[]>();
  private readonly byNamespace = new Map<string, Record<string, string>[]>();

  constructor(objects: readonly RenderedObject[]) {
    for (const o of objectsOfKind(objects, 'Deployment')) {
      if (!isCoreKind(o, 'Deployment', 'apps/v1')) continue;
      const labels: Record<string, string> = o.manifest.spec?.template?.metadata?.labels ?? {};
      const ns = namespaceOf(o);
      push(this.byNamespace, ns, labels);
      if (labels.app !== undefined) push(this.byApp, `${ns}|${labels.app}`, labels);
    }
  }

  /** Whether some Deployment of `namespace` has a pod template carrying all `labels`. */
  public matches(namespace: string, labels: Record<string, string>): boolean {
    const candidates = labels.app !== undefined ? this.byApp.get(`${namespace}|${labels.app}`) : this.byNamespace.get(namespace);
    return (candidates ?? []).some((pod) => Object.entries(labels).every(([k, v]) => pod[k] === v));
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Selectors of the Services of the environment, by FQDN. */
function serviceSelectors(objects: readonly RenderedObject[]): Map<string, Record<string, string>> {
  const index = new Map<string, Record<string, string>>();
  for (const o of objectsOfKind(objects, 'Service')) {
    if (isCoreKind(o, 'Service', 'v1') && o.manifest.metadata.name)
      index.set(serviceHost(o.manifest.metadata.name, namespaceOf(o)), o.manifest.spec?.selector ?? {});
  }
  return index;
}

/**
 * Every subset selects running pods: its labels (with the selector of the Service it belongs to)
 * match the pod template of a Deployment in the host's namespace. A subset matching nothing is a
 * route to nowhere.
 */
export const subsetsMatchWorkloadsCheck: ManifestCheck = {
  name: 'subsets-match-workloads',
  check: (objects) => {
    const workloads = new WorkloadIndex(objects);
    const selectors = serviceSelectors(objects);
    const problems: string[] = [];
    for (const o of objectsOfKind(objects, 'DestinationRule')) {
      if (!isDestinationRule(o)) continue;
      const host = qualifyHost(o.manifest.spec?.host ?? '', namespaceOf(o));
      const match = /^[^.]+\.([^.]+)\.svc\.cluster\.local$/.exec(host);
      if (!match) continue;
      const ns = match[1];
      for (const s of (o.manifest.spec?.subsets ?? []) as any[]) {
        const labels = { ...selectors.get(host), ...(s.labels ?? {}) };
        if (!workloads.matches(ns, labels)) {
          const text = Object.entries(labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(',');
          problems.push(
            `${describeObject(o)}: subset ${s.name} selects pods labelled ${text}, but no Deployment in namespace ${ns} has a pod template with these labels; deploy that version or fix the subset labels`,
          );
        }
      }
    }
    return problems;
  },
};

/** Hosts that resolve in the environment: Services, Flagger-generated Services, ServiceEntries, Helm-installed Services. */
class HostRegistry {
  private readonly exact = new Set<string>(HELM_INSTALLED_SERVICES);
  private readonly wildcards = new Set<string>();

  constructor(objects: readonly RenderedObject[]) {
    for (const o of objectsOfKind(objects, 'Service', 'Canary', 'ServiceEntry')) {
      const m = o.manifest;
      const ns = namespaceOf(o);
      if (isCoreKind(o, 'Service', 'v1') && m.metadata.name) this.exact.add(serviceHost(m.metadata.name, ns));
      else if (m.kind === 'Canary' && m.apiVersion.startsWith('flagger.app/')) {
        // Flagger creates <name>, <name>-primary and <name>-canary for the target.
        const name = m.spec?.service?.name ?? m.spec?.targetRef?.name ?? m.metadata.name;
        for (const suffix of ['', '-primary', '-canary']) this.exact.add(serviceHost(`${name}${suffix}`, ns));
      } else if (isKind(o, ISTIO_NETWORKING, 'ServiceEntry')) {
        for (const h of (m.spec?.hosts ?? []) as string[]) {
          if (h.startsWith('*.')) this.wildcards.add(h.slice(1));
          else this.exact.add(qualifyHost(h, ns));
        }
      }
    }
  }

  public resolves(host: string): boolean {
    if (this.exact.has(host)) return true;
    for (let i = host.indexOf('.'); i >= 0; i = host.indexOf('.', i + 1)) {
      if (this.wildcards.has(host.slice(i))) return true;
    }
    return false;
  }
}

/** Every destination host (of routes and DestinationRules) is a declared Service, Flagger service or ServiceEntry. */
export const hostsResolveCheck: ManifestCheck = {
  name: 'hosts-resolve',
  check: (objects) => {
    const registry = new HostRegistry(objects);
    const problems: string[] = [];
    const hint = 'declare the service in the catalog (its Service is rendered by the workloads add-on) or add a ServiceEntry';
    for (const o of objectsOfKind(objects, 'DestinationRule', 'VirtualService')) {
      if (isDestinationRule(o)) {
        const host = qualifyHost(o.manifest.spec?.host ?? '', namespaceOf(o));
        if (!registry.resolves(host))
          problems.push(`${describeObject(o)}: host ${host} resolves to no Service, Flagger canary or ServiceEntry of the environment; ${hint}`);
      } else if (isVirtualService(o)) {
        // Routes to a chart's own Services: proven against the rendered chart by `npm run verify`.
        if (o.manifest.metadata.annotations?.[CHART_SERVICE_ANNOTATION]) continue;
        for (const { route, destinations } of routesOf(o.manifest)) {
          for (const d of destinations) {
            const host = qualifyHost(d.host ?? '', namespaceOf(o));
            if (!registry.resolves(host))
              problems.push(
                `${describeObject(o)}: route ${route} sends traffic to ${host}, which resolves to no Service, Flagger canary or ServiceEntry of the environment; ${hint}`,
              );
          }
        }
      }
    }
    return problems;
  },
};

/**
 * Every principal an AuthorizationPolicy names is a real identity: a ServiceAccount rendered in
 * the environment, or one of the service accounts the Istio charts install (listed explicitly in
 * HELM_INSTALLED_SERVICE_ACCOUNTS). A typo would silently allow nobody, or the wrong caller.
 */
export const principalsExistCheck: ManifestCheck = {
  name: 'principals-exist',
  check: (objects) => {
    const accounts = new Set<string>(HELM_INSTALLED_SERVICE_ACCOUNTS);
    for (const o of objectsOfKind(objects, 'ServiceAccount')) {
      if (isCoreKind(o, 'ServiceAccount', 'v1') && o.manifest.metadata.name) accounts.add(`cluster.local/ns/${namespaceOf(o)}/sa/${o.manifest.metadata.name}`);
    }
    const problems: string[] = [];
    for (const o of objectsOfKind(objects, 'AuthorizationPolicy')) {
      if (!isKind(o, ISTIO_SECURITY, 'AuthorizationPolicy')) continue;
      for (const rule of (o.manifest.spec?.rules ?? []) as any[]) {
        for (const from of (rule.from ?? []) as any[]) {
          for (const p of [...(from.source?.principals ?? []), ...(from.source?.notPrincipals ?? [])] as string[]) {
            if (!accounts.has(p)) {
              problems.push(
                `${describeObject(o)}: principal ${p} is not the service account of any workload in the environment (nor a gateway installed by the Istio charts); fix the caller's service account or declare the calling service`,
              );
            }
          }
        }
      }
    }
    return problems;
  },
};

/** A host may be served once per port across the environment's Gateways, and never as `*`. */
export const gatewayHostsUniqueCheck: ManifestCheck = {
  name: 'gateway-hosts-unique',
  check: (objects) => {
    const seen = new Map<string, RenderedObject>();
    const problems: string[] = [];
    for (const o of objectsOfKind(objects, 'Gateway')) {
      if (!isKind(o, ISTIO_NETWORKING, 'Gateway')) continue;
      const selector = JSON.stringify(o.manifest.spec?.selector ?? {});
      for (const server of (o.manifest.spec?.servers ?? []) as any[]) {
        const port = server.port?.number;
        for (const scoped of (server.hosts ?? []) as string[]) {
          const host = scoped.includes('/') ? scoped.slice(scoped.indexOf('/') + 1) : scoped;
          if (host === '*' || host.startsWith('*')) {
            problems.push(`${describeObject(o)}: server on port ${port} accepts host ${scoped}; list the exact hosts the gateway serves`);
            continue;
          }
          const key = `${selector}|${port}|${host}`;
          const prev = seen.get(key);
          if (prev)
            problems.push(`${describeObject(o)}: host ${host} on port ${port} is also served by ${describeObject(prev)}; serve each host once per port`);
          else seen.set(key, o);
        }
      }
    }
    return problems;
  },
};

/** No PERMISSIVE (or DISABLE) mutual TLS anywhere, and mesh-wide STRICT mTLS is present. */
export const noPermissiveMtlsCheck: ManifestCheck = {
  name: 'no-permissive-mtls',
  check: (objects) => {
    const problems: string[] = [];
    let meshWideStrict = false;
    const meshed = [...apiVersionsOf(objects)].some((v) => v.startsWith(ISTIO_NETWORKING) || v.startsWith(ISTIO_SECURITY));
    for (const o of objectsOfKind(objects, 'PeerAuthentication')) {
      if (!isKind(o, ISTIO_SECURITY, 'PeerAuthentication')) continue;
      const spec = o.manifest.spec ?? {};
      const modes: [string, string][] = [];
      if (spec.mtls?.mode) modes.push(['mtls.mode', spec.mtls.mode]);
      for (const [port, v] of Object.entries((spec.portLevelMtls ?? {}) as Record<string, any>))
        if (v?.mode) modes.push([`portLevelMtls.${port}.mode`, v.mode]);
      for (const [field, mode] of modes) {
        if (mode === 'PERMISSIVE' || mode === 'DISABLE')
          problems.push(`${describeObject(o)}: ${field} is ${mode}; the platform requires STRICT mutual TLS everywhere, so remove the exception or set STRICT`);
      }
      if (o.manifest.metadata.name === 'default' && o.manifest.metadata.namespace === 'istio-system' && !spec.selector && spec.mtls?.mode === 'STRICT')
        meshWideStrict = true;
    }
    if (meshed && !meshWideStrict)
      problems.push('no PeerAuthentication istio-system/default with mtls.mode STRICT: mesh-wide mutual TLS is not enforced; add StrictMutualTls');
    return problems;
  },
};

/**
 * One owner per route: a service whose rollout Flagger owns (a Canary) gets no static VirtualService
 * from us, or Argo CD and Flagger would overwrite each other's weights forever.
 */
export const oneRouteOwnerCheck: ManifestCheck = {
  name: 'one-route-owner',
  check: (objects) => {
    const canaryHosts = new Map<string, RenderedObject>();
    for (const o of objectsOfKind(objects, 'Canary')) {
      const m = o.manifest;
      if (m.kind !== 'Canary' || !m.apiVersion.startsWith('flagger.app/')) continue;
      const name = m.spec?.service?.name ?? m.spec?.targetRef?.name ?? m.metadata.name;
      const ns = namespaceOf(o);
      for (const suffix of ['', '-primary', '-canary']) canaryHosts.set(serviceHost(`${name}${suffix}`, ns), o);
      for (const h of (m.spec?.service?.hosts ?? []) as string[]) canaryHosts.set(h, o);
    }
    if (canaryHosts.size === 0) return [];
    const problems: string[] = [];
    for (const o of objectsOfKind(objects, 'VirtualService')) {
      if (!isVirtualService(o)) continue;
      const ns = namespaceOf(o);
      const hosts = new Set<string>([
        ...((o.manifest.spec?.hosts ?? []) as string[]).map((h) => qualifyHost(h, ns)),
        ...routesOf(o.manifest).flatMap((r) => r.destinations.map((d) => qualifyHost(d.host ?? '', ns))),
      ]);
      for (const h of hosts) {
        const canary = canaryHosts.get(h);
        if (canary) {
          problems.push(
            `${describeObject(o)} routes ${h}, whose rollout is owned by ${describeObject(canary)}; Flagger generates that VirtualService, so remove this one (or set the service's rollout to 'static')`,
          );
          break;
        }
      }
    }
    return problems;
  },
};

/**
 * Every RequestAuthentication is paired with an AuthorizationPolicy on the same workloads that
 * requires a request principal: alone, it lets requests without any token through.
 */
export const jwtPairedCheck: ManifestCheck = {
  name: 'jwt-paired',
  check: (objects) => {
    const requiring = new Set<string>();
    const key = (o: RenderedObject) => `${namespaceOf(o)}|${JSON.stringify(o.manifest.spec?.selector?.matchLabels ?? {})}`;
    for (const o of objectsOfKind(objects, 'AuthorizationPolicy')) {
      if (!isKind(o, ISTIO_SECURITY, 'AuthorizationPolicy')) continue;
      const rules = (o.manifest.spec?.rules ?? []) as any[];
      const action = o.manifest.spec?.action ?? 'ALLOW';
      const requires = rules.some((r) =>
        ((r.from ?? []) as any[]).some((f) => (action === 'DENY' ? f.source?.notRequestPrincipals?.length : f.source?.requestPrincipals?.length)),
      );
      if (requires) requiring.add(key(o));
    }
    const problems: string[] = [];
    for (const o of objectsOfKind(objects, 'RequestAuthentication')) {
      if (!isKind(o, ISTIO_SECURITY, 'RequestAuthentication')) continue;
      if (!requiring.has(key(o))) {
        problems.push(
          `${describeObject(o)} has no AuthorizationPolicy on the same workloads requiring a request principal, so requests without a token pass; use JwtRequirement, which renders both`,
        );
      }
    }
    return problems;
  },
};

/** Every namespace with sidecar injection has the allow-nothing default. */
export const defaultDenyCheck: ManifestCheck = {
  name: 'mesh-default-deny',
  check: (objects) => {
    const denied = new Set<string>();
    for (const o of objectsOfKind(objects, 'AuthorizationPolicy')) {
      const spec = o.manifest.spec;
      if (isKind(o, ISTIO_SECURITY, 'AuthorizationPolicy') && !spec?.selector && (spec?.action ?? 'ALLOW') === 'ALLOW' && !(spec?.rules ?? []).length)
        denied.add(namespaceOf(o));
    }
    const problems: string[] = [];
    for (const o of objectsOfKind(objects, 'Namespace')) {
      if (!isCoreKind(o, 'Namespace', 'v1') || o.manifest.metadata.labels?.['istio-injection'] !== 'enabled') continue;
      const name = o.manifest.metadata.name!;
      if (!denied.has(name))
        problems.push(
          `${describeObject(o)} is meshed but has no allow-nothing AuthorizationPolicy; add AllowNothingPolicy so every call needs an explicit ALLOW`,
        );
    }
    return problems;
  },
};

const syncWave = (o: RenderedObject): number => Number(o.manifest.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);

/**
 * Make-before-break: a DestinationRule syncs in an earlier wave than the VirtualServices of the same
 * Application that name its subsets, so a new subset exists before any route sends traffic to it.
 */
export const destinationRulesFirstCheck: ManifestCheck = {
  name: 'destination-rules-first',
  check: (objects) => {
    const rules = new Map<string, RenderedObject>();
    for (const o of objectsOfKind(objects, 'DestinationRule'))
      if (isDestinationRule(o)) rules.set(`${o.folder}|${qualifyHost(o.manifest.spec?.host ?? '', namespaceOf(o))}`, o);
    const problems: string[] = [];
    for (const o of objectsOfKind(objects, 'VirtualService')) {
      if (!isVirtualService(o)) continue;
      const reported = new Set<RenderedObject>();
      for (const { destinations } of routesOf(o.manifest)) {
        for (const d of destinations) {
          const dr = d.subset && d.host ? rules.get(`${o.folder}|${qualifyHost(d.host, namespaceOf(o))}`) : undefined;
          if (!dr || reported.has(dr) || syncWave(dr) < syncWave(o)) continue;
          reported.add(dr);
          problems.push(
            `${describeObject(o)} (sync wave ${syncWave(o)}) uses subsets of ${describeObject(dr)} (sync wave ${syncWave(dr)}); give the DestinationRule an earlier wave (SyncWave.destinationRules) than the route (SyncWave.routes)`,
          );
        }
      }
    }
    return problems;
  },
};

/** The mesh's checks, in the order their messages are most useful. */
export const MESH_CHECKS: readonly ManifestCheck[] = [
  routeWeightsCheck,
  subsetsDefinedCheck,
  destinationRulesFirstCheck,
  subsetsMatchWorkloadsCheck,
  hostsResolveCheck,
  principalsExistCheck,
  gatewayHostsUniqueCheck,
  noPermissiveMtlsCheck,
  oneRouteOwnerCheck,
  jwtPairedCheck,
  defaultDenyCheck,
];
