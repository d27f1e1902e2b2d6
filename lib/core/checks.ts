/**
 * Checks over the rendered objects of one environment, run after rendering and before anything is
 * written. Domain libraries add their own (mesh consistency, policy coverage) through `ManifestCheck`.
 *
 * A check reads each object once, alone: `local` gives the problems of the object by itself, `fact`
 * what the check keeps of it (plain JSON data) to judge it against the others in `across`. What an
 * object gives is a function of the object and where it is written, so it is computed when the object
 * is rendered and kept with it ({@link CheckedObject}): an object read from the render cache is checked
 * from what was kept (its kind, name, problems and facts), never parsed again. At a thousand tenants
 * that is what makes a one-tenant edit cheaper than a full synth: the checks' cross-object rules run
 * over small facts, not over 70,000 manifests.
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

/** An object's identity: what a file's order and Argo CD's inventory read of it. */
export interface ObjectIdentity {
  /** `<group>/<version>`, or `v1` for the core group. */
  readonly apiVersion: string;
  /** Object kind (`Deployment`). */
  readonly kind: string;
  /** Its namespace; absent for cluster-scoped kinds. */
  readonly namespace?: string;
  /** Its name (absent only on a broken object, which a check reports). */
  readonly name?: string;
}

/** Where an object is written and what it is, without its content: what checks know of every object. */
export interface ObjectRef extends ObjectIdentity {
  /** Name of the environment the object belongs to (`prod`). */
  readonly environment: string;
  /** Folder path relative to `dist/<env>/`. */
  readonly folder: string;
  /** The cluster whose own folder holds the object; undefined in an environment-wide folder. */
  readonly cluster?: string;
  /** Path relative to dist/ (`prod/tenant-acme-001/namespace.yaml`). */
  readonly file: string;
}

/** What one check gave for one object. */
export interface CheckResult {
  /** The object's own problems. */
  readonly problems?: readonly string[];
  /** What the check keeps of it (plain JSON data). */
  readonly fact?: unknown;
}

/**
 * An object as checked: its identity and, by check name, what each check that had anything to say
 * gave. Kept with a rendered tenant and a memoized construct in the render cache instead of the object.
 */
export interface CheckedObject extends ObjectIdentity {
  /** Check name → what it gave for the object; only checks that gave something (absent when none did). */
  readonly checks?: Readonly<Record<string, CheckResult>>;
}

/** An object's fact for one check, with the object it is of. */
export interface Fact<F> {
  /** The object. */
  readonly ref: ObjectRef;
  /** What the check kept of it. */
  readonly fact: F;
}

/** The objects of an environment as each cluster receives them. */
export interface ClusterView {
  /** Cluster name → the objects its Argo CD applies (folders routed to it, its app of apps included). */
  readonly clusters: ReadonlyMap<string, readonly RenderedObject[]>;
}

/** What the checks' `across` see of the whole environment besides their facts. */
export interface CheckContext {
  /** Cluster name → the objects its Argo CD applies (folders routed to it, its app of apps included). */
  readonly clusters: ReadonlyMap<string, readonly ObjectRef[]>;
  /** The API versions of the environment's objects (`networking.istio.io/v1`). */
  readonly apiVersions: ReadonlySet<string>;
}

/** A check as written: see the top of this file. */
export interface CheckSpec<F = unknown> {
  /** Short name shown with each problem (unique among an environment's checks). */
  readonly name: string;
  /** The kinds `local` and `fact` read (of any API group); every object when absent. */
  readonly kinds?: readonly string[];
  /** The problems of one object by itself (its content and where it is written). */
  readonly local?: (o: RenderedObject) => readonly string[] | undefined;
  /** What the check keeps of one object for `across` (plain JSON data), or undefined for nothing. */
  readonly fact?: (o: RenderedObject) => F | undefined;
  /** The problems across objects: every fact in the environment's object order, and the clusters' objects. */
  readonly across?: (facts: readonly Fact<F>[], context: CheckContext) => string[];
}

/** A check the synth runs (built by {@link defineCheck}); its facts' type is its own, so lists of checks take any. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each check's facts have their own type
export interface ManifestCheck<F = any> extends CheckSpec<F> {
  /**
   * Every problem over a list of objects, as a synth finds them: each object's own, in order, then
   * those across. `view` groups them by the cluster that applies them (absent when checking a flat list).
   */
  check(objects: readonly RenderedObject[], view?: ClusterView): string[];
}

/** A check from its parts; its `check` runs them as a synth does ({@link CheckRun}). */
export function defineCheck<F>(spec: CheckSpec<F>): ManifestCheck<F> {
  const check: ManifestCheck<F> = {
    ...spec,
    check: (objects, view) => {
      const run = new CheckRun([check]);
      const refs = new Map<RenderedObject, ObjectRef>();
      for (const o of objects) refs.set(o, run.add(o).ref);
      const clusters = new Map<string, ObjectRef[]>();
      for (const [cluster, list] of view?.clusters ?? [])
        clusters.set(
          cluster,
          list.map((o) => refs.get(o) ?? refOf(o)),
        );
      return run.problems(clusters, { named: false });
    },
  };
  return check;
}

