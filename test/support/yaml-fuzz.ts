/**
 * A small seeded generator of adversarial strings and plain-data structures for the YAML emitter's
 * round-trip property test (test/core/yaml-emitter.test.ts). Deterministic for a given seed.
 */

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whole strings that some YAML reader resolves to something other than a string, or that need care. */
export const TRICKY_WORDS = [
  // YAML 1.1 booleans (go-yaml) and 1.2 booleans, nulls
  'y',
  'Y',
  'n',
  'N',
  'yes',
  'Yes',
  'YES',
  'no',
  'No',
  'NO',
  'on',
  'On',
  'ON',
  'off',
  'Off',
  'OFF',
  'true',
  'True',
  'TRUE',
  'false',
  'False',
  'FALSE',
  'tRue',
  'yES',
  'oN',
  '~',
  'null',
  'Null',
  'NULL',
  'nULL',
  '',
  // ints and floats, YAML 1.1 and 1.2, go-yaml's Go number syntax
  '0',
  '-0',
  '+0',
  '7',
  '012',
  '08',
  '0o17',
  '-0o17',
  '0O17',
  '0x1F',
  '0X1F',
  '-0x1f',
  '0b101',
  '0B101',
  '-0b1',
  '0b-1',
  '1_000',
  '+_1',
  '-_1',
  '1__',
  '1e3',
  '1E3',
  '1e+3',
  '1e-3',
  '1e3_',
  '1e_3',
  '1.5',
  '.5',
  '+.5',
  '-.5',
  '.5e5',
  '.5e5_5',
  '.5_5',
  '1.',
  '-.',
  '.',
  '..',
  '1.2.3',
  '0.1e',
  '6.8523015e+5',
  '685.230_15e+03',
  '685_230.15',
  '1.0e10',
  '.inf',
  '-.inf',
  '+.inf',
  '.Inf',
  '.INF',
  '.nan',
  '.NaN',
  '.NAN',
  'inf',
  'nan',
  'Infinity',
  'NaN',
  '0x',
  '0b',
  '0o',
  // sexagesimal (YAML 1.1), times
  '1:20',
  '190:20:30',
  '1:20.5',
  '-1:20',
  '12:30',
  '1:2:3',
  '1:60',
  // timestamps
  '2024-01-01',
  '2024-1-1',
  '2001-12-14t21:59:43.10-05:00',
  '2001-12-14 21:59:43.10 -5',
  '2001-12-14T21:59:43Z',
  '2001-12-14T21:59:43.',
  '2002-12-14',
  '2024-01-01 is a date',
  '20240101',
  // merge and value keys, document markers, directives
  '<<',
  '<',
  '=',
  '---',
  '...',
  '--- x',
  '... x',
  '----',
  '%YAML 1.1',
  '%',
  'a\n---\nb',
  'a\n...\nb',
  '---\n',
  '\n---',
  // indicators alone and leading
  '-',
  '?',
  ':',
  ',',
  '[',
  ']',
  '{',
  '}',
  '#',
  '&',
  '*',
  '!',
  '|',
  '>',
  "'",
  '"',
  '%',
  '@',
  '`',
  '- a',
  '? a',
  ': a',
  '-a',
  '?a',
  ':a',
  '-1',
  '- 1',
  '!important',
  '&anchor',
  '*alias',
  '|-',
  '>-',
  '@foo',
  '`x`',
  '{a: 1}',
  '[1, 2]',
  // inner indicators
  'a: b',
  'a:b',
  'a:',
  'a :',
  'a #b',
  'a#b',
  'a\t#b',
  'a,b',
  'a, b',
  'http://x:80/y',
  'key: value # comment',
  // blanks
  ' ',
  '  ',
  '\t',
  ' a',
  'a ',
  '\ta',
  'a\t',
  'a\tb',
  ' a ',
  '\n',
  '\n\n',
  ' \n',
  '\t\n',
  '\n ',
  '\n\t',
  '\n \n',
  ' \n ',
  // multi-line, chomping, indentation indicators
  'a\nb',
  'a\nb\n',
  'a\nb\n\n',
  'a\nb\n\n\n',
  '\na',
  '\n\na',
  ' a\nb',
  '  a\n b',
  '\n a',
  'a\n b',
  'a \nb',
  'a\t\nb',
  'a\n \nb',
  'a\n  ',
  'a\n\t',
  'a\n\n',
  'a\r\nb',
  'a\rb',
  '#!/bin/sh\nset -eu\n',
  'line one\n  indented\nback\n',
  'text with a long first line so that double quoting folds it\nsecond line\n ',
  '- item\n- item\n',
  'key: value\nother: 1\n',
  '"quoted"\n',
  "'single'\n",
  // quotes and escapes
  'a"b',
  "a'b",
  `a'"b`,
  '"a"',
  "'a'",
  'a\\b',
  '\\',
  '\\n',
  "don't",
  'say "hi"',
  // control, non-printable and special characters
  '\x00',
  '\x07',
  '\x08',
  '\x0b',
  '\x0c',
  '\x1b',
  '\x1f',
  '\x7f',
  '\x80',
  '\x85',
  '\x9f',
  '\xa0',
  'a\xa0b',
  '\u2028',
  'a\u2028b',
  'a\u2029b',
  '\ufeff',
  '\ufeffa',
  'a\ufeff',
  '\ufffd',
  '\ufffe',
  '\uffff',
  '\ud800',
  'a\udc00b',
  '\ud83d\ude00',
  'é',
  'ü',
  '日本語',
  'Ω',
  '\u00e9\u0301',
];

