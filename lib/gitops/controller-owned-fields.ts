import { ServiceCatalog } from '../core/services';
import { ControllerOwnedField } from '../argocd';
import { InventoryEntry } from '../argocd';

const key = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;

type FlaggerOwned = Map<string, { kind: string; group: string; pointers: string[] }[]>;

/** Per catalog, computed once: the add-on asks for every folder, tenants included. */
const FLAGGER_OWNED = new WeakMap<ServiceCatalog, FlaggerOwned>();

/** `namespace/name` → the kinds Flagger writes under that name and the pointers it owns. */
function flaggerOwned(services: ServiceCatalog): FlaggerOwned {
  const cached = FLAGGER_OWNED.get(services);
  if (cached) return cached;
  const flagger: FlaggerOwned = new Map();
  const own = (ns: string, name: string, group: string, kind: string, pointers: string[]) => {
    const k = key(ns, name);
    flagger.set(k, [...(flagger.get(k) ?? []), { kind, group, pointers }]);
  };
  for (const s of services.services) {
    if (s.rollout !== 'flagger') continue;
    own(s.namespace, s.name, 'networking.istio.io', 'VirtualService', ['/spec/http']);
    own(s.namespace, s.name, 'apps', 'Deployment', ['/spec/replicas']);
    for (const svc of [s.name, `${s.name}-canary`, `${s.name}-primary`]) own(s.namespace, svc, '', 'Service', ['/spec/selector']);
    for (const dr of [`${s.name}-canary`, `${s.name}-primary`]) own(s.namespace, dr, 'networking.istio.io', 'DestinationRule', ['/spec']);
    own(s.namespace, `${s.name}-primary`, 'apps', 'Deployment', ['/spec']);
  }
  FLAGGER_OWNED.set(services, flagger);
  return flagger;
}

/**
 * The fields of a folder's objects that controllers own, and nothing else:
 * - `/spec/replicas` of every Deployment scaled by a HorizontalPodAutoscaler (the platform names an
 *   HPA after the Deployment it scales);
 * - for services whose rollout Flagger owns: the routes of their VirtualService, the selectors of the
 *   Services Flagger repoints, the replicas of the target Deployment (Flagger scales it to zero
 *   after promotion) and the `-primary` / `-canary` objects Flagger generates, when we render them.
 * Only objects present in the folder are listed. Linear in the folder's objects.
 */
export function controllerOwnedFields(entries: readonly InventoryEntry[], services: ServiceCatalog): ControllerOwnedField[] {
  const hpas = new Set<string>();
  for (const e of entries) if (e.kind === 'HorizontalPodAutoscaler') hpas.add(key(e.namespace, e.name));
  const flagger = flaggerOwned(services);

  const out = new Map<string, ControllerOwnedField>();
  const add = (e: InventoryEntry, pointers: string[], owner: string) => {
    const k = `${e.group}|${e.kind}|${key(e.namespace, e.name)}`;
    const prev = out.get(k);
    const merged = [...new Set([...(prev?.jsonPointers ?? []), ...pointers])].sort();
    out.set(k, { group: e.group, kind: e.kind, name: e.name, namespace: e.namespace, jsonPointers: merged, owner: prev ? `${prev.owner}, ${owner}` : owner });
  };
  for (const e of entries) {
    if (e.kind === 'Deployment' && e.group === 'apps' && hpas.has(key(e.namespace, e.name))) add(e, ['/spec/replicas'], 'HorizontalPodAutoscaler');
    for (const f of flagger.get(key(e.namespace, e.name)) ?? []) {
      if (f.kind === e.kind && f.group === e.group) add(e, f.pointers, 'Flagger');
    }
  }
  return [...out.values()].sort((a, b) => (`${a.kind}/${a.namespace}/${a.name}` < `${b.kind}/${b.namespace}/${b.name}` ? -1 : 1));
}
