import { ApiObject, App, Chart, IResolver, JsonPatch, Lazy, ResolutionContext } from 'cdk8s';
import { KubeNetworkPolicy } from '../../lib/core/k8s';
import { platformAddOns } from '../../apps/platform/main';
import { fastResolve, useFastResolve } from '../../lib/core/fast-resolve';
import { fixturePlatform, renderAddOns, TENANT_PER_TIER } from '../support/harness';

/** cdk8s's resolve module, whose `resolve` useFastResolve replaces. */
const cdk8sResolveModule = require('cdk8s/lib/resolve') as { resolve: (...args: unknown[]) => unknown };

/** Renders the fixture platform's every environment with every add-on; dist path → content. */
function renderAll(): Map<string, string> {
  const platform = fixturePlatform();
  const files = new Map<string, string>();
  for (const env of platform.environments) {
    for (const [p, c] of renderAddOns(platformAddOns(), { platform, env: env.name, input: TENANT_PER_TIER }).files) files.set(p, c);
  }
  return files;
}

class Union {
  constructor(public readonly value: string | number) {}
}
class Token {
  constructor(private readonly v: unknown) {}
  public resolve(): unknown {
    return this.v;
  }
}

function objectJson(app: App, spec: unknown): unknown {
  const chart = new Chart(app, `c${Math.random().toString(36).slice(2)}`);
  return new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { a: 'b' } }, spec } as never).toJson();
}

