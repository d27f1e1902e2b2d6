import { rng } from './yaml-fuzz';

/**
 * The map copies generated converters make (`cdk8s import`, cdk8s-plus-28's k8s module), one per way
 * they convert a value, as an expression of `obj.m` and a converter `toJson_T`.
 */
export const MAP_COPY_FORMS = ['i[1]', 'i[1]?.value', 'i[1]?.map(y => y)', 'i[1]?.map(y => toJson_T(y))', 'toJson_T(i[1])'] as const;

/** The generated copy of map `obj.m` with values converted by `form`. */
export function generatedMapCopy(form: string): string {
  return `Object.entries(obj.m).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: ${form} }), {})`;
}

/** A converter of nested objects as the generated ones are: a new object (or undefined) from the value. */
const toJsonT = (y: unknown) => (y === undefined ? undefined : { converted: y });

/** What a copy gave: its members in order, whether each is the input's value itself, its prototype; or that it threw. */
function outcome(copy: (obj: { m: unknown }, toJsonT: (y: unknown) => unknown) => unknown, m: Record<string, unknown>): string {
  try {
    const got = copy({ m }, toJsonT) as Record<string, unknown>;
    return JSON.stringify({
      entries: Object.entries(got).map(([k, v]) => [k, v === undefined ? 'undefined' : v, v === m[k]]),
      plainPrototype: Object.getPrototypeOf(got) === Object.prototype,
    });
  } catch (e) {
    return `threw ${(e as Error).constructor.name}`;
  }
}

/**
 * The maps (seeded) on which `linear` (a rewritten copy, by form) is compared with the generated copy:
 * members named `__proto__`, `constructor`, integer-like, undefined, null, quantities with and without
 * a value, lists with holes. Returns the maps on which they differ, with the form.
 */
export function differingMapCopies(
  generated: (form: string) => (obj: { m: unknown }, toJsonT: (y: unknown) => unknown) => unknown,
  linear: (form: string) => (obj: { m: unknown }, toJsonT: (y: unknown) => unknown) => unknown,
  seed: number,
): { form: string; map: Record<string, unknown> }[] {
  const keys = ['a', 'b', '2', '10', '__proto__', 'constructor', 'toString', 'x.y/z'];
  const values = [undefined, null, 0, '', 'x', { value: 3 }, { value: undefined }, [1, undefined], [], {}];
  const random = rng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const differing: { form: string; map: Record<string, unknown> }[] = [];
  for (const form of MAP_COPY_FORMS) {
    const want = generated(form);
    const got = linear(form);
    for (let n = 0; n < 300; n++) {
      const map: Record<string, unknown> = {};
      // defineProperty: an own member named `__proto__`, as JSON input has.
      for (let m = Math.floor(random() * 6); m > 0; m--)
        Object.defineProperty(map, pick(keys), { value: pick(values), enumerable: true, writable: true, configurable: true });
      if (outcome(got, map) !== outcome(want, map)) differing.push({ form, map });
    }
  }
  return differing;
}
