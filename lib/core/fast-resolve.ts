import { App, ApiObject, ApiObjectMetadataDefinition, ImplicitTokenResolver, IResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';

/**
 * A faster `resolve` for cdk8s, with the same result: cdk8s's own (`cdk8s/lib/resolve.js`) walks
 * every value of every object, and for each one looks the App up from the object (a climb of the
 * construct tree), allocates a resolution context and a copy of the key path, and asks the three
 * built-in resolvers in turn. At 1000 tenants that is a fifth of rendering.
 *
 * When the App has only the built-in resolvers (`Lazy`, implicit tokens with a `resolve()` method,
 * number-or-string unions), this walk applies exactly their rules in their order, without the
 * context, the key paths, the climb or copies of what holds no token; any other resolver list (an App created with `resolvers`)
 * goes to cdk8s's own code. test/core/fast-resolve.test.ts renders the same objects both ways.
 */
type ResolveFn = (key: string[], value: unknown, apiObject: ApiObject) => unknown;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const resolveModule = require('cdk8s/lib/resolve') as { resolve: ResolveFn };

/**
 * cdk8s's own functions that {@link useFastResolve} replaces, as cdk8s defined them. Kept on cdk8s's
 * resolve module the first time this module loads, so that another copy of this module beside the
 * same cdk8s (the test runner loads the project's sources again for each test file, and cdk8s once
 * per worker: test/support/jest-runtime.js) does not take an earlier copy's replacements for them.
 */
interface Stock {
  readonly resolve: ResolveFn;
  readonly toJson: () => unknown;
}
const STOCK = Symbol.for('ceres.fast-resolve.stock');
const stock: Stock = ((resolveModule as unknown as Record<symbol, Stock>)[STOCK] ??= {
  resolve: resolveModule.resolve,
  toJson: ApiObject.prototype.toJson,
});
const stockResolve: ResolveFn = stock.resolve;

/** Whether `resolvers` are exactly cdk8s's built-in ones, in cdk8s's order, none overridden. */
function builtInOnly(resolvers: readonly IResolver[]): boolean {
  // Called for every object: no allocation.
  if (resolvers.length !== BUILT_IN.length) return false;
  for (let i = 0; i < BUILT_IN.length; i++) {
    const c = BUILT_IN[i];
    if (resolvers[i].constructor !== c || resolvers[i].resolve !== c.prototype.resolve) return false;
  }
  return true;
}
const BUILT_IN: readonly { readonly prototype: IResolver }[] = [LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver];

/**
 * The built-in resolvers' rules, applied to `value` and (for plain objects and arrays) everything in
 * it. Unlike cdk8s's, it copies only what changes: a plain object or array in which nothing resolves
 * is returned as it is. Both callers in cdk8s (ApiObject and its metadata) copy the result at once
 * (sanitizeValue), so nothing of it is shared with the constructs' props.
 */
function walk(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  const t = typeof value;
  // Strings, numbers and booleans: none of the built-in resolvers replaces them.
  if (t !== 'object' && t !== 'function') return value;
  const v = value as { resolve?: unknown; value?: unknown; constructor?: unknown; produce?: () => unknown };
  // LazyResolver
  if (value instanceof Lazy) return walk(value.produce());
  // ImplicitTokenResolver
  if (typeof v.resolve === 'function') return walk((v.resolve as () => unknown).call(value));
  // NumberStringUnionResolver: union classes (not plain dictionaries) holding a number or a string
  if (v.constructor !== Object) {
    const inner = typeof v.value;
    if (inner === 'number' || inner === 'string') return walk({ value: v.value });
  }
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const r = walk(value[i]);
      if (out) out[i] = r;
      else if (r !== value[i]) {
        out = value.slice(0, i);
        out[i] = r;
      }
    }
    return out ?? value;
  }
  if (v.constructor === Object) {
    const keys = Object.keys(value);
    let out: Record<string, unknown> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const old = (value as Record<string, unknown>)[k];
      const r = walk(old);
      if (out) out[k] = r;
      else if (r !== old) {
        out = {};
        for (let j = 0; j < i; j++) out[keys[j]] = (value as Record<string, unknown>)[keys[j]];
        out[k] = r;
      }
    }
    return out ?? value;
  }
  return value;
}