/** Fragments that random strings are made of. */
const PIECES = [
  ...TRICKY_WORDS.filter((w) => w.length > 0 && w.length < 6),
  'a',
  'b',
  'x',
  'Z',
  'ab',
  'app',
  'tenant-1',
  'v1',
  '100Mi',
  '0.5',
  '1',
  '42',
  '10.0.0.1',
  '/',
  '_',
  '.',
  '-',
  ':',
  ' ',
  ' ',
  '  ',
  '\n',
  '\n',
  '\t',
  '#',
  ': ',
  ' #',
  '- ',
  '? ',
  '"',
  "'",
  '\\',
  '{',
  '}',
  '[',
  ']',
  ',',
  '&',
  '*',
  '!',
  '|',
  '>',
  '%',
  '@',
  '`',
  '---',
  '...',
  '=',
  '<<',
  '~',
  '\r',
  '\x01',
  '\x7f',
  '\x85',
  '\u2028',
  '\ufeff',
  '\ud83d\ude00',
  'é',
];

export interface GenOptions {
  /** Include numbers YAML cannot write exactly as JSON (NaN, ±Infinity) and lone surrogates. */
  readonly nonJson?: boolean;
}

export class Gen {
  readonly next: () => number;
  constructor(
    seed: number,
    private readonly options: GenOptions = {},
  ) {
    this.next = rng(seed);
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  string(): string {
    const r = this.next();
    if (r < 0.3) return this.pick(TRICKY_WORDS.filter((w) => this.options.nonJson || !/[\ud800-\udfff]/.test(w) || w === '\ud83d\ude00'));
    if (r < 0.4) {
      // random code units from a small alphabet
      const alphabet = ' \t\n-?:#\'"ab01.%>|';
      let s = '';
      for (let i = this.int(8); i >= 0; i--) s += alphabet[this.int(alphabet.length)];
      return s;
    }
    if (r < 0.45) return 'x'.repeat(1000 + this.int(60)); // around the 1024-character limit of implicit keys
    let s = '';
    for (let i = this.int(5); i >= 0; i--) {
      const p = this.pick(PIECES);
      if (!this.options.nonJson && /[\ud800-\udfff]/.test(p) && p !== '\ud83d\ude00') continue;
      s += p;
    }
    return s;
  }

  number(): number {
    const r = this.next();
    if (r < 0.4) return this.int(2000) - 1000;
    if (r < 0.6) return Number((this.next() * 1000 - 500).toFixed(this.int(4)));
    if (r < 0.7) return this.pick([1e21, 1.5e-7, 123456789012, 2 ** 53 - 1, -(2 ** 31), 0.1, 1e300, 5e-324]);
    if (r < 0.75 && this.options.nonJson) return this.pick([NaN, Infinity, -Infinity]);
    return this.next();
  }

  scalar(): unknown {
    const r = this.next();
    if (r < 0.65) return this.string();
    if (r < 0.8) return this.number();
    if (r < 0.9) return this.next() < 0.5;
    return null;
  }

  key(): string {
    const k = this.next() < 0.5 ? this.pick(['name', 'a', 'apiVersion', 'app.kubernetes.io/name', 'x-y', '8080']) : this.string();
    return k === '__proto__' ? 'proto' : k;
  }

  value(depth: number): unknown {
    const r = this.next();
    if (depth <= 0 || r < 0.45) return this.scalar();
    if (r < 0.75) {
      const obj: Record<string, unknown> = {};
      for (let i = this.int(5); i > 0; i--) obj[this.key()] = this.value(depth - 1);
      return obj;
    }
    const arr: unknown[] = [];
    for (let i = this.int(5); i > 0; i--) arr.push(this.value(depth - 1));
    return arr;
  }

  /** A document: usually a map (like a manifest), sometimes a list or a scalar. */
  document(depth = 4): unknown {
    const r = this.next();
    if (r < 0.7) {
      const obj: Record<string, unknown> = {};
      for (let i = 1 + this.int(5); i > 0; i--) obj[this.key()] = this.value(depth - 1);
      return obj;
    }
    return this.value(depth);
  }
}
