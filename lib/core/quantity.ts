/**
 * Kubernetes quantities (`100m`, `128Mi`, `1.5Gi`, `2e3`), read as k8s.io/apimachinery's
 * `resource.ParseQuantity` reads them: one parser for input validation, rendering, cost and verify.
 */
/** The syntax `parseQuantity` reads (for JSON Schemas). */
export const QUANTITY_PATTERN = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const FACTORS: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** A quantity as a number (cores for CPU, bytes for memory and storage), or undefined when it does not parse. */
export function parseQuantity(s: string): number | undefined {
  const m = QUANTITY_PATTERN.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]);
  const suffix = m[2] ?? '';
  return suffix in FACTORS ? n * FACTORS[suffix] : n * 10 ** Number(suffix.slice(1));
}

/** A quantity field as a number: numbers as they are, strings parsed; NaN when absent or malformed, so that arithmetic on it never passes silently. */
export function quantityValue(value: string | number | undefined): number {
  if (value === undefined) return NaN;
  if (typeof value === 'number') return value;
  return parseQuantity(value.trim()) ?? NaN;
}

/** A quantity the code itself wrote (a table, a default): its value; throws when it does not parse (a defect, not input). */
export function knownQuantity(value: string): number {
  const n = parseQuantity(value);
  if (n === undefined) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(value)}`);
  return n;
}
