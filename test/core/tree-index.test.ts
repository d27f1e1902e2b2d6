import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTree } from '../../lib/core/tree';
import { TreeWriter, WriteStats } from '../../lib/core/writer';

/**
 * A TreeWriter with an index (WriteOptions.index) links a file given by key without reading it or its
 * content only while the index vouches for it: same key, and the current file still the inode, size
 * and time recorded, older than the index. Anything else is compared by content, so the tree is
 * always exactly what was given.
 */

let work: string;
let dist: string;
let index: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'ceres-tree-index-'));
  dist = join(work, 'dist');
  index = join(work, 'cache', 'dist.index');
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** Waits past the file system clock's tick, so that what is written next is newer than what was. */
const tick = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);

/** Writes `files` (path → [key, content]) by key; returns the stats and the paths whose content was asked for. */
function writeKnown(files: Record<string, [string, string]>, options: { index?: string } = { index }): WriteStats & { asked: string[] } {
  const writer = new TreeWriter(dist, options);
  const asked: string[] = [];
  for (const [path, [key, content]] of Object.entries(files)) {
    writer.writeKnown(path, key, () => {
      asked.push(path);
      return content;
    });
  }
  tick();
  return { ...writer.commit(), asked };
}

const FILES: Record<string, [string, string]> = {
  'prod/a/one.yaml': ['k1', 'a: 1\n'],
  'prod/a/two.yaml': ['k2', 'b: 2\n'],
  'prod/b/three.yaml': ['k3', 'c: ü\n'],
};
const contents = (files: Record<string, [string, string]>) => new Map(Object.entries(files).map(([p, [, c]]) => [p, c]));

describe('TreeWriter with an index of its tree', () => {
  it('links a file of the same key without asking for its content, and asks for one of another key', () => {
    writeKnown(FILES);
    expect(statSync(index, { bigint: true }).mtimeNs > statSync(join(dist, 'prod/a/one.yaml'), { bigint: true }).mtimeNs).toBe(true);
    const inode = statSync(join(dist, 'prod/a/one.yaml')).ino;
    const next = { ...FILES, 'prod/a/two.yaml': ['k2b', 'b: 3\n'] as [string, string] };
    const stats = writeKnown(next);
    expect(stats.asked).toEqual(['prod/a/two.yaml']);
    expect(stats).toMatchObject({ written: 1, unchanged: 2 });
    expect(statSync(join(dist, 'prod/a/one.yaml')).ino).toBe(inode);
    expect(readTree(dist)).toEqual(contents(next));
    // The index now vouches for the new tree: nothing asked for.
    expect(writeKnown(next).asked).toEqual([]);
  });

  it('asks for the content of a file changed on disk since (in place, same size), and puts the given bytes back', () => {
    writeKnown(FILES);
    tick();
    writeFileSync(join(dist, 'prod/a/one.yaml'), 'a: 9\n');
    const stats = writeKnown(FILES);
    expect(stats.asked).toEqual(['prod/a/one.yaml']);
    expect(readTree(dist)).toEqual(contents(FILES));
  });

  it('asks for the content of a file replaced by another inode, or removed', () => {
    writeKnown(FILES);
    // Another writer without the index replaces the tree: changed files are new inodes.
    const writer = new TreeWriter(dist);
    writer.write('prod/a/one.yaml', 'a: 1\n');
    writer.write('prod/a/two.yaml', 'X: 2\n');
    writer.commit();
    const stats = writeKnown(FILES);
    // one.yaml was linked by its content (same inode, same time): the index still vouches for it.
    expect(stats.asked.sort()).toEqual(['prod/a/two.yaml', 'prod/b/three.yaml']);
    expect(readTree(dist)).toEqual(contents(FILES));
  });

  it('trusts no file as new as the index (a change within the clock tick it was written in)', () => {
    writeKnown(FILES);
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(index, past, past);
    const stats = writeKnown(FILES);
    expect(stats.asked.sort()).toEqual(Object.keys(FILES).sort());
    // Compared by content: linked all the same.
    expect(stats).toMatchObject({ written: 0, unchanged: 3 });
  });

  it('compares by content with an index that is not one (garbage, another format) or absent', () => {
    writeKnown(FILES);
    const good = readFileSync(index, 'utf8');
    expect(good.split('\n')[0]).toBe('ceres-tree-index 1');
    for (const bad of ['garbage', good.replace('ceres-tree-index 1', 'ceres-tree-index 0'), good.replace(/\t[0-9]+\n/, '\tx\n')]) {
      writeFileSync(index, bad);
      const past = new Date(Date.now() + 3_600_000);
      utimesSync(index, past, past);
      const stats = writeKnown(FILES);
      expect(stats.asked.sort()).toEqual(Object.keys(FILES).sort());
      expect(readTree(dist)).toEqual(contents(FILES));
    }
    rmSync(index);
    expect(writeKnown(FILES).asked).toHaveLength(3);
    // Without the option: content asked for, no index written.
    rmSync(index);
    expect(writeKnown(FILES, {}).asked).toHaveLength(3);
    expect(() => statSync(index)).toThrow();
  });

  it('leaves the index as it was when the tree is not committed', () => {
    writeKnown(FILES);
    const before = readFileSync(index);
    const writer = new TreeWriter(dist, { index });
    // One file the index vouches for (given to the linking thread), one it does not.
    writer.writeKnown('prod/a/two.yaml', 'k2', () => 'b: 2\n');
    writer.writeKnown('prod/a/one.yaml', 'other', () => 'z: 1\n');
    writer.abort();
    expect(readFileSync(index)).toEqual(before);
    expect(readTree(dist)).toEqual(contents(FILES));
    expect(readdirSync(work).sort()).toEqual(['cache', 'dist']);
    expect(writeKnown(FILES).asked).toEqual([]);
  });

  it('links many files (in batches, on another thread) and writes those it could not link', () => {
    const many: Record<string, [string, string]> = {};
    for (let i = 0; i < 1000; i++) many[`prod/t-${i % 37}/f-${i}.yaml`] = [`k${i}`, `n: ${i}\n`];
    writeKnown(many);
    tick();
    // Every 100th changed on disk since: asked for and put back; the rest linked unread.
    for (let i = 0; i < 1000; i += 100) writeFileSync(join(dist, `prod/t-${i % 37}/f-${i}.yaml`), `n: x\n`);
    const stats = writeKnown(many);
    expect(stats.asked.sort()).toEqual(
      Object.keys(many)
        .filter((_, i) => i % 100 === 0)
        .sort(),
    );
    expect(stats).toMatchObject({ written: 10, unchanged: 990 });
    expect(readTree(dist)).toEqual(contents(many));
  });
});