/** cdk8s's `resolve`, taking the fast walk when the object's App has only the built-in resolvers. */
export const fastResolve: ResolveFn = (key, value, apiObject) =>
  builtInOnly((App.of(apiObject) as App).resolvers) ? walk(value) : stockResolve(key, value, apiObject);

/** cdk8s's `sanitizeValue` options (`cdk8s/lib/_util.js`). */
interface SanitizeOptions {
  readonly filterEmptyArrays?: boolean;
  readonly filterEmptyObjects?: boolean;
  readonly sortKeys?: boolean;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sanitizeValue = (require('cdk8s/lib/_util') as { sanitizeValue: (obj: unknown, options?: SanitizeOptions) => unknown }).sanitizeValue;

/**
 * `sanitizeValue(walk(value), options)` in one pass: the built-in resolvers' rules, then cdk8s's
 * sanitizing (keys sorted unless `sortKeys` is false, null and undefined members dropped, empty
 * arrays and objects dropped when asked), building the copy once instead of twice. What is neither
 * a token nor a plain object or array goes to cdk8s's own `sanitizeValue` (which rejects it as cdk8s does).
 */
function resolveSanitized(value: unknown, o: SanitizeOptions): unknown {
  if (value === null || value === undefined) return undefined;
  const t = typeof value;
  if (t !== 'object' && t !== 'function') return value;
  // Plain objects and lists, nearly every value, are told by their prototype (read directly). The
  // general tests below read `resolve`, `constructor` and `value` as members: in this one place every
  // shape of the manifests passes, those reads go through V8's slowest lookup, up the prototype chain
  // (measured: 12 % of a 300-tenant render's tenant part, the same bytes out). Where an own member could
  // make the value a token or a union to the rules below, it takes them.
  if (t === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype) {
      const r = plainSanitized(value as Record<string, unknown>, o);
      if (r !== NOT_PLAIN) return r;
    } else if (proto === Array.prototype && (value as { resolve?: unknown }).resolve === undefined && (value as { value?: unknown }).value === undefined) {
      return sanitizedList(value as unknown[], o);
    }
  }
  const v = value as { resolve?: unknown; value?: unknown; constructor?: unknown; produce?: () => unknown };
  if (value instanceof Lazy) return resolveSanitized(value.produce(), o);
  if (typeof v.resolve === 'function') return resolveSanitized((v.resolve as () => unknown).call(value), o);
  if (v.constructor !== Object) {
    const inner = typeof v.value;
    if (inner === 'number' || inner === 'string') return resolveSanitized({ value: v.value }, o);
  }
  if (Array.isArray(value)) return sanitizedList(value, o);
  // Functions pass through sanitizing; other objects are cdk8s's to accept or reject.
  if (t === 'function' || v.constructor !== Object) return sanitizeValue(value, o);
  return sanitizedMembers(value as Record<string, unknown>, Object.keys(value), o);
}

/** A list's items resolved and sanitized (undefined for an empty list when empty lists are dropped). */
function sanitizedList(list: readonly unknown[], o: SanitizeOptions): unknown[] | undefined {
  if (o.filterEmptyArrays && list.length === 0) return undefined;
  const out = new Array<unknown>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = resolveSanitized(list[i], o);
  return out;
}

/** The members `keys` of `value` resolved, sorted (unless asked not to), null and undefined ones dropped (and an empty result, when asked). */
function sanitizedMembers(value: Record<string, unknown>, keys: string[], o: SanitizeOptions): Record<string, unknown> | undefined {
  if (o.sortKeys !== false) sortKeys(keys);
  const out: Record<string, unknown> = {};
  let n = 0;
  for (let i = 0; i < keys.length; i++) {
    const r = resolveSanitized(value[keys[i]], o);
    if (r !== null && r !== undefined) {
      out[keys[i]] = r;
      n++;
    }
  }
  if (o.filterEmptyObjects && n === 0) return undefined;
  return out;
}

const NOT_PLAIN = Symbol('not plain');
/**
 * {@link resolveSanitized} of an object whose prototype is Object.prototype: its members resolved, sorted
 * (unless asked not to), null and undefined ones dropped. NOT_PLAIN when it has an own `resolve` or
 * `constructor` member, which could make it an implicit token or a union: then the general rules apply.
 */
