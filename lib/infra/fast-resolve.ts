/**
 * cdktf's token resolution with a fast path for plain data.
 *
 * cdktf resolves every stack's elements three times (`prepareStack`, then each element's fragment and
 * the merged stack in `toTerraform`). Its resolver builds a context object with two closures and a
 * prefix copy for every key, array element and key name, and tests every string with three regular
 * expressions. At a thousand tenants the stacks are some 45,000 elements (37 MB of JSON): resolving
 * was 7 of the 10 s it took to render them, nearly all of it spent on data with no token in it.
 *
 * {@link installFastResolve} replaces the module function cdktf calls for every top-level resolution
 * (`Tokenization.resolve` looks it up as a property of its module at each call, as
 * lib/infra/infra-app.ts's stack-trace switch relies on too). The replacement walks the value as
 * cdktf's resolver does and copies what is plain data itself: strings without a token marker, numbers
 * that are not encoded tokens, booleans, arrays and objects built of those. Anything else (a string
 * or key with `TfToken[` or what cdktf reads as an encoded number in it, the map-token placeholder
 * values, a number or list element that encodes a token, an object with `resolve`, a construct, a
 * function, too deep a path) goes to cdktf's own resolver, at the same path and with the same
 * options, so tokens, errors and cross-stack references behave as cdktf made them. The output is the
 * same value (tested against cdktf's resolver on generated data with tokens at random places, and
 * the stacks' JSON is compared whole).
 *
 * `CERES_CDKTF_RESOLVE_AS_SHIPPED=1` leaves cdktf's resolver in place.
 */

interface ResolveOptions {
  readonly prefix?: readonly string[];
  readonly [option: string]: unknown;
}
type Resolve = (obj: unknown, options: ResolveOptions) => unknown;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const resolveModule = require('cdktf/lib/tokens/private/resolve') as { resolve: Resolve };
/** cdktf's own resolver, as its module exports it. */
const cdktfResolve: Resolve = resolveModule.resolve;

/** `Token.STRING_MAP_TOKEN_VALUE` and `Token.ANY_MAP_TOKEN_VALUE`: refused by cdktf in a string context. */
const MAP_TOKEN_STRINGS: ReadonlySet<string> = new Set(['String Map Token Value', 'Any Map Token Value']);
/** `Token.NUMBER_MAP_TOKEN_VALUE`: refused by cdktf in a number context. */
const NUMBER_MAP_TOKEN_VALUE = -123456789;
/**
 * Where cdktf's NUMBER_TOKEN_REGEX (`[-|\d|.\+]+(e[-|\d|.|e|E|\+]+)`) matches a string, this matches
 * too, and the other way round: one character of the first class, `e`, one of the second.
 */
const NUMBER_TOKEN_HINT = /[-|\d.+]e[-|\d.eE+]/;
/** cdktf's depth limit: a prefix longer than this is refused as a circular reference. */
const MAX_PREFIX = 200;

/** The top 16 bits of a double that encodes a token (cdktf's DOUBLE_TOKEN_MARKER_BITS), and of a list token's. */
const DOUBLE_TOKEN_MARKER_BITS = 0xfdff << 16;
const DOUBLE_LIST_TOKEN_MARKER_BITS = 0xfbff << 16;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Whether cdktf reads `n` as an encoded token (a scalar's or a list's), as its `extractTokenDouble` does. */
function encodesToken(n: number): boolean {
  f64[0] = n;
  const top = u32[1] & 0xffff0000;
  return top === DOUBLE_TOKEN_MARKER_BITS || top === DOUBLE_LIST_TOKEN_MARKER_BITS;
}

/** Whether cdktf's resolver gives `s` back as it is, touching nothing (no token of any kind, nothing it refuses). */
function plainString(s: string): boolean {
  return !s.includes('TfToken[') && !MAP_TOKEN_STRINGS.has(s) && !NUMBER_TOKEN_HINT.test(s);
}

/** Marks a value the fast path does not copy itself. */
const DELEGATE = Symbol('delegate');