/** A manifest's identity. */
export function identityOf(m: KubeManifest): ObjectIdentity {
  return { apiVersion: m.apiVersion, kind: m.kind, namespace: m.metadata.namespace, name: m.metadata.name };
}

/** The identity and place of a rendered object. */
export function refOf(o: RenderedObject): ObjectRef {
  return at(o, identityOf(o.manifest));
}

/** An identity at the place of `where`. */
function at(where: Pick<ObjectRef, 'environment' | 'folder' | 'cluster' | 'file'>, id: ObjectIdentity): ObjectRef {
  return {
    environment: where.environment,
    folder: where.folder,
    cluster: where.cluster,
    file: where.file,
    apiVersion: id.apiVersion,
    kind: id.kind,
    namespace: id.namespace,
    name: id.name,
  };
}

/** `Kind namespace/name in file` for messages. */
export function describeObject(o: RenderedObject | ObjectRef): string {
  const r = 'manifest' in o ? { kind: o.manifest.kind, namespace: o.manifest.metadata.namespace, name: o.manifest.metadata.name } : o;
  const ns = r.namespace ? `${r.namespace}/` : '';
  return `${r.kind} ${ns}${r.name ?? '(unnamed)'} in dist/${o.file}`;
}

/** The names of `checks` in order: what kept check results were computed by (part of the render cache's keys). */
export function checkSignature(checks: readonly Pick<CheckSpec, 'name'>[]): string {
  return checks.map((c) => c.name).join(',');
}

/**
 * Runs checks over an environment's objects, one object at a time: each rendered now ({@link add}) is
 * read by every check concerned with its kind; each kept ({@link addKept}) brings what they gave when it
 * was rendered. {@link problems} then runs each check's `across` over the facts, in object order.
 */
export class CheckRun {
  /** The checks' names: what {@link CheckedObject}s must have been computed by to be added with {@link addKept}. */
  public readonly signature: string;
  private readonly byName = new Map<string, number>();
  private readonly local: string[][];
  private readonly facts: Fact<unknown>[][];
  private readonly forKind = new Map<string, number[]>();
  private readonly apiVersions = new Set<string>();

  constructor(private readonly checks: readonly ManifestCheck[]) {
    this.signature = checkSignature(checks);
    checks.forEach((c, i) => {
      if (this.byName.has(c.name)) throw new Error(`two checks are named ${c.name}`);
      if (!c.local && !c.fact && !c.across) throw new Error(`check ${c.name} has neither local, fact nor across (write it with defineCheck)`);
      this.byName.set(c.name, i);
    });
    this.local = checks.map(() => []);
    this.facts = checks.map(() => []);
  }

  /** The checks concerned with objects of `kind`, by index. */
  private concerned(kind: string): number[] {
    let list = this.forKind.get(kind);
    if (!list) {
      list = [];
      this.checks.forEach((c, i) => {
        if ((c.local || c.fact) && (!c.kinds || c.kinds.includes(kind))) list!.push(i);
      });
      this.forKind.set(kind, list);
    }
    return list;
  }

  /** Checks an object rendered now; returns its reference and what to keep of it. */
  public add(o: RenderedObject): { ref: ObjectRef; checked: CheckedObject } {
    const ref = refOf(o);
    this.apiVersions.add(ref.apiVersion);
    return { ref, checked: this.examine(o, ref) };
  }

  /** What the checks give for an object, to keep: not added to this run (a tenant rendered alone, checked with its environment later). */
  public checkedOf(o: RenderedObject): CheckedObject {
    return this.examine(o, undefined);
  }

  /** Runs the checks concerned on one object; with `ref`, records its problems and facts in this run. */
  private examine(o: RenderedObject, ref: ObjectRef | undefined): CheckedObject {
    const m = o.manifest;
    let results: Record<string, CheckResult> | undefined;
    for (const i of this.concerned(m.kind)) {
      const c = this.checks[i];
      const problems = c.local?.(o);
      const fact = c.fact?.(o);
      const found = problems !== undefined && problems.length > 0;
      if (!found && fact === undefined) continue;
      (results ??= {})[c.name] = found ? (fact === undefined ? { problems } : { problems, fact }) : { fact };
      if (!ref) continue;
      if (found) this.local[i].push(...problems);
      if (fact !== undefined) this.facts[i].push({ ref, fact });
    }
    return results ? { ...identityOf(m), checks: results } : identityOf(m);
  }