function plainSanitized(value: Record<string, unknown>, o: SanitizeOptions): unknown {
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) if (keys[i] === 'resolve' || keys[i] === 'constructor') return NOT_PLAIN;
  return sanitizedMembers(value, keys, o);
}

/**
 * Sorts `keys` in place in the order of `Array.prototype.sort()` without a comparator (by UTF-16 code
 * units, which is what `<` compares for strings): an insertion sort, which for the few keys of a
 * manifest's maps allocates nothing (the built-in sort was a sixth of all allocation in rendering);
 * long lists go to the built-in sort.
 */
function sortKeys(keys: string[]): void {
  const n = keys.length;
  if (n > 24) {
    keys.sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const k = keys[i];
    let j = i - 1;
    if (!(k < keys[j])) continue;
    while (j >= 0 && k < keys[j]) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = k;
  }
}

const METADATA_OPTIONS: SanitizeOptions = { filterEmptyArrays: true, filterEmptyObjects: true };
const NO_OPTIONS: SanitizeOptions = {};
const UNSORTED: SanitizeOptions = { sortKeys: false };
const stockToJson = stock.toJson;
const stockMetadataToJson = ApiObjectMetadataDefinition.prototype.toJson;

/** The fields of cdk8s's ApiObjectMetadataDefinition its `toJson` reads (public in JavaScript). */
interface MetadataFields {
  readonly _additionalAttributes: Record<string, unknown>;
  readonly name?: string;
  readonly namespace?: string;
  readonly annotations: Record<string, unknown>;
  readonly finalizers: unknown[];
  readonly ownerReferences: unknown[];
  readonly labels: Record<string, unknown>;
}

/**
 * Whether the metadata's additional attributes (cdk8s keeps there every option the metadata was made
 * with) have an own enumerable member other than the six that `toJson` takes from the metadata's own
 * fields instead (without listing them).
 */
function hasAdditionalMembers(value: object | undefined): boolean {
  if (!value) return false;
  for (const k in value) {
    if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
    if (k !== 'name' && k !== 'namespace' && k !== 'labels' && k !== 'annotations' && k !== 'finalizers' && k !== 'ownerReferences') return true;
  }
  return false;
}

/**
 * The metadata of an object without additional attributes, resolved and sanitized as
 * `resolveSanitized({ name, namespace, annotations, finalizers, ownerReferences, labels }, METADATA_OPTIONS)`
 * (its six members sorted, empty ones dropped, undefined when none is left), with its members written
 * in their sorted order by name: no object to sort them out of, and no member stored under a computed
 * name (the most common object shape of every manifest).
 */
function sanitizedMetadata(meta: MetadataFields): Record<string, unknown> | undefined {
  const o = METADATA_OPTIONS;
  const out: Record<string, unknown> = {};
  let n = 0;
  // In the order of sortKeys: annotations < finalizers < labels < name < namespace < ownerReferences.
  const annotations = resolveSanitized(meta.annotations, o);
  if (annotations !== null && annotations !== undefined) {
    out.annotations = annotations;
    n++;
  }
  const finalizers = resolveSanitized(meta.finalizers, o);
  if (finalizers !== null && finalizers !== undefined) {
    out.finalizers = finalizers;
    n++;
  }
  const labels = resolveSanitized(meta.labels, o);
  if (labels !== null && labels !== undefined) {
    out.labels = labels;
    n++;
  }
  const name = resolveSanitized(meta.name, o);
  if (name !== null && name !== undefined) {
    out.name = name;
    n++;
  }
  const namespace = resolveSanitized(meta.namespace, o);
  if (namespace !== null && namespace !== undefined) {
    out.namespace = namespace;
    n++;
  }
  const ownerReferences = resolveSanitized(meta.ownerReferences, o);
  if (ownerReferences !== null && ownerReferences !== undefined) {
    out.ownerReferences = ownerReferences;
    n++;
  }
  return n === 0 ? undefined : out;
}

/**
 * The members `keys` with `values` (null and undefined ones dropped) as one object: apiVersion, kind
 * and metadata first, then the others in the order given; the result of the steps below for an object
 * without JSON patches (the same members in the same order), without the object in between.
 */
