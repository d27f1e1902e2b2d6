/**
 * IPv4 CIDR arithmetic, done in TypeScript (not with Terraform's `cidrsubnet`) so the subnet plan is
 * visible in the generated JSON and in reviews.
 */

function parse(cidr: string): { base: number; prefix: number } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) throw new Error(`'${cidr}' is not an IPv4 CIDR such as 10.30.0.0/16`);
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) throw new Error(`'${cidr}' is not a valid IPv4 CIDR`);
  const base = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((base & mask) >>> 0 !== base) throw new Error(`'${cidr}' has host bits set; use ${format(base & mask)}/${prefix}`);
  return { base, prefix };
}

function format(addr: number): string {
  return [24, 16, 8, 0].map((s) => (addr >>> s) & 0xff).join('.');
}

/**
 * The `index`-th subnet of size `/newPrefix` inside `cidr` (like Terraform's
 * `cidrsubnet(cidr, newPrefix - prefix, index)`).
 */
export function subnetCidr(cidr: string, newPrefix: number, index: number): string {
  const { base, prefix } = parse(cidr);
  if (newPrefix < prefix || newPrefix > 32) {
    throw new Error(`cannot cut /${newPrefix} subnets out of ${cidr}`);
  }
  const count = 2 ** (newPrefix - prefix);
  if (index < 0 || index >= count) {
    throw new Error(`${cidr} holds ${count} /${newPrefix} subnets; index ${index} is out of range`);
  }
  const addr = (base + index * 2 ** (32 - newPrefix)) >>> 0;
  return `${format(addr)}/${newPrefix}`;
}

/** The prefix length of a CIDR (`16` for `10.30.0.0/16`). */
export function prefixLength(cidr: string): number {
  return parse(cidr).prefix;
}

/** What is wrong with a CIDR (not IPv4, out of range, host bits set), or undefined when it is valid. */
export function cidrProblem(cidr: string): string | undefined {
  try {
    parse(cidr);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Whether two valid CIDRs share an address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = parse(a);
  const y = parse(b);
  const prefix = Math.min(x.prefix, y.prefix);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return (x.base & mask) >>> 0 === (y.base & mask) >>> 0;
}
