import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { legacyYamlDocument, toYamlStream, useYamlEmitter, yamlEmitter } from '../../lib/core/yaml';
import { emitYamlDocument, emitYamlStream } from '../../lib/core/yaml-emitter';
import { kubectlAvailable, parseWithKubectl } from '../support/go-yaml';
import { defaultSynthesis } from '../support/synthesis-cache';
import { Gen, TRICKY_WORDS } from '../support/yaml-fuzz';

/**
 * The random documents are seeded and sized to run in seconds with every adversarial word each
 * time. `npm run fuzz` runs the same properties on CERES_FUZZ times as many documents, from other
 * seeds when CERES_FUZZ_SEED is given (printed so that a failure can be replayed).
 */
const FUZZ = Math.max(1, Math.floor(Number(process.env.CERES_FUZZ ?? 1)) || 1);
const SEED_OFFSET = Math.floor(Number(process.env.CERES_FUZZ_SEED ?? 0)) || 0;
if (FUZZ > 1 || SEED_OFFSET) console.log(`yaml-emitter fuzz: CERES_FUZZ=${FUZZ} CERES_FUZZ_SEED=${SEED_OFFSET}`);
const TIMEOUT = 60_000 * FUZZ;

// js-yaml (a devDependency, no bundled types): YAML 1.2 with its own schema, strict about printability
const { load, loadAll } = require('js-yaml') as { load(text: string): unknown; loadAll(text: string): unknown[] };

/** Data as a reader should return it: -0 and 0 are the same number in YAML. */
function norm(v: unknown): unknown {
  if (typeof v === 'number') return Object.is(v, -0) ? 0 : v;
  if (Array.isArray(v)) return v.map(norm);
  if (v !== null && typeof v === 'object') {
    if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return v; // e.g. a Date: a misread
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]));
  }
  return v;
}

const READERS: [string, (text: string) => unknown][] = [
  ['yaml (YAML 1.1)', (t) => parse(t, { version: '1.1' })],
  ['yaml (YAML 1.2)', (t) => parse(t, { version: '1.2' })],
  ['js-yaml', (t) => load(t)],
];

/** The readers that do not return `value` from `text`. */
function misreadBy(text: string, value: unknown): string[] {
  const want = norm(value);
  const bad: string[] = [];
  for (const [name, read] of READERS) {
    try {
      if (!isDeepStrictEqual(norm(read(text)), want)) bad.push(name);
    } catch {
      bad.push(`${name} (error)`);
    }
  }
  return bad;
}

/** Each tricky string as a key, a value, a list item and nested, plus random documents. */
function documents(seed: number, count: number, nonJson: boolean): unknown[] {
  seed += SEED_OFFSET;
  count *= FUZZ;
  const docs: unknown[] = [];
  for (const w of TRICKY_WORDS) {
    if (!nonJson && /[\ud800-\udfff]/.test(w.replace('\ud83d\ude00', ''))) continue;
    docs.push({ [w]: w, list: [w, [w], { [w]: w }], nested: { k: { [w]: [w] } } }, [w], w);
  }
  const gen = new Gen(seed, { nonJson });
  for (let i = 0; i < count; i++) docs.push(gen.document());
  return docs;
}