/**
 * The resolved copy of `obj` when it is plain data (see the module comment), else {@link DELEGATE}
 * for the part that is not: `path` is where `obj` lies below the top-level value (pushed and popped).
 */
function plain(obj: unknown, path: (string | number)[], room: number): unknown {
  // Deeper than cdktf allows (whatever the value): its resolver says where.
  if (room <= 0) return DELEGATE;
  switch (typeof obj) {
    case 'undefined':
      return undefined;
    case 'string':
      return plainString(obj) ? obj : DELEGATE;
    case 'number':
      return obj === NUMBER_MAP_TOKEN_VALUE || encodesToken(obj) ? DELEGATE : obj;
    case 'boolean':
    case 'bigint':
    case 'symbol':
      return obj;
    case 'function':
      return DELEGATE;
  }
  if (obj === null) return null;
  if (obj instanceof Date) return obj;
  if (Array.isArray(obj)) {
    // A list token among the elements makes the whole list cdktf's.
    for (let i = 0; i < obj.length; i++) {
      const x: unknown = obj[i];
      if ((typeof x === 'string' && x.includes('TfToken[')) || (typeof x === 'number' && encodesToken(x))) return DELEGATE;
    }
    const out: unknown[] = [];
    for (let i = 0; i < obj.length; i++) {
      path.push(i);
      const r = resolveAt(obj[i], path, room - 1);
      path.pop();
      if (r !== undefined) out.push(r);
    }
    return out;
  }
  const record = obj as Record<string, unknown>;
  // A resolvable, a construct (refused), or a key cdktf would resolve or refuse: cdktf's.
  if (typeof record.resolve === 'function' || (record._children !== undefined && record._metadata !== undefined)) return DELEGATE;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) if (!plainString(keys[i])) return DELEGATE;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    path.push(keys[i]);
    const r = resolveAt(record[keys[i]], path, room - 1);
    path.pop();
    if (r !== undefined) out[keys[i]] = r;
  }
  return out;
}

/** Options of the resolution in progress (set by {@link fastResolve} for the walk below it). */
let current: ResolveOptions = {};

/** `obj` at `path`, resolved: by the fast path, or by cdktf's resolver where that is not plain data. */
function resolveAt(obj: unknown, path: (string | number)[], room: number): unknown {
  const r = plain(obj, path, room);
  if (r !== DELEGATE) return r;
  const outer = current;
  const prefix = (outer.prefix ?? []).concat(path.map(String));
  try {
    return cdktfResolve(obj, { ...outer, prefix });
  } finally {
    current = outer;
  }
}

/** cdktf's `resolve(obj, options)`, with plain data copied without its per-key contexts. */
function fastResolve(obj: unknown, options: ResolveOptions): unknown {
  const outer = current;
  current = options;
  try {
    return resolveAt(obj, [], MAX_PREFIX - (options.prefix?.length ?? 0) + 1);
  } finally {
    current = outer;
  }
}

let installed = false;

/** Puts the fast path in place of cdktf's module-level resolver (once; not with `CERES_CDKTF_RESOLVE_AS_SHIPPED=1`). */
export function installFastResolve(env: NodeJS.ProcessEnv = process.env): boolean {
  if (installed) return true;
  if (env.CERES_CDKTF_RESOLVE_AS_SHIPPED === '1') return false;
  resolveModule.resolve = fastResolve as Resolve;
  installed = true;
  return true;
}

/** cdktf's resolver as shipped and the fast one (for tests that compare them). */
export const resolvers = { cdktf: cdktfResolve, fast: fastResolve as Resolve };

/** Whether cdktf's module resolver is the fast one now. */
export function fastResolveInstalled(): boolean {
  return resolveModule.resolve === (fastResolve as Resolve);
}

/** Runs `f` with cdktf's resolver as shipped (for tests that compare whole stacks). */
export function withShippedResolve<T>(f: () => T): T {
  const before = resolveModule.resolve;
  resolveModule.resolve = cdktfResolve;
  try {
    return f();
  } finally {
    resolveModule.resolve = before;
  }
}