describe('fast resolve', () => {
  afterAll(() => useFastResolve(true));

  it('switches back to cdk8s’s own code, also after other copies of the module loaded beside the same cdk8s', () => {
    // jest loads the project's sources again for each test file, and cdk8s once per worker
    // (test/support/jest-runtime.js): earlier test files' copies of fast-resolve have already
    // replaced cdk8s's functions by the time this file's copy loads.
    useFastResolve(false);
    expect(ApiObject.prototype.toJson.toString()).toContain('(0, resolve_1.resolve)([], data, this)');
    expect(cdk8sResolveModule.resolve.toString()).toMatch(/^function resolve\(key, value, apiObject\)/);
    useFastResolve(true);
    expect(ApiObject.prototype.toJson.toString()).not.toContain('resolve_1');
    expect(cdk8sResolveModule.resolve).toBe(fastResolve);
  });

  it('renders the fixture platform byte for byte as cdk8s’s own resolve does', () => {
    useFastResolve(false);
    const stock = renderAll();
    useFastResolve(true);
    const fast = renderAll();
    expect(stock.size).toBeGreaterThan(20);
    expect([...fast.keys()]).toEqual([...stock.keys()]);
    for (const [p, c] of stock) expect(`${p}\n${fast.get(p)}`).toBe(`${p}\n${c}`);
  });

  it('applies the built-in resolvers’ rules: Lazy, implicit tokens, number-or-string unions, nested and in lists', () => {
    const spec = {
      lazy: Lazy.any({ produce: () => ({ inner: Lazy.any({ produce: () => [new Token(3), 'x'] }) }) }),
      token: new Token({ deep: new Union(8080) }),
      union: new Union('50%'),
      list: [new Union(1), null, undefined, true, { k: Lazy.any({ produce: () => 'v' }) }],
      plain: { value: 'a plain dictionary with a value key stays as it is', n: 0, empty: {} },
      fn: undefined,
      // Plain objects and lists whose own members make them a token or a union to cdk8s's rules.
      ownResolve: { resolve: () => ({ resolved: Lazy.any({ produce: () => 'by its own method' }) }), other: 'dropped' },
      dataResolve: { resolve: 'a member named resolve', z: 1, a: 2 },
      ownConstructor: { constructor: 'not Object', value: 5, z: 1 },
      constructorMember: { constructor: Object, value: 6, b: 'kept' },
      listToken: Object.assign([1, 2], { resolve: () => 'a list with its own resolve' }),
      listValue: Object.assign([3], { value: 'a list with a value member' }),
    };
    const results = [false, true].map((on) => {
      useFastResolve(on);
      return objectJson(new App(), spec);
    });
    expect(results[1]).toEqual(results[0]);
    expect(JSON.stringify(results[1])).toBe(JSON.stringify(results[0]));
    expect((results[1] as any).spec.union).toEqual({ value: '50%' });
    expect((results[1] as any).spec.lazy.inner).toEqual([3, 'x']);
    expect((results[1] as any).spec.ownResolve).toEqual({ resolved: 'by its own method' });
    expect((results[1] as any).spec.ownConstructor).toEqual({ value: 5 });
    expect((results[1] as any).spec.listToken).toBe('a list with its own resolve');
    expect(Object.keys((results[1] as any).spec.dataResolve)).toEqual(['a', 'resolve', 'z']);
  });

  it('gives JSON that shares nothing with the props (changing it changes no later rendering)', () => {
    useFastResolve(true);
    const app = new App();
    const chart = new Chart(app, 'c');
    const props = { plain: { list: [{ a: 1 }], map: { b: 'c' } } };
    const o = new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, spec: props } as never);
    const first = o.toJson() as any;
    first.spec.plain.list[0].a = 2;
    first.spec.plain.map.b = 'changed';
    expect((o.toJson() as any).spec).toEqual({ plain: { list: [{ a: 1 }], map: { b: 'c' } } });
    expect(props.plain.list[0].a).toBe(1);
  });

  it('renders objects as cdk8s’s own toJson does: metadata filtering, JSON patches, unsorted keys, generated kinds, errors', () => {
    /** Every object's JSON text (or error message), built the same way in a fresh App. */
    const render = (on: boolean): string[] => {
      useFastResolve(on);
      const app = new App();
      const chart = new Chart(app, 'c', { labels: { team: 'a' }, namespace: 'ns' });
      const bare = new Chart(app, 'bare');
      const objects: ApiObject[] = [
        // Empty metadata lists and maps are dropped, null members too; a label set to a Lazy resolves.
        new ApiObject(chart, 'a', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'a', annotations: {}, finalizers: [], labels: { z: Lazy.any({ produce: () => 'late' }) } },
          data: { b: '1', a: null, c: [], 0: 'x', B: 'y' },
        } as never),
        new ApiObject(chart, 'b', { apiVersion: 'v1', kind: 'Secret', immutable: true } as never),
        // Keys sorted as Array.prototype.sort does (UTF-16 code units), in short maps and long ones.
        new ApiObject(chart, 'keys', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'keys' },
          data: Object.fromEntries(['b', 'a', 'B', '_', 'é', 'e', '10', '9', 'a-b', 'a.b', 'a/b', '😀', 'ﬀ', 'Z'].map((k) => [k, k])),
          long: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${(i * 7919) % 40}`, { z: i, y: { b: 1, a: 2 } }])),
        } as never),
        new KubeNetworkPolicy(chart, 'np', { metadata: { name: 'np' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } }),
        // Metadata with members of its own beyond the six (also one named resolve, one null), and owner references.
        new ApiObject(chart, 'extra', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: 'extra',
            generateName: 'g-',
            uid: null,
            resolve: 'a member',
            finalizers: ['keep'],
            ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'o', uid: 'u' }],
          },
        } as never),
        // The six only, as tokens, lists empty or not.
        new ApiObject(chart, 'tokens', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: Lazy.any({ produce: () => 'late-name' }),
            namespace: new Token('token-ns'),
            annotations: { z: new Token('1'), a: Lazy.any({ produce: () => undefined }) },
            ownerReferences: [],
            finalizers: [Lazy.any({ produce: () => 'f' })],
          },
        } as never),
        // A chart without labels or namespace: a generated name only, or nothing left but the name.
        new ApiObject(bare, 'generated', { apiVersion: 'v1', kind: 'ConfigMap' } as never),
        new ApiObject(bare, 'emptied', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'e', labels: {}, annotations: { gone: undefined } } } as never),
      ];
      const patched = new ApiObject(chart, 'p', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p' }, data: { x: 'y' } } as never);
      patched.addJsonPatch(JsonPatch.add('/data/added', 'z'), JsonPatch.remove('/data/x'));
      patched.metadata.addAnnotation('note', 'n');
      patched.metadata.addFinalizers('f');
      objects.push(patched);
      objects.push(new ApiObject(chart, 'bad', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad' }, data: { when: new Date(0) } } as never));
      // A name that resolves to nothing in a chart without labels or namespace: no metadata at all.
      objects.push(
        new ApiObject(bare, 'nameless', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: Lazy.any({ produce: () => undefined }) } } as never),
      );
      // Top-level members: an integer-like one (first in any object), a null one, kind before apiVersion.
      objects.push(new ApiObject(bare, 'top', { kind: 'ConfigMap', apiVersion: 'v1', 7: 'seven', b: null, a: 'a', metadata: { name: 't' } } as never));
      const out: string[] = [];
      for (const unsorted of [false, true]) {
        if (unsorted) process.env.CDK8S_DISABLE_SORT = '1';
        try {
          for (const o of objects) {
            try {
              out.push(JSON.stringify(o.toJson()));
            } catch (e) {
              out.push(`error: ${(e as Error).message}`);
            }
          }
        } finally {
          delete process.env.CDK8S_DISABLE_SORT;
        }
      }
      return out;
    };
    const stock = render(false);
    const fast = render(true);
    expect(fast).toEqual(stock);
    // The cases are what they claim to be.
    expect(stock[0]).toContain('"labels":{"team":"a","z":"late"}');
    expect(stock[0]).not.toContain('annotations');
    expect(stock[0]).toContain('"data":{"0":"x","B":"y","b":"1","c":[]}');
    // (integer-like keys come first in any JavaScript object; the others in code-unit order: 😀 before ﬀ)
    expect(stock[2]).toContain(
      '"data":{"9":"9","10":"10","B":"B","Z":"Z","_":"_","a":"a","a-b":"a-b","a.b":"a.b","a/b":"a/b","b":"b","e":"e","é":"é","😀":"😀","ﬀ":"ﬀ"}',
    );
    expect(stock[4]).toContain(
      '"metadata":{"finalizers":["keep"],"generateName":"g-","labels":{"team":"a"},"name":"extra","namespace":"ns","ownerReferences":[{"apiVersion":"v1","kind":"Pod","name":"o","uid":"u"}],"resolve":"a member"}',
    );
    expect(stock[5]).toContain('"metadata":{"annotations":{"z":"1"},"finalizers":["f"],"labels":{"team":"a"},"name":"late-name","namespace":"token-ns"}');
    expect(stock[6]).toMatch(/"metadata":\{"name":"bare-generated-[0-9a-f]+"\}/);
    expect(stock[7]).toContain('"metadata":{"name":"e"}');
    expect(stock[8]).toContain('"data":{"added":"z"}');
    expect(stock[9]).toMatch(/^error: Failed serializing construct at path 'c\/bad'.*non-simple object of type 'Date'/);
    expect(stock[10]).toBe('{"apiVersion":"v1","kind":"ConfigMap"}');
    expect(stock[11]).toBe('{"7":"seven","apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"t"},"a":"a"}');
    expect(stock[12]).not.toBe(stock[0]); // unsorted keys differ
  });

  it('leaves an App with its own resolvers to cdk8s', () => {
    const seen: string[][] = [];
    const custom: IResolver = {
      resolve(ctx: ResolutionContext) {
        seen.push(ctx.key);
        if (ctx.value === 'secret') ctx.replaceValue('redacted');
      },
    };
    useFastResolve(true);
    const json = objectJson(new App({ resolvers: [custom] }), { a: 'secret', b: ['secret'] }) as any;
    expect(json.spec).toEqual({ a: 'redacted', b: ['redacted'] });
    expect(seen).toContainEqual(['spec', 'b', '0']);
  });
});
