/**
 * Checks over the rendered objects of one environment, run after rendering and before anything is
 * written. Domain libraries add their own (mesh consistency, policy coverage) through `ManifestCheck`.
 */

/** A Kubernetes object as it will be written, with where it will be written. */
export interface RenderedObject {
  /** Name of the environment the object belongs to (`prod`). */
  readonly environment: string;
  /** Folder path relative to `dist/<env>/` (`tenant-acme-001`, `clusters/ceres-prod-aws/argocd`). */
  readonly folder: string;
  /** The cluster whose own folder holds the object; undefined in an environment-wide folder. */
  readonly cluster?: string;
  /** Path relative to dist/ (`prod/tenant-acme-001/namespace.yaml`). */
  readonly file: string;
  /** The object itself, as it will be serialized to YAML. */
  readonly manifest: KubeManifest;
}

export interface KubeManifest {
  /** `<group>/<version>`, or `v1` for the core group. */
  readonly apiVersion: string;
  /** Object kind (`Deployment`, `NetworkPolicy`). */
  readonly kind: string;
  /** Name, namespace (absent for cluster-scoped kinds), labels and annotations. */
  readonly metadata: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly [key: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- the rest of a manifest is kind-specific; checks read it field by field
}

/** The objects of an environment as each cluster receives them. */
export interface ClusterView {
  /** Cluster name → the objects its Argo CD applies (folders routed to it, its app of apps included). */
  readonly clusters: ReadonlyMap<string, readonly RenderedObject[]>;
}

export interface ManifestCheck {
  /** Short name shown with each problem. */
  readonly name: string;
  /**
   * Returns one message per problem; empty when all is well. `objects` are every object of the
   * environment; `view` groups them by the cluster that applies them (absent when checking a flat list).
   */
  check(objects: readonly RenderedObject[], view?: ClusterView): string[];
}

/** `Kind namespace/name in file` for messages. */
export function describeObject(o: RenderedObject): string {
  const m = o.manifest;
  const ns = m.metadata.namespace ? `${m.metadata.namespace}/` : '';
  return `${m.kind} ${ns}${m.metadata.name ?? '(unnamed)'} in dist/${o.file}`;
}

/** No plaintext Secret may reach dist/ (it is committed to git): use a SealedSecret or an external reference. */
export const noPlaintextSecrets: ManifestCheck = {
  name: 'no-plaintext-secrets',
  check: (objects) =>
    objects
      .filter((o) => o.manifest.kind === 'Secret' && o.manifest.apiVersion === 'v1')
      .filter((o) => {
        const m = o.manifest;
        const has = (v: unknown) => v !== undefined && v !== null && Object.keys(v as object).length > 0;
        return has(m.data) || has(m.stringData);
      })
      .map(
        (o) =>
          `${describeObject(o)} carries plaintext data; dist/ is committed to git. Supply it as a SealedSecret (encrypted with kubeseal) or an external secret reference instead`,
      ),
};

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Every object has a valid name; namespaces are DNS-1123 labels; label values are valid. */
export const validNames: ManifestCheck = {
  name: 'valid-names',
  check: (objects) => {
    const problems: string[] = [];
    for (const o of objects) {
      const { name, labels } = o.manifest.metadata;
      if (!name) problems.push(`${describeObject(o)} has no metadata.name`);
      else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name))
        problems.push(`${describeObject(o)}: name ${JSON.stringify(name)} is not a DNS-1123 subdomain`);
      else if (o.manifest.kind === 'Namespace' && name.length > 63) problems.push(`${describeObject(o)}: namespace names are at most 63 characters`);
      for (const [k, v] of Object.entries(labels ?? {})) {
        if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v))
          problems.push(`${describeObject(o)}: label ${k}=${JSON.stringify(v)} is not a valid label value`);
      }
    }
    return problems;
  },
};

/**
 * No two objects a cluster applies share group, kind, namespace and name: two Argo CD Applications
 * would fight over it, and within one file the later would silently win.
 */
export const uniqueObjects: ManifestCheck = {
  name: 'unique-objects',
  check: (_objects, view) => {
    const problems: string[] = [];
    for (const [cluster, objects] of view?.clusters ?? []) problems.push(...duplicates(objects).map((p) => `${p} (both applied by ${cluster})`));
    return [...new Set(problems)];
  },
};

function duplicates(objects: readonly RenderedObject[]): string[] {
  const seen = new Map<string, RenderedObject>();
  const problems: string[] = [];
  for (const o of objects) {
    const m = o.manifest;
    const group = m.apiVersion.includes('/') ? m.apiVersion.split('/')[0] : '';
    const key = `${group}|${m.kind}|${m.metadata.namespace ?? ''}|${m.metadata.name}`;
    const prev = seen.get(key);
    if (prev) problems.push(`${describeObject(o)} is also rendered in dist/${prev.file}; each object must have one owner`);
    else seen.set(key, o);
  }
  return problems;
}

/** The checks every synth runs. */
export const CORE_CHECKS: readonly ManifestCheck[] = [noPlaintextSecrets, validNames, uniqueObjects];

/** Per list of objects: its objects by kind (with their positions in the list), and the API versions it has. */
interface KindIndex {
  readonly byKind: Map<string, { readonly objects: RenderedObject[]; readonly positions: number[] }>;
  readonly apiVersions: Set<string>;
}
const kindIndexes = new WeakMap<readonly RenderedObject[], KindIndex>();

function kindIndex(objects: readonly RenderedObject[]): KindIndex {
  let index = kindIndexes.get(objects);
  if (index) return index;
  index = { byKind: new Map(), apiVersions: new Set() };
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i];
    const entry = index.byKind.get(o.manifest.kind);
    if (entry) {
      entry.objects.push(o);
      entry.positions.push(i);
    } else index.byKind.set(o.manifest.kind, { objects: [o], positions: [i] });
    index.apiVersions.add(o.manifest.apiVersion);
  }
  kindIndexes.set(objects, index);
  return index;
}

/**
 * The objects of `objects` whose kind is one of `kinds` (of any API group), in their order in
 * `objects`. Checks run over tens of thousands of objects and most look at a few kinds: the index
 * is built once per list (a list must not change once checks read it) and shared by every check.
 */
export function objectsOfKind(objects: readonly RenderedObject[], ...kinds: string[]): readonly RenderedObject[] {
  const { byKind } = kindIndex(objects);
  const entries = kinds.map((k) => byKind.get(k)).filter((e) => e !== undefined);
  if (entries.length === 0) return [];
  if (entries.length === 1) return entries[0].objects;
  const merged: { o: RenderedObject; i: number }[] = [];
  for (const e of entries) e.objects.forEach((o, j) => merged.push({ o, i: e.positions[j] }));
  return merged.sort((a, b) => a.i - b.i).map((m) => m.o);
}

/** The API versions (`networking.istio.io/v1`) of `objects` (indexed once per list, like {@link objectsOfKind}). */
export function apiVersionsOf(objects: readonly RenderedObject[]): ReadonlySet<string> {
  return kindIndex(objects).apiVersions;
}
