import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTree } from '../../lib/core/tree';
import { BACKGROUND_BACKLOG_FILES, TreeWriter, WriteStats } from '../../lib/core/writer';
import { toYamlStream } from '../../lib/core/yaml';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'ceres-bgwriter-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** Writes `files` (in this order) into `dist` with a TreeWriter, in the background or not. */
function writeTree(dist: string, files: [string, string][], background: boolean): WriteStats {
  const writer = new TreeWriter(dist, { background });
  for (const [p, c] of files) writer.write(p, c);
  return writer.commit();
}

describe('TreeWriter in the background (files written by a worker thread)', () => {
  it('gives the same tree and the same counts as writing in the calling thread, linking unchanged files', () => {
    const before: [string, string][] = [
      ['prod/a/same.yaml', 'a: 1\n'],
      ['prod/a/edited.yaml', 'c: 1\n'],
      ['prod/b/gone.yaml', 'd: 1\n'],
    ];
    const after: [string, string][] = [
      ['prod/a/same.yaml', 'a: 1\n'],
      ['prod/a/edited.yaml', 'c: 2\n'],
      ['prod/c/deep/new.yaml', 'e: ü\n'],
    ];
    const results = [false, true].map((background) => {
      const dist = join(work, background ? 'bg' : 'fg');
      writeTree(dist, before, background);
      const inode = statSync(join(dist, 'prod/a/same.yaml')).ino;
      const stats = writeTree(dist, after, background);
      return { tree: readTree(dist), stats, linked: statSync(join(dist, 'prod/a/same.yaml')).ino === inode };
    });
    expect(results[1]).toEqual(results[0]);
    expect(results[1].tree).toEqual(new Map(after));
    expect(results[1].stats).toEqual({ written: 2, unchanged: 1 });
    expect(results[1].linked).toBe(true);
    expect(readdirSync(work).sort()).toEqual(['bg', 'fg']);
  });

  it('reports a failure of the worker at commit, leaving dist/ as it was and nothing behind', () => {
    const dist = join(work, 'dist');
    writeTree(dist, [['prod/a.yaml', 'a: 1\n']], true);
    const writer = new TreeWriter(dist, { background: true });
    writer.write('prod/x', 'a file\n');
    writer.write('prod/x/y.yaml', 'under a file\n'); // its folder cannot be made
    expect(() => writer.commit()).toThrow(/writing dist\/: .*(EEXIST|ENOTDIR)/);
    expect(readTree(dist)).toEqual(new Map([['prod/a.yaml', 'a: 1\n']]));
    expect(readdirSync(work)).toEqual(['dist']);
  });

  it('waits when more than its backlog is unwritten, and aborts cleanly', () => {
    const dist = join(work, 'dist');
    writeFileSync(join(work, 'marker'), '');
    const big = 'x'.repeat(256 * 1024) + '\n';
    const count = 3 * BACKGROUND_BACKLOG_FILES;
    const files: [string, string][] = Array.from({ length: count }, (_, i) => [`prod/f${i}.yaml`, big]);
    expect(writeTree(dist, files, true)).toEqual({ written: count, unchanged: 0 });
    expect(readTree(dist).size).toBe(count);
    const aborted = new TreeWriter(dist, { background: true });
    aborted.write('prod/other.yaml', 'o: 1\n');
    aborted.abort();
    expect(readTree(dist).size).toBe(count);
    expect(readdirSync(work).sort()).toEqual(['dist', 'marker']);
  });

  it('serializes objects in the worker to the bytes toYamlStream gives, and fails as it does on what it cannot serialize', () => {
    const objects = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { on: 'yes' } }, data: { multi: 'line one\nline two\n', n: '0x10', empty: '' } },
      { apiVersion: 'v1', kind: 'List', items: [[], {}, null, true, -0, 1.5e300, 'ü 😀', ' padded '] },
    ];
    const trees = [false, true].map((background) => {
      const dist = join(work, background ? 'bg' : 'fg');
      const writer = new TreeWriter(dist, { background });
      writer.writeObjects('prod/a.yaml', objects);
      writer.write('prod/b.yaml', 'b: 1\n');
      expect(() => writer.writeObjects('prod/a.yaml', [])).toThrow('written twice');
      writer.commit();
      return readTree(dist);
    });
    expect(trees[1]).toEqual(trees[0]);
    expect(trees[1].get('prod/a.yaml')).toBe(toYamlStream(objects));
    // A function cannot be handed to the worker: serialized here, it fails as toYamlStream does.
    const withFunction = [{ kind: 'X', f: () => 1 }];
    const expected = (() => {
      try {
        toYamlStream(withFunction);
        return 'no error';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(expected).not.toBe('no error');
    const writer = new TreeWriter(join(work, 'fn'), { background: true });
    expect(() => writer.writeObjects('prod/f.yaml', withFunction)).toThrow(expected);
    writer.abort();
    expect(readdirSync(work).sort()).toEqual(['bg', 'fg']);
  });
});
