import { Capability, GitManifests, HelmChart, NamespaceDeclaration, PlatformAddOn, PlatformCatalog, PlatformContext } from './addon';
import { ManifestCheck } from './checks';
import { SynthError } from './errors';
import { Flow, FlowTarget } from './flows';
import { placementApplies } from './topology';

/** A platform whose add-ons are ordered and checked, ready to deploy into each environment. */
export interface ComposedPlatform {
  /** Add-ons in deployment order. */
  readonly addOns: readonly PlatformAddOn[];
  /** Every add-on's charts and namespaces, known before any add-on deploys. */
  readonly catalog: PlatformCatalog;
  /** Every add-on's manifest checks. */
  readonly checks: readonly ManifestCheck[];
}

/** The context an add-on deploys with, before capabilities are bound. */
export type BaseContext = Omit<PlatformContext, 'use' | 'provide' | 'catalog'>;

/**
 * Orders the add-ons by what they require, provide and name in `after` (a stable topological sort:
 * among add-ons free to go, the one listed first goes first) and collects their charts and
 * namespaces. Refuses, with every problem listed: duplicate names, a capability nobody provides or
 * two add-ons provide, an `after` naming no add-on, a cycle, and a namespace declared twice with
 * different settings.
 */
export function composePlatform(addOns: readonly PlatformAddOn[]): ComposedPlatform {
  const problems: string[] = [];
  const byName = new Map<string, PlatformAddOn>();
  for (const a of addOns) {
    if (byName.has(a.name)) problems.push(`add-on "${a.name}" is listed twice`);
    byName.set(a.name, a);
  }
  const providers = new Map<Capability<unknown>, PlatformAddOn>();
  for (const a of addOns) {
    for (const cap of a.provides ?? []) {
      const other = providers.get(cap);
      if (other) problems.push(`capability "${cap.name}" is provided by both "${other.name}" and "${a.name}"; exactly one add-on may provide it`);
      else providers.set(cap, a);
    }
  }
  const needs = new Map<PlatformAddOn, Set<PlatformAddOn>>();
  for (const a of addOns) {
    const before = new Set<PlatformAddOn>();
    for (const cap of a.requires ?? []) {
      const p = providers.get(cap);
      if (!p) problems.push(`add-on "${a.name}" requires capability "${cap.name}", which no add-on provides; add the add-on that provides it to the platform`);
      else if (p !== a) before.add(p);
    }
    if (a.after === 'all') {
      for (const b of addOns) if (b !== a && b.after !== 'all') before.add(b);
    } else {
      for (const n of a.after ?? []) {
        const b = byName.get(n);
        if (!b) problems.push(`add-on "${a.name}" deploys after "${n}", which is not an add-on of the platform; known: ${[...byName.keys()].join(', ')}`);
        else before.add(b);
      }
    }
    needs.set(a, before);
  }
  if (problems.length) throw new SynthError(problems);

  const order: PlatformAddOn[] = [];
  const done = new Set<PlatformAddOn>();
  while (order.length < addOns.length) {
    const next = addOns.find((a) => !done.has(a) && [...needs.get(a)!].every((b) => done.has(b)));
    if (!next) {
      const left = addOns.filter((a) => !done.has(a));
      throw new SynthError([`add-ons ${describeCycle(left, needs)} depend on each other in a cycle; break it by removing a requirement or an \`after\``]);
    }
    order.push(next);
    done.add(next);
  }

  const charts: HelmChart[] = order.flatMap((a) => a.charts ?? []);
  const manifests: GitManifests[] = order.flatMap((a) => a.manifests ?? []);
  const chartNames = new Map<string, string>();
  for (const a of order) {
    for (const c of [...(a.charts ?? []), ...(a.manifests ?? [])]) {
      const other = chartNames.get(c.name);
      if (other) problems.push(`chart "${c.name}" is declared by both "${other}" and "${a.name}"`);
      chartNames.set(c.name, a.name);
    }
  }
  const namespaces = new Map<string, { decl: NamespaceDeclaration; owner: string }>();
  for (const a of order) {
    for (const ns of a.namespaces ?? []) {
      const prev = namespaces.get(ns.name);
      if (prev && JSON.stringify(normalize(prev.decl)) !== JSON.stringify(normalize(ns))) {
        problems.push(
          `namespace "${ns.name}" is declared by "${prev.owner}" and "${a.name}" with different settings; declare it once, in the add-on that owns it`,
        );
      } else if (!prev) namespaces.set(ns.name, { decl: ns, owner: a.name });
      if (ns.podSecurity !== 'restricted' && !ns.reason)
        problems.push(`namespace "${ns.name}" (add-on "${a.name}") needs Pod Security "${ns.podSecurity}" but gives no reason`);
    }
  }
  for (const { decl, owner } of namespaces.values()) {
    if ((decl.renderedBy ?? 'platform') === 'platform' && ![...charts, ...manifests].some((c) => c.namespace === decl.name)) {
      problems.push(
        `namespace "${decl.name}" (add-on "${owner}") is for the platform to render where a chart installs into it, but no chart does; render it yourself (renderedBy: 'self') or drop it`,
      );
    }
  }
  for (const c of [...charts, ...manifests]) {
    if (!namespaces.has(c.namespace))
      problems.push(
        `${'chart' in c ? 'chart' : 'manifests'} "${c.name}" installs into namespace "${c.namespace}", which no add-on declares; declare it (with its Pod Security level) in the add-on that owns the chart`,
      );
  }
  if (problems.length) throw new SynthError(problems);
  return {
    addOns: order,
    catalog: {
      charts,
      manifests,
      namespaces: [...namespaces.values()].map((n) => n.decl).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)),
      flows: (target) => declaredFlows(order, target),
    },
    checks: order.flatMap((a) => a.checks ?? []),
  };
}

