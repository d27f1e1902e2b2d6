import { defineCheck, describeObject, Fact, KubeManifest, ManifestCheck, ObjectRef, RenderedObject } from '../core/checks';
import { CHART_SERVICE_ANNOTATION, HELM_INSTALLED_SERVICE_ACCOUNTS, HELM_INSTALLED_SERVICES, serviceHost } from './mesh-config';

/**
 * Cross-resource rules of the mesh, checked over the rendered objects of an environment before
 * anything is written. Each check keeps what it needs of each object (hosts, subsets, principals:
 * lib/core/checks.ts), builds its indexes from those facts in one pass and then looks them up, so
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
export const routeWeightsCheck = defineCheck({
  name: 'route-weights',
  kinds: ['VirtualService'],
  local: (o) => {
    if (!isVirtualService(o)) return undefined;
    const problems: string[] = [];
    for (const { route, destinations } of routesOf(o.manifest)) {
      if (destinations.length === 0) continue;
      if (destinations.length === 1 && destinations[0].weight === undefined) continue;
      const sum = destinations.reduce((s, d) => s + (d.weight ?? 0), 0);
      if (sum !== 100) problems.push(`${describeObject(o)}: weights of route ${route} sum to ${sum}, not 100; make the weights of each route add up to 100`);
    }
    return problems;
  },
});

/** A DestinationRule's host (qualified) and its subsets' names and labels. */
interface RuleFact {
  readonly rule: { readonly host: string; readonly subsets: readonly { readonly name: string; readonly labels?: Record<string, string> }[] };
}

/** What the checks of subsets keep of a DestinationRule. */
function ruleFact(o: RenderedObject, withLabels: boolean): RuleFact | undefined {
  if (!isDestinationRule(o)) return undefined;
  const host = qualifyHost(o.manifest.spec?.host ?? '', namespaceOf(o));
  const subsets = ((o.manifest.spec?.subsets ?? []) as any[]).map((s) => (withLabels ? { name: s.name, labels: s.labels } : { name: s.name }));
  return { rule: { host, subsets } };
}

/** The destinations of a VirtualService's routes that name a subset, with their hosts qualified. */
function subsetDestinations(o: RenderedObject): { route: string; host: string; subset: string }[] {
  const out: { route: string; host: string; subset: string }[] = [];
  for (const { route, destinations } of routesOf(o.manifest))
    for (const d of destinations) if (d.subset && d.host) out.push({ route, host: qualifyHost(d.host, namespaceOf(o)), subset: d.subset });
  return out;
}

/** Every subset a route names is defined by a DestinationRule for that host (otherwise Envoy answers 503). */
export const subsetsDefinedCheck = defineCheck<RuleFact | { routes: { route: string; host: string; subset: string }[] }>({
  name: 'subsets-defined',
  kinds: ['DestinationRule', 'VirtualService'],
  fact: (o) => {
    if (isDestinationRule(o)) return ruleFact(o, false);
    if (!isVirtualService(o)) return undefined;
    const routes = subsetDestinations(o);
    return routes.length ? { routes } : undefined;
  },
  across: (facts) => {
    const subsets = new Map<string, Set<string>>();
    for (const { fact } of facts) {
      if (!('rule' in fact)) continue;
      const set = subsets.get(fact.rule.host) ?? new Set<string>();
      for (const s of fact.rule.subsets) set.add(s.name);
      subsets.set(fact.rule.host, set);
    }
    const problems: string[] = [];
    for (const { ref, fact } of facts) {
      if (!('routes' in fact)) continue;
      for (const { route, host, subset } of fact.routes) {
        const defined = subsets.get(host);
        if (!defined?.has(subset)) {
          const known = defined ? `it defines ${[...defined].sort().join(', ') || 'none'}` : 'there is no DestinationRule for that host';
          problems.push(
            `${describeObject(ref)}: route ${route} names subset ${subset} of ${host}, but ${known}; add the subset to the host's DestinationRule or fix the route`,
          );
        }
      }
    }
    return problems;
  },
});

/** Pod template labels of the Deployments of the environment, by namespace and `app` label. */
class WorkloadIndex {
  private readonly byApp = new Map<string, Record<string, string>[]>();
  private readonly byNamespace = new Map<string, Record<string, string>[]>();

