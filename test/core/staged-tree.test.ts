import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { StagedTree } from '../../lib/core/staged-tree';
import { compareTree, listTree, readTree } from '../../lib/core/tree';
import { toYamlStream } from '../../lib/core/yaml';
import { diffDist, withoutCommonParts } from '../../lib/review/manifest-diff';
import { rng } from '../support/yaml-fuzz';

/**
 * `ceres synth` compares each file with dist/ as it is rendered (StagedTree) instead of reading both
 * whole trees: the verdict, the review and the written tree must be exactly those of the whole-tree
 * comparison (compareTree, diffDist, writeTreeAtomically), and dist/ untouched until the commit.
 */

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ceres-stage-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

type Files = Map<string, string | Buffer>;

function writeFiles(dir: string, files: Files): void {
  for (const [p, c] of files) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
}

/** Every file's bytes under `dir` (hidden entries too): what "untouched" compares. */
function bytesOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.set(join(e.parentPath, e.name).slice(dir.length), readFileSync(join(e.parentPath, e.name)).toString('base64'));
  return out;
}

/** A random pair of trees: manifests whose objects change, move between files and go; stacks; other files. */
function treePair(seed: number): { current: Files; next: Map<string, string> } {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const cm = (name: string, v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: pick(['a', 'b']) }, data: { v } });
  const names = Array.from({ length: 12 }, (_, i) => `object-with-a-long-name-${i}`);
  const files = ['dev/x/a.yaml', 'dev/x/b.yaml', 'prod/x/a.yaml', 'prod/y/c.yaml', 'prod/y/d.yaml'];
  const side = (variant: number) => {
    const out = new Map<string, string>();
    for (const f of files) {
      if (r() < 0.2) continue;
      const objects = names.filter(() => r() < 0.3).map((n) => cm(n, r() < 0.2 * variant ? `changed ${variant}` : 'same'));
      if (objects.length) out.set(f, toYamlStream(objects));
    }
    const resources = Object.fromEntries(names.filter(() => r() < 0.5).map((n) => [n, { bucket: r() < 0.2 * variant ? `b${variant}` : 'b' }]));
    out.set('terraform/prod-aws/cdk.tf.json', JSON.stringify({ resource: { aws_s3_bucket: resources } }, null, 2));
    if (r() < 0.7) out.set('prod/README.md', `# prod ${r() < 0.3 * variant ? variant : 0}\n`);
    if (r() < 0.5) out.set(`dev/notes-${Math.floor(r() * 3)}.md`, 'notes\n');
    return out;
  };
  const current: Files = side(0);
  const next = side(1);
  // Unchanged files as such (the same text on both sides), and a changed one that keeps its size.
  for (const [p, c] of current) if (r() < 0.4 && next.has(p)) next.set(p, c as string);
  // A file on disk that is not UTF-8 decodes to the same text as one with U+FFFD: still a change.
  current.set('prod/y/bytes.yaml', Buffer.from([0x61, 0x3a, 0x20, 0xff, 0x0a]));
  next.set('prod/y/bytes.yaml', 'a: \ufffd\n');
  return { current, next };
}