/**
 * The flows the add-ons declare for a cluster: an add-on with charts declares flows only for the
 * clusters one of its charts goes to; one without charts for every cluster.
 */
export function declaredFlows(addOns: readonly PlatformAddOn[], target: FlowTarget): Flow[] {
  const runsOn = (a: PlatformAddOn) => {
    const sources = [...(a.charts ?? []), ...(a.manifests ?? [])];
    return !sources.length || sources.some((c) => placementApplies(c.placement, target.cluster));
  };
  return addOns.filter(runsOn).flatMap((a) => a.flows?.(target) ?? []);
}

function normalize(ns: NamespaceDeclaration): NamespaceDeclaration {
  return { name: ns.name, podSecurity: ns.podSecurity, reason: ns.reason, renderedBy: ns.renderedBy ?? 'platform', thirdPartyImages: ns.thirdPartyImages };
}

/** `a → b → a` for one cycle among the add-ons left. */
function describeCycle(left: readonly PlatformAddOn[], needs: ReadonlyMap<PlatformAddOn, Set<PlatformAddOn>>): string {
  const path: PlatformAddOn[] = [left[0]];
  for (;;) {
    const cur = path[path.length - 1];
    const next = [...needs.get(cur)!].find((b) => left.includes(b))!;
    const at = path.indexOf(next);
    if (at >= 0) return [...path.slice(at), next].map((a) => `"${a.name}"`).join(' → ');
    path.push(next);
  }
}

/**
 * Deploys the composed add-ons into one environment, binding capabilities: an add-on may only use
 * what it declared in `requires` and provide what it declared in `provides`.
 */
export function deployAddOns(composed: ComposedPlatform, base: BaseContext): void {
  const values = new Map<Capability<unknown>, unknown>();
  for (const addOn of composed.addOns) {
    if (!addOn.deploy) continue;
    const requires = new Set(addOn.requires ?? []);
    const provides = new Set(addOn.provides ?? []);
    const ctx: PlatformContext = {
      ...base,
      catalog: composed.catalog,
      use: <T>(cap: Capability<T>): T => {
        if (!requires.has(cap)) throw new Error(`add-on "${addOn.name}" uses capability "${cap.name}" without declaring it in \`requires\``);
        if (!values.has(cap)) throw new Error(`capability "${cap.name}" was declared but never provided before add-on "${addOn.name}" ran`);
        return values.get(cap) as T;
      },
      provide: <T>(cap: Capability<T>, value: T): void => {
        if (!provides.has(cap)) throw new Error(`add-on "${addOn.name}" provides capability "${cap.name}" without declaring it in \`provides\``);
        values.set(cap, value);
      },
    };
    addOn.deploy(ctx);
    for (const cap of provides) {
      if (!values.has(cap))
        throw new Error(`add-on "${addOn.name}" declares it provides "${cap.name}" but did not provide it in environment ${base.environment.name}`);
    }
  }
}