  constructor(deployments: readonly { readonly namespace: string; readonly labels: Record<string, string> }[]) {
    for (const { namespace: ns, labels } of deployments) {
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

type WorkloadFact =
  | RuleFact
  | { readonly deployment: { readonly namespace: string; readonly labels: Record<string, string> } }
  | { readonly service: { readonly host: string; readonly selector: Record<string, string> } };

/**
 * Every subset selects running pods: its labels (with the selector of the Service it belongs to)
 * match the pod template of a Deployment in the host's namespace. A subset matching nothing is a
 * route to nowhere.
 */
export const subsetsMatchWorkloadsCheck = defineCheck<WorkloadFact>({
  name: 'subsets-match-workloads',
  kinds: ['DestinationRule', 'Deployment', 'Service'],
  fact: (o) => {
    if (isCoreKind(o, 'Deployment', 'apps/v1')) return { deployment: { namespace: namespaceOf(o), labels: o.manifest.spec?.template?.metadata?.labels ?? {} } };
    if (isCoreKind(o, 'Service', 'v1') && o.manifest.metadata.name)
      return { service: { host: serviceHost(o.manifest.metadata.name, namespaceOf(o)), selector: o.manifest.spec?.selector ?? {} } };
    return ruleFact(o, true);
  },
  across: (facts) => {
    const workloads = new WorkloadIndex(facts.flatMap(({ fact }) => ('deployment' in fact ? [fact.deployment] : [])));
    const selectors = new Map<string, Record<string, string>>();
    for (const { fact } of facts) if ('service' in fact) selectors.set(fact.service.host, fact.service.selector);
    const problems: string[] = [];
    for (const { ref, fact } of facts) {
      if (!('rule' in fact)) continue;
      const { host } = fact.rule;
      const match = /^[^.]+\.([^.]+)\.svc\.cluster\.local$/.exec(host);
      if (!match) continue;
      const ns = match[1];
      for (const s of fact.rule.subsets) {
        const labels = { ...selectors.get(host), ...(s.labels ?? {}) };
        if (!workloads.matches(ns, labels)) {
          const text = Object.entries(labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(',');
          problems.push(
            `${describeObject(ref)}: subset ${s.name} selects pods labelled ${text}, but no Deployment in namespace ${ns} has a pod template with these labels; deploy that version or fix the subset labels`,
          );
        }
      }
    }
    return problems;
  },
});

/** The Services a Flagger Canary makes (its target's name, `-primary` and `-canary`), as hosts. */
function canaryServiceHosts(o: RenderedObject): string[] {
  const m = o.manifest;
  const name = m.spec?.service?.name ?? m.spec?.targetRef?.name ?? m.metadata.name;
  return ['', '-primary', '-canary'].map((suffix) => serviceHost(`${name}${suffix}`, namespaceOf(o)));
}

const isCanary = (o: RenderedObject) => o.manifest.kind === 'Canary' && o.manifest.apiVersion.startsWith('flagger.app/');

type HostFact =
  | { readonly resolves: readonly string[]; readonly wildcards?: readonly string[] }
  | { readonly rule: string }
  | { readonly routes: readonly { readonly route: string; readonly host: string }[] };

/** Every destination host (of routes and DestinationRules) is a declared Service, Flagger service or ServiceEntry. */
export const hostsResolveCheck = defineCheck<HostFact>({
  name: 'hosts-resolve',
  kinds: ['Service', 'Canary', 'ServiceEntry', 'DestinationRule', 'VirtualService'],
  fact: (o) => {
    const m = o.manifest;
    const ns = namespaceOf(o);
    if (isCoreKind(o, 'Service', 'v1')) return m.metadata.name ? { resolves: [serviceHost(m.metadata.name, ns)] } : undefined;
    // Flagger creates <name>, <name>-primary and <name>-canary for the target.
    if (isCanary(o)) return { resolves: canaryServiceHosts(o) };
    if (isKind(o, ISTIO_NETWORKING, 'ServiceEntry')) {
      const hosts = (m.spec?.hosts ?? []) as string[];
      return {
        resolves: hosts.filter((h) => !h.startsWith('*.')).map((h) => qualifyHost(h, ns)),
        wildcards: hosts.filter((h) => h.startsWith('*.')).map((h) => h.slice(1)),
      };
    }
    if (isDestinationRule(o)) return { rule: qualifyHost(m.spec?.host ?? '', ns) };
    // Routes to a chart's own Services: proven against the rendered chart by `npm run verify`.
    if (!isVirtualService(o) || m.metadata.annotations?.[CHART_SERVICE_ANNOTATION]) return undefined;
    return { routes: routesOf(m).flatMap(({ route, destinations }) => destinations.map((d) => ({ route, host: qualifyHost(d.host ?? '', ns) }))) };
  },
  across: (facts) => {
    const exact = new Set<string>(HELM_INSTALLED_SERVICES);
    const wildcards = new Set<string>();
    for (const { fact } of facts) {
      if (!('resolves' in fact)) continue;
      for (const h of fact.resolves) exact.add(h);
      for (const w of fact.wildcards ?? []) wildcards.add(w);
    }
    const resolves = (host: string): boolean => {
      if (exact.has(host)) return true;
      for (let i = host.indexOf('.'); i >= 0; i = host.indexOf('.', i + 1)) if (wildcards.has(host.slice(i))) return true;
      return false;
    };
    const problems: string[] = [];
    const hint = 'declare the service in the catalog (its Service is rendered by the workloads add-on) or add a ServiceEntry';
    for (const { ref, fact } of facts) {
      if ('rule' in fact) {
        if (!resolves(fact.rule))
          problems.push(`${describeObject(ref)}: host ${fact.rule} resolves to no Service, Flagger canary or ServiceEntry of the environment; ${hint}`);
      } else if ('routes' in fact) {
        for (const { route, host } of fact.routes) {
          if (!resolves(host))
            problems.push(
              `${describeObject(ref)}: route ${route} sends traffic to ${host}, which resolves to no Service, Flagger canary or ServiceEntry of the environment; ${hint}`,
            );
        }
      }
    }
    return problems;
  },
});

/**
 * Every principal an AuthorizationPolicy names is a real identity: a ServiceAccount rendered in
 * the environment, or one of the service accounts the Istio charts install (listed explicitly in
 * HELM_INSTALLED_SERVICE_ACCOUNTS). A typo would silently allow nobody, or the wrong caller.
 */
export const principalsExistCheck = defineCheck<{ account: string } | { principals: string[] }>({
  name: 'principals-exist',
  kinds: ['ServiceAccount', 'AuthorizationPolicy'],
  fact: (o) => {
    if (isCoreKind(o, 'ServiceAccount', 'v1'))
      return o.manifest.metadata.name ? { account: `cluster.local/ns/${namespaceOf(o)}/sa/${o.manifest.metadata.name}` } : undefined;
    if (!isKind(o, ISTIO_SECURITY, 'AuthorizationPolicy')) return undefined;
    const principals: string[] = [];
    for (const rule of (o.manifest.spec?.rules ?? []) as any[])
      for (const from of (rule.from ?? []) as any[]) principals.push(...(from.source?.principals ?? []), ...(from.source?.notPrincipals ?? []));
    return principals.length ? { principals } : undefined;
  },
  across: (facts) => {
    const accounts = new Set<string>(HELM_INSTALLED_SERVICE_ACCOUNTS);
    for (const { fact } of facts) if ('account' in fact) accounts.add(fact.account);
    const problems: string[] = [];
    for (const { ref, fact } of facts) {
      if (!('principals' in fact)) continue;
      for (const p of fact.principals) {
        if (!accounts.has(p)) {
          problems.push(
            `${describeObject(ref)}: principal ${p} is not the service account of any workload in the environment (nor a gateway installed by the Istio charts); fix the caller's service account or declare the calling service`,
          );
        }
      }
    }
    return problems;
  },
});

/** A host may be served once per port across the environment's Gateways, and never as `*`. */
export const gatewayHostsUniqueCheck = defineCheck<{ key: string; port: number; host: string }[]>({
  name: 'gateway-hosts-unique',
  kinds: ['Gateway'],
  local: (o) => {
    if (!isKind(o, ISTIO_NETWORKING, 'Gateway')) return undefined;
    const problems: string[] = [];
    for (const server of (o.manifest.spec?.servers ?? []) as any[])
      for (const scoped of (server.hosts ?? []) as string[])
        if (gatewayHost(scoped).startsWith('*'))
          problems.push(`${describeObject(o)}: server on port ${server.port?.number} accepts host ${scoped}; list the exact hosts the gateway serves`);
    return problems;
  },
  fact: (o) => {
    if (!isKind(o, ISTIO_NETWORKING, 'Gateway')) return undefined;
    const selector = JSON.stringify(o.manifest.spec?.selector ?? {});
    const served: { key: string; port: number; host: string }[] = [];
    for (const server of (o.manifest.spec?.servers ?? []) as any[]) {
      const port = server.port?.number;
      for (const scoped of (server.hosts ?? []) as string[]) {
        const host = gatewayHost(scoped);
        if (!host.startsWith('*')) served.push({ key: `${selector}|${port}|${host}`, port, host });
      }
    }
    return served.length ? served : undefined;
  },
  across: (facts) => {
    const seen = new Map<string, ObjectRef>();
    const problems: string[] = [];
    for (const { ref, fact } of facts) {
      for (const { key, port, host } of fact) {
        const prev = seen.get(key);
        if (prev)
          problems.push(`${describeObject(ref)}: host ${host} on port ${port} is also served by ${describeObject(prev)}; serve each host once per port`);
        else seen.set(key, ref);
      }
    }
    return problems;
  },
});

/** A Gateway server's host without its namespace scope (`ns/host`). */
function gatewayHost(scoped: string): string {
  return scoped.includes('/') ? scoped.slice(scoped.indexOf('/') + 1) : scoped;
}

/** No PERMISSIVE (or DISABLE) mutual TLS anywhere, and mesh-wide STRICT mTLS is present. */
export const noPermissiveMtlsCheck = defineCheck<true>({
  name: 'no-permissive-mtls',
  kinds: ['PeerAuthentication'],
  local: (o) => {
    if (!isKind(o, ISTIO_SECURITY, 'PeerAuthentication')) return undefined;
    const spec = o.manifest.spec ?? {};
    const modes: [string, string][] = [];
    if (spec.mtls?.mode) modes.push(['mtls.mode', spec.mtls.mode]);
    for (const [port, v] of Object.entries((spec.portLevelMtls ?? {}) as Record<string, any>)) if (v?.mode) modes.push([`portLevelMtls.${port}.mode`, v.mode]);
    return modes
      .filter(([, mode]) => mode === 'PERMISSIVE' || mode === 'DISABLE')
      .map(
        ([field, mode]) =>
          `${describeObject(o)}: ${field} is ${mode}; the platform requires STRICT mutual TLS everywhere, so remove the exception or set STRICT`,
      );
  },
  // Mesh-wide STRICT: the default PeerAuthentication of istio-system, without a selector.
  fact: (o) => {
    const m = o.manifest;
    const spec = m.spec ?? {};
    return isKind(o, ISTIO_SECURITY, 'PeerAuthentication') &&
      m.metadata.name === 'default' &&
      m.metadata.namespace === 'istio-system' &&
      !spec.selector &&
      spec.mtls?.mode === 'STRICT'
      ? true
      : undefined;
  },
  across: (facts, { apiVersions }) => {
    const meshed = [...apiVersions].some((v) => v.startsWith(ISTIO_NETWORKING) || v.startsWith(ISTIO_SECURITY));
    return meshed && facts.length === 0
      ? ['no PeerAuthentication istio-system/default with mtls.mode STRICT: mesh-wide mutual TLS is not enforced; add StrictMutualTls']
      : [];
  },
});

/**
 * One owner per route: a service whose rollout Flagger owns (a Canary) gets no static VirtualService
 * from us, or Argo CD and Flagger would overwrite each other's weights forever.
 */
export const oneRouteOwnerCheck = defineCheck<{ canary: string[] } | { routes: string[] }>({
  name: 'one-route-owner',
  kinds: ['Canary', 'VirtualService'],
  fact: (o) => {
    if (isCanary(o)) return { canary: [...canaryServiceHosts(o), ...((o.manifest.spec?.service?.hosts ?? []) as string[])] };
    if (!isVirtualService(o)) return undefined;
    const ns = namespaceOf(o);
    const hosts = new Set<string>([
      ...((o.manifest.spec?.hosts ?? []) as string[]).map((h) => qualifyHost(h, ns)),
      ...routesOf(o.manifest).flatMap((r) => r.destinations.map((d) => qualifyHost(d.host ?? '', ns))),
    ]);
    return { routes: [...hosts] };
  },
  across: (facts) => {
    const canaryHosts = new Map<string, ObjectRef>();
    for (const { ref, fact } of facts) if ('canary' in fact) for (const h of fact.canary) canaryHosts.set(h, ref);
    if (canaryHosts.size === 0) return [];
    const problems: string[] = [];
    for (const { ref, fact } of facts) {
      if (!('routes' in fact)) continue;
      const h = fact.routes.find((x) => canaryHosts.has(x));
      if (h)
        problems.push(
          `${describeObject(ref)} routes ${h}, whose rollout is owned by ${describeObject(canaryHosts.get(h)!)}; Flagger generates that VirtualService, so remove this one (or set the service's rollout to 'static')`,
        );
    }
    return problems;
  },
});

/**
 * Every RequestAuthentication is paired with an AuthorizationPolicy on the same workloads that
 * requires a request principal: alone, it lets requests without any token through.
 */
export const jwtPairedCheck = defineCheck<{ requires: string } | { authenticates: string }>({
  name: 'jwt-paired',
  kinds: ['AuthorizationPolicy', 'RequestAuthentication'],
  fact: (o) => {
    const key = `${namespaceOf(o)}|${JSON.stringify(o.manifest.spec?.selector?.matchLabels ?? {})}`;
    if (isKind(o, ISTIO_SECURITY, 'RequestAuthentication')) return { authenticates: key };
    if (!isKind(o, ISTIO_SECURITY, 'AuthorizationPolicy')) return undefined;
    const rules = (o.manifest.spec?.rules ?? []) as any[];
    const action = o.manifest.spec?.action ?? 'ALLOW';
    const requires = rules.some((r) =>
      ((r.from ?? []) as any[]).some((f) => (action === 'DENY' ? f.source?.notRequestPrincipals?.length : f.source?.requestPrincipals?.length)),
    );
    return requires ? { requires: key } : undefined;
  },
  across: (facts) => {
    const requiring = new Set<string>();
    for (const { fact } of facts) if ('requires' in fact) requiring.add(fact.requires);
    const problems: string[] = [];
    for (const { ref, fact } of facts) {
      if (!('authenticates' in fact) || requiring.has(fact.authenticates)) continue;
      problems.push(
        `${describeObject(ref)} has no AuthorizationPolicy on the same workloads requiring a request principal, so requests without a token pass; use JwtRequirement, which renders both`,
      );
    }
    return problems;
  },
});

/** Every namespace with sidecar injection has the allow-nothing default. */
export const defaultDenyCheck = defineCheck<{ denies: string } | { meshed: string }>({
  name: 'mesh-default-deny',
  kinds: ['AuthorizationPolicy', 'Namespace'],
  fact: (o) => {
    const spec = o.manifest.spec;
    if (isKind(o, ISTIO_SECURITY, 'AuthorizationPolicy'))
      return !spec?.selector && (spec?.action ?? 'ALLOW') === 'ALLOW' && !(spec?.rules ?? []).length ? { denies: namespaceOf(o) } : undefined;
    return isCoreKind(o, 'Namespace', 'v1') && o.manifest.metadata.labels?.['istio-injection'] === 'enabled'
      ? { meshed: o.manifest.metadata.name! }
      : undefined;
  },
  across: (facts) => {
    const denied = new Set<string>();
    for (const { fact } of facts) if ('denies' in fact) denied.add(fact.denies);
    const problems: string[] = [];
    for (const { ref, fact } of facts) {
      if (!('meshed' in fact) || denied.has(fact.meshed)) continue;
      problems.push(
        `${describeObject(ref)} is meshed but has no allow-nothing AuthorizationPolicy; add AllowNothingPolicy so every call needs an explicit ALLOW`,
      );
    }
    return problems;
  },
});

/** An object's sync wave as written (a number once read with `Number`, which kept facts cannot hold when it is not one). */
const syncWave = (o: RenderedObject): string => o.manifest.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? '0';

/**
 * Make-before-break: a DestinationRule syncs in an earlier wave than the VirtualServices of the same
 * Application that name its subsets, so a new subset exists before any route sends traffic to it.
 */
export const destinationRulesFirstCheck = defineCheck<{ rule: string; wave: string } | { subsetHosts: string[]; wave: string }>({
  name: 'destination-rules-first',
  kinds: ['DestinationRule', 'VirtualService'],
  fact: (o) => {
    if (isDestinationRule(o)) return { rule: qualifyHost(o.manifest.spec?.host ?? '', namespaceOf(o)), wave: syncWave(o) };
    if (!isVirtualService(o)) return undefined;
    const subsetHosts = subsetDestinations(o).map((d) => d.host);
    return subsetHosts.length ? { subsetHosts, wave: syncWave(o) } : undefined;
  },
  across: (facts) => {
    const rules = new Map<string, Fact<{ wave: string }>>();
    for (const f of facts) if ('rule' in f.fact) rules.set(`${f.ref.folder}|${f.fact.rule}`, f);
    const problems: string[] = [];
    for (const { ref, fact } of facts) {
      if (!('subsetHosts' in fact)) continue;
      const reported = new Set<Fact<{ wave: string }>>();
      for (const host of fact.subsetHosts) {
        const dr = rules.get(`${ref.folder}|${host}`);
        if (!dr || reported.has(dr) || Number(dr.fact.wave) < Number(fact.wave)) continue;
        reported.add(dr);
        problems.push(
          `${describeObject(ref)} (sync wave ${Number(fact.wave)}) uses subsets of ${describeObject(dr.ref)} (sync wave ${Number(dr.fact.wave)}); give the DestinationRule an earlier wave (SyncWave.destinationRules) than the route (SyncWave.routes)`,
        );
      }
    }
    return problems;
  },
});

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