describe('StagedTree', () => {
  it('gives the whole-tree comparison, review and written tree, over random trees', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const dist = join(root, `dist-${seed}`);
      const { current, next } = treePair(seed);
      writeFiles(dist, current);
      const whole = readTree(dist);
      const before = bytesOf(dist);
      const inodes = new Map(listTree(dist).map((p) => [p, statSync(join(dist, p)).ino]));

      // As synth makes it: a changed manifest file kept as the documents that changed (every other seed).
      const reduce = seed % 2 ? withoutCommonParts : undefined;
      const stage = new StagedTree(dist, () => true, { reduce });
      for (const [p, c] of next) stage.put(p, c);
      const byText = compareTree(whole, next);
      // The one byte-level difference from the text comparison: invalid UTF-8 on disk is a change.
      expect(stage.finish()).toEqual({ ...byText, changed: [...byText.changed, 'prod/y/bytes.yaml'].sort() });
      expect(diffDist(stage.before(), stage.next())).toEqual(
        diffDist(new Map([...whole].filter(([p]) => p !== 'prod/y/bytes.yaml')), new Map([...next].filter(([p]) => p !== 'prod/y/bytes.yaml'))),
      );
      // Nothing of dist/ changed yet.
      expect(bytesOf(dist)).toEqual(before);

      stage.commit();
      expect(readTree(dist)).toEqual(next);
      // Unchanged files were linked, not written again.
      for (const p of listTree(dist)) if (whole.get(p) === next.get(p) && p !== 'prod/y/bytes.yaml') expect(statSync(join(dist, p)).ino).toBe(inodes.get(p));
    }
  });

  it('leaves dist/ byte for byte as it was when aborted, and writes nothing when only comparing', () => {
    const dist = join(root, 'dist');
    const { current, next } = treePair(7);
    writeFiles(dist, current);
    const before = bytesOf(dist);
    const stage = new StagedTree(dist, () => true);
    for (const [p, c] of next) stage.put(p, c);
    expect(readdirSync(root).some((f) => f.startsWith('.dist-tmp-'))).toBe(true);
    stage.abort();
    expect(bytesOf(dist)).toEqual(before);
    expect(readdirSync(root)).toEqual(['dist']);

    const check = new StagedTree(dist, () => true, { write: false });
    for (const [p, c] of next) check.put(p, c);
    expect(check.unchanged).toBe(false);
    expect(readdirSync(root)).toEqual(['dist']);
    expect(() => check.commit()).toThrow(/only compared/);
  });

  it('compares only its scope and keeps the rest of dist/ as it is', () => {
    const dist = join(root, 'dist');
    writeFiles(
      dist,
      new Map([
        ['dev/a.yaml', 'a: 1\n'],
        ['prod/a.yaml', 'a: 1\n'],
        ['terraform/prod-aws/cdk.tf.json', '{}'],
      ]),
    );
    const prod = (p: string) => p.startsWith('prod/') || p.startsWith('terraform/prod-');
    const stage = new StagedTree(dist, prod);
    stage.put('prod/a.yaml', 'a: 2\n');
    expect(stage.finish()).toEqual({ added: [], removed: ['terraform/prod-aws/cdk.tf.json'], changed: ['prod/a.yaml'] });
    stage.commit(listTree(dist, (p) => !prod(p)));
    expect(readTree(dist)).toEqual(
      new Map([
        ['dev/a.yaml', 'a: 1\n'],
        ['prod/a.yaml', 'a: 2\n'],
      ]),
    );
  });

  it('refuses to link a file that changed after it was compared', () => {
    const dist = join(root, 'dist');
    writeFiles(
      dist,
      new Map([
        ['prod/a.yaml', 'a: 1\n'],
        ['prod/b.yaml', 'b: 1\n'],
      ]),
    );
    const stage = new StagedTree(dist, () => true);
    stage.put('prod/a.yaml', 'a: 1\n');
    stage.put('prod/b.yaml', 'b: 2\n');
    writeFileSync(join(dist, 'prod/a.yaml'), 'a: 10\n');
    expect(() => stage.commit()).toThrow(/prod\/a\.yaml changed while the new tree was being written/);
    stage.abort();
    expect(readTree(dist)).toEqual(
      new Map([
        ['prod/a.yaml', 'a: 10\n'],
        ['prod/b.yaml', 'b: 1\n'],
      ]),
    );
    expect(readdirSync(root)).toEqual(['dist']);
    // The same size, written in place after the clock's tick: still refused (inode, size and time are compared).
    const again = new StagedTree(dist, () => true);
    again.put('prod/a.yaml', 'a: 10\n');
    again.put('prod/b.yaml', 'b: 2\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    writeFileSync(join(dist, 'prod/a.yaml'), 'a: 11\n');
    expect(() => again.commit()).toThrow(/prod\/a\.yaml changed while the new tree was being written/);
    again.abort();
    expect(readFileSync(join(dist, 'prod/a.yaml'), 'utf8')).toBe('a: 11\n');
    expect(readFileSync(join(dist, 'prod/b.yaml'), 'utf8')).toBe('b: 1\n');
  });

  it('takes a file given by key as unchanged, unread, when the tree index vouches for it, and only then', () => {
    const dist = join(root, 'dist');
    const index = join(root, 'cache', 'tree.index');
    const files: [string, string, string][] = [
      ['prod/t1/a.yaml', 'k1', 'a: 1\n'],
      ['prod/t2/a.yaml', 'k2', 'a: 2\n'],
      ['prod/t3/a.yaml', 'k3', 'a: 3\n'],
    ];
    const synth = (keys: Record<string, string>, texts: Record<string, string>) => {
      const read: string[] = [];
      const stage = new StagedTree(dist, () => true, { index });
      for (const [p, k, t] of files)
        stage.putKnown(p, keys[p] ?? k, () => {
          read.push(p);
          return texts[p] ?? t;
        });
      const diff = stage.finish();
      // Past the file system clock's tick: a file as new as the index is never trusted.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      stage.commit();
      return { read, diff };
    };
    // No tree, no index: every text is asked for.
    expect(synth({}, {}).read).toEqual(files.map(([p]) => p));
    // The index written with the tree vouches for all of them now.
    expect(synth({}, {})).toEqual({ read: [], diff: { added: [], removed: [], changed: [] } });
    // Another key, or a file touched since the index was written, is compared by content.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    writeFileSync(join(dist, 'prod/t3/a.yaml'), 'a: 3\n');
    const third = synth({ 'prod/t2/a.yaml': 'k2b' }, { 'prod/t2/a.yaml': 'a: 22\n' });
    expect(third).toEqual({ read: ['prod/t2/a.yaml', 'prod/t3/a.yaml'], diff: { added: [], removed: [], changed: ['prod/t2/a.yaml'] } });
    expect(readFileSync(join(dist, 'prod/t2/a.yaml'), 'utf8')).toBe('a: 22\n');
    // And the index of that tree vouches for the new key.
    expect(synth({ 'prod/t2/a.yaml': 'k2b' }, {}).read).toEqual([]);
    // A file vouched for, then changed in place (the same size) before the swap: refused, dist/ as it was.
    const stage = new StagedTree(dist, () => true, { index });
    for (const [p, k] of files)
      stage.putKnown(p, p === 'prod/t2/a.yaml' ? 'k2b' : k, () => {
        throw new Error(`${p} was read`);
      });
    expect(stage.finish()).toEqual({ added: [], removed: [], changed: [] });
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    writeFileSync(join(dist, 'prod/t1/a.yaml'), 'a: 9\n');
    const before = bytesOf(dist);
    expect(() => stage.commit()).toThrow(/prod\/t1\/a\.yaml changed while the new tree was being written/);
    stage.abort();
    expect(bytesOf(dist)).toEqual(before);
    expect(readdirSync(root).sort()).toEqual(['cache', 'dist']);
  });
});
