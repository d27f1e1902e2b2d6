import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { rng } from './support/yaml-fuzz';
import { differingMapCopies, generatedMapCopy } from './support/map-copies';

const ROOT = join(__dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('imports/ (generated from the CRDs pinned in cdk8s.yaml)', () => {
  const generated = readdirSync(join(ROOT, 'imports'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.replace(/\.ts$/, ''));
  const libText = sources(join(ROOT, 'lib'))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const config = parse(readFileSync(join(ROOT, 'cdk8s.yaml'), 'utf8')) as { imports: string[] };
  const prefixes = config.imports.map((i) => i.split(':=')[0]);

  it('holds only modules the library imports (each is type-checked on every test run)', () => {
    const unused = generated.filter((m) => !libText.includes(`imports/${m}'`));
    expect(unused).toEqual([]);
  });

  it('is what cdk8s.yaml lists: each pinned CRD file generated at least one module, and each module comes from one', () => {
    for (const p of prefixes) expect(generated.some((m) => m.startsWith(`${p}-`))).toBe(true);
    for (const m of generated) expect(prefixes.some((p) => m.startsWith(`${p}-`))).toBe(true);
  });
});

describe("the generated converters' final copy (scripts/linear-converters.js)", () => {
  // The import script's own module; its TypeScript replacement compiled as the generated modules are.
  const load = () =>
    require('../scripts/linear-converters.js') as {
      QUADRATIC: string;
      LINEAR: string;
      MAP_HELPER_SOURCE: string;
      linearMaps(text: string, helper: string): string;
      linearConverters(text: string): string;
    };
  const { transformSync } = require('esbuild') as typeof import('esbuild');
  /** The copy as a function of `result`, from the body cdk8s-cli writes or the one replacing it. */
  const asFunction = (body: string) =>
    new Function('result', transformSync(body.replace(/^ {2}/gm, ''), { loader: 'ts' }).code) as (result: Record<string, unknown>) => Record<string, unknown>;

  it('is linear in every generated module: no converter keeps the quadratic copy', () => {
    const { QUADRATIC } = load();
    const left = readdirSync(join(ROOT, 'imports'))
      .filter((f) => f.endsWith('.ts') && readFileSync(join(ROOT, 'imports', f), 'utf8').includes(QUADRATIC.trim()))
      .sort();
    expect(left).toEqual([]);
  });

  it('gives what the generated copy gives: the same members, in the same order, undefined ones dropped', () => {
    const { QUADRATIC, LINEAR, linearConverters } = load();
    expect(linearConverters(`function f(obj) {\n${QUADRATIC}\n}\n`)).toBe(`function f(obj) {\n${LINEAR}\n}\n`);
    const generated = asFunction(QUADRATIC);
    const linear = asFunction(LINEAR);
    const values = [undefined, null, 0, '', 'x', false, [], {}, [undefined], { a: undefined }];
    const keys = ['a', 'b', 'apiVersion', '2', '10', 'x-kubernetes-int-or-string', '$ref', 'constructor', 'toString'];
    // A uniform seeded generator (a linear congruence in floating point loses its low bits: it gave
    // only every fourth value).
    const random = rng(11);
    const next = () => Math.floor(random() * 2 ** 31);
    const differing: unknown[] = [];
    for (let n = 0; n < 500; n++) {
      const result: Record<string, unknown> = {};
      for (let i = next() % 8; i > 0; i--) result[keys[next() % keys.length]] = values[next() % values.length];
      const want = generated(result);
      const got = linear(result);
      if (JSON.stringify(Object.entries(got)) !== JSON.stringify(Object.entries(want)) || Object.keys(got).some((k) => got[k] !== want[k]))
        differing.push(result);
    }
    expect(differing).toEqual([]);
  });

  it("names each kind's GVK members in every generated module instead of spreading the GVK: the same object, every GVK being exactly apiVersion then kind", () => {
    const { GVK_SPREAD, GVK_MEMBERS, linearConverters } = load() as ReturnType<typeof load> & { GVK_SPREAD: RegExp; GVK_MEMBERS: string };
    const files = readdirSync(join(ROOT, 'imports')).filter((f) => f.endsWith('.ts'));
    let named = 0;
    for (const f of files) {
      const text = readFileSync(join(ROOT, 'imports', f), 'utf8');
      expect([f, text.match(/\.\.\.\w+\.GVK\b/g)]).toEqual([f, null]);
      named += text.split('\n').filter((line) => /^ +apiVersion: (\w+)\.GVK\.apiVersion, kind: \1\.GVK\.kind,$/.test(line)).length;
      // The GVKs the named members read: each kind's own, exactly apiVersion then kind.
      const module = require(join(ROOT, 'imports', f)) as Record<string, unknown>;
      for (const [name, c] of Object.entries(module)) {
        if (typeof c !== 'function' || !('GVK' in c)) continue;
        expect([f, name, Reflect.ownKeys(c.GVK as object)]).toEqual([f, name, ['apiVersion', 'kind']]);
      }
    }
    // A constructor, manifest() and toJson() per kind.
    expect(named).toBeGreaterThan(150);
    expect(named % 3).toBe(0);
    expect(linearConverters('    super(scope, id, {\n      ...Cluster.GVK,\n      ...props,\n    });')).toBe(
      '    super(scope, id, {\n      apiVersion: Cluster.GVK.apiVersion, kind: Cluster.GVK.kind,\n      ...props,\n    });',
    );
    expect('  ...A.GVK, ...b,'.replace(GVK_SPREAD, GVK_MEMBERS)).toBe('  ...A.GVK, ...b,');
  });

  it('copies maps linearly in every generated module: only maps converted otherwise keep the generated copy', () => {
    const left = readdirSync(join(ROOT, 'imports'))
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) =>
        readFileSync(join(ROOT, 'imports', f), 'utf8')
          .split('\n')
          .filter((line) => line.includes('.reduce((r, i) =>'))
          .map((line) => `${f}: ${line.trim()}`),
      );
    // The four left are maps of maps (Keycloak's localization texts and validators): the inner copy is linear.
    expect(left).toHaveLength(4);
    for (const line of left) expect(line).toMatch(/\[i\[0\]\]: \(\(i\[1\]\) === undefined\) \? undefined : \(definedMembers\(i\[1\]\)\)/);
  });

  it('gives what the generated map copies give: the same members in the same order, values converted alike', () => {
    const { MAP_HELPER_SOURCE, linearMaps, linearConverters } = load();
    const compile = (source: string) =>
      new Function('obj', 'toJson_T', `${transformSync(source, { loader: 'ts' }).code}\nreturn copy;`) as (
        obj: { m: unknown },
        t: (y: unknown) => unknown,
      ) => unknown;
    const generated = (form: string) => compile(`const copy = ${generatedMapCopy(form)};`);
    const linear = (form: string) => {
      const source = linearConverters(`const copy = ${generatedMapCopy(form)};`);
      expect(source).not.toContain('.reduce(');
      expect(source.endsWith(MAP_HELPER_SOURCE)).toBe(true);
      return compile(source);
    };
    expect(differingMapCopies(generated, linear, 13)).toEqual([]);
    // The helper is appended once, and only to a module that calls it.
    expect(linearConverters(linearConverters(`const copy = ${generatedMapCopy('i[1]')};`)).split('function definedMembers').length).toBe(2);
    expect(linearConverters('const copy = 1;')).toBe('const copy = 1;');
    expect(linearMaps(generatedMapCopy('i[1].other'), 'h')).toBe(generatedMapCopy('i[1].other'));
  });
});
