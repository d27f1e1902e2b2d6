import { App, DefaultTokenResolver, Fn, Lazy, StringConcat, TerraformLocal, TerraformStack, Token } from 'cdktf';
import { generatedTenants } from '../../bench/generate';
import { platform } from '../../apps/platform/platform';
import { synthesizeInfra } from '../../apps/infra/main';
import { parseTenantInput } from '../../lib/core/input/documents';
import { rng } from '../support/yaml-fuzz';
import { fastResolveInstalled, resolvers, withShippedResolve } from '../../lib/infra/fast-resolve';
import { terraformInput } from '../../lib/core/input/types';

const app = new App({ stackTraces: false, skipValidation: true });
const stack = new TerraformStack(app, 'resolve-test');
const local = new TerraformLocal(stack, 'region', 'eu-west-1');

/** Strings and numbers cdktf's resolver leaves alone, changes or refuses (markers, escapes, encoded-number look-alikes). */
const SCALARS: unknown[] = [
  '',
  'plain',
  'ünïcødé ✓',
  '1e5',
  'x-1e+3',
  'v1.2e-4',
  'e5',
  '${var.region}',
  '$${escaped}',
  'a}b{c',
  'TfToken[',
  '${TfToken[TOKEN.999999]}',
  '#{TfToken[TOKEN.999999]}',
  'String Map Token Value',
  'Any Map Token Value',
  0,
  -1,
  1.5,
  1e300,
  -123456789,
  Number.NaN,
  true,
  false,
  null,
  undefined,
  new Date(0),
];

/** Tokens of each kind cdktf encodes: strings (alone and inside text), numbers, lists, maps, resolvables, references. */
function tokens(): unknown[] {
  const lazyString = Lazy.stringValue({ produce: () => 'lazy' });
  return [
    lazyString,
    `prefix-${lazyString}-suffix`,
    Token.asNumber(Lazy.numberValue({ produce: () => 42 })),
    Token.asList(Lazy.listValue({ produce: () => ['a', 'b'] })),
    Lazy.anyValue({ produce: () => ({ k: 'v', gone: undefined, n: [1, undefined, 'x'] }) }),
    local.asString,
    `${local.asString}/suffix`,
    Fn.join('-', ['a', lazyString]),
    Token.asStringMap(Lazy.anyValue({ produce: () => ({ a: 'b' }) })),
    Token.asNumberList(Lazy.anyValue({ produce: () => [1, 2] })),
  ];
}

function generate(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth <= 0 || r < 0.45) {
    const pool = rand() < 0.25 ? tokens() : SCALARS;
    return pool[Math.floor(rand() * pool.length)];
  }
  const n = Math.floor(rand() * 5);
  if (r < 0.7) return Array.from({ length: n }, () => generate(rand, depth - 1));
  const out: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const k = rand() < 0.05 ? `${Lazy.stringValue({ produce: () => 'key' })}` : rand() < 0.05 ? (SCALARS[Math.floor(rand() * 15)] as string) : `k${i}`;
    out[k] = generate(rand, depth - 1);
  }
  return out;
}

/** What a resolver gives for `value`: its result, or the message it throws. */
function outcome(resolve: (obj: unknown, options: Record<string, unknown>) => unknown, value: unknown, preparing: boolean, prefix?: string[]) {
  try {
    return { value: resolve(value, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()), preparing, prefix }) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

describe("cdktf's resolver with the fast path for plain data (lib/infra/fast-resolve.ts)", () => {
  it('is what the Terraform stacks are rendered with', () => {
    expect(fastResolveInstalled()).toBe(true);
    expect(withShippedResolve(() => fastResolveInstalled())).toBe(false);
  });

  it("gives what cdktf's resolver gives, tokens at random places, errors included", () => {
    const rand = rng(20261206);
    let tokensSeen = 0;
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      const value = generate(rand, 4);
      const preparing = rand() < 0.3;
      const expected = outcome(resolvers.cdktf, value, preparing);
      const actual = outcome(resolvers.fast, value, preparing);
      expect({ i, ...actual }).toStrictEqual({ i, ...expected });
      if ('error' in expected) errors++;
      if (JSON.stringify(value ?? null).includes('TfToken[TOKEN.') && !JSON.stringify(value).includes('999999')) tokensSeen++;
    }
    // The generator reached the cases that matter: tokens resolved, and inputs cdktf refuses.
    expect(tokensSeen).toBeGreaterThan(300);
    expect(errors).toBeGreaterThan(50);
  });

  it("refuses a structure deeper than cdktf's limit where cdktf does, with its message", () => {
    for (const depth of [198, 199, 200, 201, 250]) {
      let value: unknown = 'leaf';
      for (let i = 0; i < depth; i++) value = i % 2 ? { k: value } : [value];
      for (const prefix of [undefined, ['a', 'b']]) {
        expect(outcome(resolvers.fast, value, false, prefix)).toStrictEqual(outcome(resolvers.cdktf, value, false, prefix));
      }
    }
  });

  it('renders the same Terraform JSON as the resolver as shipped (generated tenants), and forgets its tokens', () => {
    const input = terraformInput(parseTenantInput(generatedTenants(12)));
    const fast = synthesizeInfra(platform, input);
    const shipped = withShippedResolve(() => synthesizeInfra(platform, input));
    expect([...fast.keys()]).toEqual([...shipped.keys()]);
    for (const [file, text] of shipped) expect({ file, same: fast.get(file) === text }).toEqual({ file, same: true });
    // The tokens the stacks registered are forgotten with them (lib/infra/infra-app.ts, renderStacks): the
    // process-wide map holds what it held before, and a second render in the same process is the same.
    const map = (
      require('cdktf/lib/tokens/private/token-map') as {
        TokenMap: { instance(): { stringTokenMap: Map<string, unknown>; numberTokenMap: Map<number, unknown> } };
      }
    ).TokenMap.instance();
    const held = [map.stringTokenMap.size, map.numberTokenMap.size];
    const again = synthesizeInfra(platform, input);
    expect([map.stringTokenMap.size, map.numberTokenMap.size]).toEqual(held);
    expect(again).toEqual(fast);
    // References between resources went through cdktf's resolver and came out as Terraform expressions.
    expect([...fast.values()].join('').match(/\$\{aws_iam_role\.[^}]+\.arn\}/g)?.length).toBeGreaterThan(12);
  });
});