function firstThree(keys: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  let apiVersion: unknown;
  let kind: unknown;
  let metadata: unknown;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k === 'apiVersion') apiVersion = values[i];
    else if (k === 'kind') kind = values[i];
    else if (k === 'metadata') metadata = values[i];
  }
  const result: Record<string, unknown> = {};
  if (apiVersion !== null && apiVersion !== undefined) result.apiVersion = apiVersion;
  if (kind !== null && kind !== undefined) result.kind = kind;
  if (metadata !== null && metadata !== undefined) result.metadata = metadata;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = values[i];
    if (k !== 'apiVersion' && k !== 'kind' && k !== 'metadata' && v !== null && v !== undefined) result[k] = v;
  }
  return result;
}

/**
 * cdk8s's `ApiObject.toJson` (`cdk8s/lib/api-object.js`) with the same result, for an App with only
 * the built-in resolvers: the metadata resolved and sanitized in one pass (as
 * `ApiObjectMetadataDefinition.toJson` does), the object likewise (the metadata, already resolved,
 * sorted and copied, is not walked again), JSON patches applied only when there are any (applying
 * none returns the document as it is), then `apiVersion`, `kind` and `metadata` first. Anything
 * else (another resolver list, an overridden metadata `toJson`) takes cdk8s's own path.
 */
function fastToJson(this: ApiObject): unknown {
  let app: App;
  try {
    app = App.of(this) as App;
  } catch {
    return stockToJson.call(this); // which reports it as cdk8s does
  }
  const meta = this.metadata as unknown as MetadataFields;
  if (!builtInOnly(app.resolvers) || this.metadata.toJson !== stockMetadataToJson) return stockToJson.call(this);
  try {
    const metadata = hasAdditionalMembers(meta._additionalAttributes)
      ? resolveSanitized(
          {
            ...meta._additionalAttributes,
            name: meta.name,
            namespace: meta.namespace,
            annotations: meta.annotations,
            finalizers: meta.finalizers,
            ownerReferences: meta.ownerReferences,
            labels: meta.labels,
          },
          METADATA_OPTIONS,
        )
      : sanitizedMetadata(meta);
    const sorted = process.env.CDK8S_DISABLE_SORT ? false : true;
    const props = (this as unknown as { props: Record<string, unknown> }).props;
    // As resolveSanitized({ ...props, metadata }), without walking the metadata again.
    const keys = Object.keys(props);
    if (!('metadata' in props)) keys.push('metadata');
    if (sorted) sortKeys(keys);
    const values = new Array<unknown>(keys.length);
    for (let i = 0; i < keys.length; i++) values[i] = keys[i] === 'metadata' ? metadata : resolveSanitized(props[keys[i]], sorted ? NO_OPTIONS : UNSORTED);
    const patches = (this as unknown as { patches: JsonPatch[] }).patches;
    // Without patches (nearly every object) the result is written at once: apiVersion, kind and
    // metadata first, then the rest in order, null and undefined members dropped (as below).
    if (!patches.length) return firstThree(keys, values);
    let json: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) if (values[i] !== null && values[i] !== undefined) json[keys[i]] = values[i];
    json = JsonPatch.apply(json, ...patches);
    // apiVersion, kind and metadata first, then the rest in order (as cdk8s orders them).
    const result: Record<string, unknown> = {};
    if ('apiVersion' in json) result.apiVersion = json.apiVersion;
    if ('kind' in json) result.kind = json.kind;
    if ('metadata' in json) result.metadata = json.metadata;
    for (const k of Object.keys(json)) if (k !== 'apiVersion' && k !== 'kind' && k !== 'metadata') result[k] = json[k];
    return result;
  } catch (e) {
    throw new Error(`Failed serializing construct at path '${this.node.path}' with name '${this.name}': ${e}`);
  }
}

/**
 * Makes cdk8s use {@link fastResolve} and the one-pass `ApiObject.toJson` (or, with `false`, its own
 * code again). cdk8s reads `resolve` from its module's exports on every call, and subclasses (the
 * generated `toJson` of imported kinds) call `super.toJson()`, so this takes effect for every ApiObject.
 */
export function useFastResolve(on = true): void {
  resolveModule.resolve = on ? fastResolve : stockResolve;
  ApiObject.prototype.toJson = on ? fastToJson : stockToJson;
}

/** cdk8s's own resolve (for comparisons in tests). */
export const cdk8sResolve: ResolveFn = stockResolve;