const configMap = (v: unknown, i: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` }, data: { v } });

/** For each document, whether go-yaml reads the legacy serialization of it back unchanged (one kubectl run, split on errors). */
function goReadsLegacyRight(docs: unknown[]): boolean[] {
  const result = docs.map(() => false);
  const check = (from: number, to: number): void => {
    if (from >= to) return;
    const objects = docs.slice(from, to).map((d, i) => configMap(d, from + i));
    try {
      const read = parseWithKubectl(objects.map(legacyYamlDocument).join('---\n'));
      objects.forEach((o, i) => (result[from + i] = isDeepStrictEqual(norm(read[i]), norm(o))));
    } catch {
      if (to - from === 1) return; // go-yaml refused it
      const mid = (from + to) >> 1;
      check(from, mid);
      check(mid, to);
    }
  };
  check(0, docs.length);
  return result;
}

describe('the YAML emitter', () => {
  it('writes the golden cases', () => {
    const golden: [unknown, string][] = [
      [{ a: 1, b: 'x', c: true, d: null, e: 1.5, f: -0, g: [], h: {} }, 'a: 1\nb: x\nc: true\nd: null\ne: 1.5\nf: -0\ng: []\nh: {}\n'],
      [
        { list: ['a', { k: 'v', l: 'w' }, ['n', 'm'], []], m: { n: { o: 'p' } } },
        'list:\n  - a\n  - k: v\n    l: w\n  - - "n"\n    - m\n  - []\nm:\n  "n":\n    o: p\n',
      ],
      [[1, [2, [3]]], '- 1\n- - 2\n  - - 3\n'],
      [{ v: [undefined], skipped: undefined, nan: NaN, inf: -Infinity }, 'v:\n  - null\nnan: .nan\ninf: -.inf\n'],
      // YAML 1.1 booleans, nulls, numbers and timestamps are quoted (double quotes unless the string has ")
      [
        ['yes', 'No', 'ON', 'y', 'n', 'true', '~', 'null', '', '0o17', '0X1F', '012', '1_000', '1:20', '.inf', '1e3', '2024-01-01'],
        '- "yes"\n- "No"\n- "ON"\n- "y"\n- "n"\n- "true"\n- "~"\n- "null"\n- ""\n- "0o17"\n- "0X1F"\n- "012"\n- "1_000"\n- "1:20"\n- ".inf"\n- "1e3"\n- "2024-01-01"\n',
      ],
      [
        { '<<': '<<', y: 'yesterday', 'a: b': 'c #d', '- x': '"q"', "it's": "'", '---': '...' },
        '"<<": <<\n"y": yesterday\n"a: b": "c #d"\n"- x": \'"q"\'\nit\'s: "\'"\n"---": ...\n',
      ],
      [
        [
          '*',
          '&a',
          '!t',
          '|',
          '>',
          '%',
          '@',
          '`',
          '{x}',
          '[x]',
          '#',
          '? x',
          ': x',
          'x:',
          'x ',
          ' x',
          'a:b',
          'a#b',
          'http://h:80/p',
          '-1x',
          '10.0.0.1',
          'v1.28',
        ],
        '- "*"\n- "&a"\n- "!t"\n- "|"\n- ">"\n- "%"\n- "@"\n- "`"\n- "{x}"\n- "[x]"\n- "#"\n- "? x"\n- ": x"\n- "x:"\n- "x "\n- " x"\n- a:b\n- a#b\n- http://h:80/p\n- -1x\n- 10.0.0.1\n- v1.28\n',
      ],
      // multi-line strings: literal blocks with chomping and indentation indicators
      [
        { clip: 'a\nb\n', strip: 'a\nb', keep: 'a\n\n', indented: ' a\nb', tab: '\ta\nb', blank: 'a\n\nb', ws: 'a \nb' },
        'clip: |\n  a\n  b\nstrip: |-\n  a\n  b\nkeep: |+\n  a\n\nindented: |2-\n   a\n  b\ntab: |2-\n  \ta\n  b\nblank: |-\n  a\n\n  b\nws: |-\n  a \n  b\n',
      ],
      // multi-line strings a literal cannot carry, control and special characters: double quotes, escaped
      [
        ['a\n ', ' \n', 'a\r\nb', '\x00\x07\x1b\x7f\x85\xa0\u2028\u2029\ufffe', 'é 日本 😀'],
        '- "a\\n "\n- "\\ \\n"\n- "a\\r\\nb"\n- "\\0\\a\\e\\x7f\\N\xa0\\L\\P\\ufffe"\n- é 日本 😀\n',
      ],
      // no folding, however long the line
      ['word '.repeat(40).trim(), `${'word '.repeat(40).trim()}\n`],
    ];
    for (const [value, yaml] of golden) expect({ value, yaml: emitYamlDocument(value) }).toEqual({ value, yaml });
    expect(emitYamlStream([{ a: 1 }, ['b']])).toBe('a: 1\n---\n- b\n');
  });

  it(
    'round-trips random and adversarial data through the yaml library (YAML 1.1 and 1.2) and js-yaml',
    () => {
      const misread = [];
      for (const doc of documents(20241202, 300, true)) {
        const text = emitYamlDocument(doc);
        const by = misreadBy(text, doc);
        if (by.length) misread.push({ doc, text, by });
      }
      expect(misread).toEqual([]);
    },
    TIMEOUT,
  );

  (kubectlAvailable() ? it : it.skip)(
    'round-trips through go-yaml, as kubectl and Argo CD read it',
    () => {
      const docs = documents(7, 500, false);
      const objects = docs.map(configMap);
      const read = parseWithKubectl(emitYamlStream(objects));
      expect(read).toHaveLength(objects.length);
      const misread = docs.filter((_, i) => !isDeepStrictEqual(norm(read[i]), norm(objects[i])));
      expect(misread).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'differs from the yaml library only where some reader misread its output',
    () => {
      // Where the legacy output reads back right everywhere, the only accepted differences are
      // U+0085/U+2028/U+2029 now escaped (YAML 1.1 line breaks) and the documented top-level cases.
      let diverging: unknown[] = [];
      for (const doc of documents(99, 150, false)) {
        const ours = emitYamlDocument(doc);
        const legacy = legacyYamlDocument(doc);
        if (ours === legacy || misreadBy(legacy, doc).length) continue;
        // The emitter quotes a leading U+FEFF on any top-level key (yaml-emitter.ts: at the start of a file
        // a reader drops it as a byte order mark, and which key comes first is the caller's order).
        if (typeof doc === 'string' || /\\[NLP]/.test(ours) || Object.keys(doc as object).some((k) => k.startsWith('\ufeff'))) continue;
        diverging.push(doc);
      }
      // What the JavaScript readers accept may still be wrong for go-yaml. It refuses two things
      // outright (found here without running it): raw non-printable characters, and a tab at the start
      // of a literal block's first line ("found a tab character where an indentation space is expected").
      const refusedByGo = (doc: unknown) => {
        const legacy = legacyYamlDocument(doc);
        return /[\x7f-\x84\x86-\x9f\ufffe\uffff]/.test(legacy) || /\|[-+]?\n(?: *\n)* +\t/.test(legacy);
      };
      diverging = diverging.filter((doc) => !refusedByGo(doc));
      const readByGo = kubectlAvailable() ? goReadsLegacyRight(diverging) : diverging.map(() => true);
      expect(diverging.filter((_, i) => readByGo[i])).toEqual([]);
    },
    TIMEOUT,
  );

  it('is byte-identical to the yaml library on the synthesized prod environment (CERES_YAML_EMITTER=legacy)', () => {
    // prod has every kind of cluster, add-on and tenant: the run's shared synthesis (the default
    // emitter). Each of its manifest files, read back and serialized again by the legacy path (the
    // yaml library), must come out byte for byte; the files' own header comments are kept aside.
    // (Reading back is exact: the round-trip tests above.) Not re-rendered: the render is the same
    // for both emitters, and a second render of prod costs more than the rest of this file.
    expect(yamlEmitter()).toBe('ceres');
    const prodManifests = [...defaultSynthesis().files].filter(([path]) => path.startsWith('prod/') && path.endsWith('.yaml'));
    expect(prodManifests.length).toBeGreaterThan(50);
    const differing = prodManifests
      .filter(([, content]) => {
        const body = content.replace(/^(?:#.*\n)+/, '');
        return loadAll(body).map(legacyYamlDocument).join('---\n') !== body;
      })
      .map(([path]) => path);
    expect(differing).toEqual([]);
  });

  it('serializes streams like the legacy path joined documents', () => {
    const docs = documents(5, 50, false);
    expect(emitYamlStream(docs)).toBe(docs.map(emitYamlDocument).join('---\n'));
    expect(toYamlStream(docs)).toBe(emitYamlStream(docs));
  });

  it('refuses what is not plain data', () => {
    expect(() => emitYamlDocument(new Map([['a', 1]]))).toThrow(/plain data only/);
    expect(() => emitYamlDocument({ f: () => 1 })).toThrow(/plain data only/);
    expect(() => emitYamlDocument(undefined)).toThrow(/plain data only/);
    expect(emitYamlDocument({ d: { toJSON: () => 'x' } })).toBe('d: x\n');
    // toJSON as an own member of a plain object, in a list, at the top, and from a prototype; a list's own toJSON is not called (as the `yaml` library)
    expect(emitYamlDocument([{ toJSON: () => ({ a: 1 }) }, Object.assign(Object.create({ toJSON: () => 'inherited' }), { b: 2 })])).toBe(
      '- a: 1\n- inherited\n',
    );
    expect(emitYamlDocument({ toJSON: () => ['x'] })).toBe('- x\n');
    expect(emitYamlDocument({ l: Object.assign(['a'], { toJSON: () => 'not called' }) })).toBe('l:\n  - a\n');
    expect(emitYamlDocument({ toJSON: 'a member, not a method' })).toBe('toJSON: a member, not a method\n');
    // A map's members are its own enumerable ones in Object.keys order (integer keys first), as the
    // `yaml` library writes them: not its prototype's enumerable members, not its non-enumerable ones.
    const inheriting = Object.assign(Object.create({ inherited: 1, b: 'shadowed' }), { b: 2, 10: 'ten', a: 3, 2: 'two', hasOwnProperty: 'own' });
    Object.defineProperty(inheriting, 'hidden', { value: 4, enumerable: false });
    expect(Object.keys(inheriting)).toEqual(['2', '10', 'b', 'a', 'hasOwnProperty']);
    expect(emitYamlDocument({ m: inheriting })).toBe('m:\n  "2": two\n  "10": ten\n  b: 2\n  a: 3\n  hasOwnProperty: own\n');
    expect(emitYamlDocument({ m: inheriting })).toBe(legacyYamlDocument({ m: inheriting }));
    expect(() => useYamlEmitter('fast' as never)).toThrow(/CERES_YAML_EMITTER must be/);
    expect(yamlEmitter()).toBe('ceres');
  });
});
