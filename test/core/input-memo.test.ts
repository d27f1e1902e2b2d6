import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatedTenants, withFirstTenantRenamed } from '../../bench/generate';
import { InputError } from '../../lib/core/errors';
import { InputFile, ParsedFile, parseTenantInput } from '../../lib/core/input/documents';
import { RenderCache } from '../../lib/core/render-cache';
import { CASES, F, VALID_TENANT } from './bad-input-cases';

/**
 * What a tenant input file parses to is a function of its path and content, kept by the render
 * cache (InputMemo): parsing with it, cold or warm, gives exactly what parsing without it gives,
 * the model or every problem, and a warm parse reads a file again only when it changed.
 */

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ceres-input-memo-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The model, or the problems of the InputError, as data. */
function outcome(files: InputFile[], memo?: ReturnType<RenderCache['inputMemo']>) {
  try {
    return { input: parseTenantInput(files, { memo }) };
  } catch (err) {
    if (err instanceof InputError) return { issues: err.issues };
    throw err;
  }
}

/** A memo that counts what it was asked for and given. */
function counted(cache: RenderCache) {
  const memo = cache.inputMemo();
  const seen = { hits: 0, puts: [] as string[] };
  const get = memo.get.bind(memo);
  const put = memo.put.bind(memo);
  memo.get = (path: string, content: string) => {
    const r = get(path, content);
    if (r) seen.hits++;
    return r;
  };
  memo.put = (path: string, content: string, parsed: ParsedFile) => {
    seen.puts.push(path);
    put(path, content, parsed);
  };
  return { memo, seen };
}

describe('parsing the tenant input with the render cache', () => {
  it.each(CASES)('gives for "%s" what parsing without it gives, cold and warm', (_name, content) => {
    const files = [
      { path: 'input/good.yaml', content: VALID_TENANT },
      { path: F, content },
    ];
    const expected = outcome(files);
    const cold = counted(new RenderCache(dir, 'v'));
    expect(outcome(files, cold.memo)).toEqual(expected);
    expect(cold.seen.hits).toBe(0);
    // The next synth (another process: the memo read from its file).
    const warm = counted(new RenderCache(dir, 'v'));
    expect(outcome(files, warm.memo)).toEqual(expected);
    expect(warm.seen.puts).toEqual([]);
    expect(warm.seen.hits).toBe(2);
  });

  it('parses again only the file that changed, and keeps only the files of the last parse', () => {
    const files = generatedTenants(20);
    const cold = counted(new RenderCache(dir, 'v'));
    expect(outcome(files, cold.memo)).toEqual(outcome(files));
    expect(cold.seen.puts).toHaveLength(files.length);
    const edited = withFirstTenantRenamed(files);
    const warm = counted(new RenderCache(dir, 'v'));
    const result = outcome(edited, warm.memo);
    expect(result).toEqual(outcome(edited));
    expect(result.input!.tenants[0].displayName).not.toBe(outcome(files).input!.tenants[0].displayName);
    expect(warm.seen.puts).toEqual([edited.find((f, i) => f.content !== files[i].content)!.path]);
    // The first tenant's old content is no longer kept: the file has the edited input's files only.
    const kept = readFileSync(join(dir, new RenderCache(dir, 'v').key('input') + '.input'), 'utf8')
      .trim()
      .split('\n');
    expect(kept).toHaveLength(1 + files.length);
    // Another code version keeps its own.
    expect(counted(new RenderCache(dir, 'w')).memo.get(files[1].path, files[1].content)).toBeUndefined();
  });

  it('keeps nothing JSON would not give back as it was given (infinity, -0, a class instance), and reads nothing of a file not whole', () => {
    const memo = new RenderCache(dir, 'v').inputMemo();
    const doc = (value: unknown): ParsedFile => ({
      docs: [{ file: F, document: 1, kind: 'CeresTenant', name: 'x', body: { spec: { value } } }],
      issues: [],
      tenantIds: [],
      words: [],
    });
    const values: [string, unknown][] = [
      ['infinity', Infinity],
      ['nan', NaN],
      ['minus-zero', -0],
      ['date', new Date(0)],
      ['hole', [1, undefined]],
      ['plain', { a: [1, 'b', null, true] }],
    ];
    for (const [path, value] of values) memo.put(path, 'c', doc(value));
    memo.flush();
    const next = new RenderCache(dir, 'v').inputMemo();
    expect(values.filter(([path]) => next.get(path, 'c') !== undefined).map(([path]) => path)).toEqual(['plain']);
    expect(next.get('plain', 'c')).toEqual(doc({ a: [1, 'b', null, true] }));
    expect(next.get('plain', 'other content')).toBeUndefined();
    // Cut short: nothing is read from it.
    const good = [{ path: 'input/good.yaml', content: VALID_TENANT }];
    outcome(good, new RenderCache(dir, 'v').inputMemo());
    const file = join(dir, new RenderCache(dir, 'v').key('input') + '.input');
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, -1));
    const cut = counted(new RenderCache(dir, 'v'));
    expect(outcome(good, cut.memo)).toEqual(outcome(good));
    expect(cut.seen.hits).toBe(0);
  });
});