  /** Adds an object kept with its check results (computed by checks of this run's {@link signature}); returns its reference. */
  public addKept(where: Pick<ObjectRef, 'environment' | 'folder' | 'cluster' | 'file'>, checked: CheckedObject): ObjectRef {
    const ref = at(where, checked);
    // Called for every object read from the render cache (160,000 in a 1000-tenant edit): no list of entries.
    const checks = checked.checks;
    for (const name in checks) {
      if (!Object.prototype.hasOwnProperty.call(checks, name)) continue;
      const result = checks[name];
      const i = this.byName.get(name);
      if (i === undefined) throw new Error(`kept check results name check ${name}, which this run does not have (${this.signature})`);
      if (result.problems) this.local[i].push(...result.problems);
      if (result.fact !== undefined) this.facts[i].push({ ref, fact: result.fact });
    }
    this.apiVersions.add(ref.apiVersion);
    return ref;
  }

  /** Every problem, `[check] message`, check by check: the objects' own in order, then those across (`named: false`: without the check's name). */
  public problems(clusters: ReadonlyMap<string, readonly ObjectRef[]>, options: { named?: boolean } = {}): string[] {
    const context: CheckContext = { clusters, apiVersions: this.apiVersions };
    const out: string[] = [];
    this.checks.forEach((c, i) => {
      const found = [...this.local[i], ...(c.across?.(this.facts[i], context) ?? [])];
      for (const p of found) out.push(options.named === false ? p : `[${c.name}] ${p}`);
    });
    return out;
  }
}

/** No plaintext Secret may reach dist/ (it is committed to git): use a SealedSecret or an external reference. */
export const noPlaintextSecrets = defineCheck({
  name: 'no-plaintext-secrets',
  kinds: ['Secret'],
  local: (o) => {
    const m = o.manifest;
    if (m.kind !== 'Secret' || m.apiVersion !== 'v1') return undefined;
    const has = (v: unknown) => v !== undefined && v !== null && Object.keys(v as object).length > 0;
    if (!has(m.data) && !has(m.stringData)) return undefined;
    return [
      `${describeObject(o)} carries plaintext data; dist/ is committed to git. Supply it as a SealedSecret (encrypted with kubeseal) or an external secret reference instead`,
    ];
  },
});

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Every object has a valid name; namespaces are DNS-1123 labels; label values are valid. */
export const validNames = defineCheck({
  name: 'valid-names',
  // Called for every object: allocates nothing when all is well.
  local: (o) => {
    let problems: string[] | undefined;
    const { name, labels } = o.manifest.metadata;
    if (!name) (problems ??= []).push(`${describeObject(o)} has no metadata.name`);
    else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name))
      (problems ??= []).push(`${describeObject(o)}: name ${JSON.stringify(name)} is not a DNS-1123 subdomain`);
    else if (o.manifest.kind === 'Namespace' && name.length > 63) (problems ??= []).push(`${describeObject(o)}: namespace names are at most 63 characters`);
    for (const k in labels) {
      const v = labels[k];
      if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v))
        (problems ??= []).push(`${describeObject(o)}: label ${k}=${JSON.stringify(v)} is not a valid label value`);
    }
    return problems;
  },
});

/**
 * No two objects a cluster applies share group, kind, namespace and name: two Argo CD Applications
 * would fight over it, and within one file the later would silently win. Read from the objects'
 * identities, which every object has: no fact.
 */
export const uniqueObjects = defineCheck({
  name: 'unique-objects',
  across: (_facts, { clusters }) => {
    const problems: string[] = [];
    for (const [cluster, objects] of clusters) problems.push(...duplicates(objects).map((p) => `${p} (both applied by ${cluster})`));
    return [...new Set(problems)];
  },
});

function duplicates(objects: readonly ObjectRef[]): string[] {
  // By namespace, then name, then API group and kind among the few of that name: no key string is
  // built per object (a cluster of 1000 tenants applies some 50,000).
  const seen = new Map<string, Map<string, ObjectRef | ObjectRef[]>>();
  const problems: string[] = [];
  for (const o of objects) {
    const namespace = o.namespace ?? '';
    let byName = seen.get(namespace);
    if (!byName) seen.set(namespace, (byName = new Map()));
    const name = String(o.name);
    const first = byName.get(name);
    if (first === undefined) {
      byName.set(name, o);
      continue;
    }
    const named = Array.isArray(first) ? first : [first];
    const group = apiGroup(o.apiVersion);
    const prev = named.find((p) => p.kind === o.kind && apiGroup(p.apiVersion) === group);
    if (prev) problems.push(`${describeObject(o)} is also rendered in dist/${prev.file}; each object must have one owner`);
    else {
      named.push(o);
      if (named !== first) byName.set(name, named);
    }
  }
  return problems;
}

/** The API group of an `apiVersion` (`networking.k8s.io/v1` → `networking.k8s.io`; `v1` → the core group, ''). */
function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The checks every synth runs. */
export const CORE_CHECKS: readonly ManifestCheck[] = [noPlaintextSecrets, validNames, uniqueObjects];
