import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detached } from './collections';
import { listTree, TreeDiff } from './tree';
import { FileStamp, TreeWriter, WriteStats } from './writer';

/** A tree as the review reads it (lib/review's `Tree`): its paths, and a text when asked for. */
export type TextTree = Pick<ReadonlyMap<string, string>, 'keys' | 'get' | 'has'>;

export interface StagedTreeOptions {
  /** Whether a new tree is written (`--check` only compares). @default true */
  readonly write?: boolean;
  /**
   * The tree index of dir/ (RenderCache.treeIndex; with `write` only): a file given by key that the
   * index vouches for is unchanged without reading it (TreeWriter.vouched).
   */
  readonly index?: string;
  /**
   * What the review needs of a changed file's two texts, made when it is compared (both are at hand
   * then): {@link before} and {@link next} give these instead of the files (`ceres synth`:
   * `withoutCommonParts`, a manifest file without the documents both have and a stack without the
   * resources both have, which is what the review compares). Undefined keeps nothing (the files are
   * read again). @default nothing kept
   */
  readonly reduce?: (path: string, before: string, after: string) => readonly [string, string] | undefined;
}

/**
 * The new dist/ as it is rendered, compared file by file with the one on disk (`ceres synth`): each
 * file is compared with the current one when it comes (reading only that one), then
 *
 * - an unchanged file is remembered by path and stamp (inode, size, time), and linked into the new
 *   tree at `commit()` if it is still that file;
 * - a changed or added file is written to the new tree at once (a hidden sibling, as {@link TreeWriter}).
 *
 * The texts are not held: a thousand tenants' output is some 200 MB, and adding a tenant changes
 * 100 MB of it (the Terraform stacks and the files that list tenants). Of a changed file only what
 * `reduce` makes is kept. The review reads the two sides of exactly the differing files ({@link
 * before}, {@link next}): what `diffDist` compares, since it parses no other file, so the review of
 * these is the review of the whole trees. Nothing of the current tree changes before `commit()`;
 * `abort()` leaves it as it was.
 */
export class StagedTree {
  /** Current files in scope, in the order readTree reads them. */
  private readonly currentPaths: string[];
  /** Current files in scope not (yet) given again. */
  private readonly left: Set<string>;
  /** Every path given, in order, and whether it differs from the current tree. */
  private readonly given: [path: string, differs: boolean][] = [];
  /** Changed files (given, and in the current tree with another content). */
  private readonly changed = new Set<string>();
  /** Unchanged files: path → the file as it was compared and, for a file given by key, the key (linked at commit). */
  private readonly same = new Map<string, { readonly stamp: FileStamp; readonly key?: string }>();
  private readonly writer?: TreeWriter;
  private diff?: TreeDiff;
  private committed = false;
  /** Files given. */
  public count = 0;

  /** The texts {@link before} and {@link next} give for a changed file, when `reduce` made them (path → [before, after]). */
  private readonly reduced = new Map<string, readonly [string, string]>();
  private readonly reduce?: StagedTreeOptions['reduce'];

  /**
   * @param dir the dist/ folder to compare with (and, with `write`, to replace at `commit()`)
   * @param scope the paths of dir/ this synth renders (one environment's, or all)
   */
  constructor(
    private readonly dir: string,
    scope: (path: string) => boolean,
    options: StagedTreeOptions = {},
  ) {
    this.currentPaths = listTree(dir, scope);
    this.left = new Set(this.currentPaths);
    this.reduce = options.reduce;
    if (options.write !== false) this.writer = new TreeWriter(dir, { removeOld: 'background', index: options.index });
  }

  /** One file of the new tree (with `key`, the key of its bytes): compared with the current one, then written or remembered. */
  public put(path: string, content: string, key?: string): void {
    if (this.diff) throw new Error('the staged tree is already finished');
    this.count++;
    if (this.left.delete(path)) {
      // The file as read (its stamp from the same descriptor): the commit links it only if it is still that file.
      const fd = openSync(join(this.dir, path), 'r');
      let bytes: Buffer;
      let stamp: FileStamp;
      try {
        const st = fstatSync(fd, { bigint: true });
        stamp = { ino: st.ino, size: st.size, mtimeNs: st.mtimeNs };
        bytes = readFileSync(fd);
      } finally {
        closeSync(fd);
      }
      // U+FFFD is also what invalid UTF-8 decodes to: such a text is equal only byte for byte.
      const old = bytes.toString('utf8');
      if (old === content && (!content.includes('\ufffd') || bytes.equals(Buffer.from(content)))) {
        this.same.set(path, { stamp, key });
        this.given.push([path, false]);
        return;
      }
      this.changed.add(path);
      const pair = this.reduce?.(path, old, content);
      // Copies: a piece cut from a text keeps the whole text alive.
      if (pair) this.reduced.set(path, [detached(pair[0]), detached(pair[1])]);
    }
    this.given.push([path, true]);
    this.writer?.writeNew(path, content, key);
  }

  /**
   * One file of the new tree given by the key of its bytes (a rendered tenant's file, RenderedFile.key):
   * unchanged without reading either side when the tree index vouches for the current file, else
   * compared as {@link put} compares (`content` asked for only then).
   */
  public putKnown(path: string, key: string, content: () => string): void {
    const stamp = this.left.has(path) ? this.writer?.vouched(path, key) : undefined;
    if (stamp === undefined || this.diff) return this.put(path, content(), key);
    this.count++;
    this.left.delete(path);
    this.same.set(path, { stamp, key });
    this.given.push([path, false]);
  }

  /** Once every file is given: which files the new tree adds, removes and changes (sorted paths). */
  public finish(): TreeDiff {
    if (this.diff) return this.diff;
    const added: string[] = [];
    for (const [p, differs] of this.given) if (differs && !this.changed.has(p)) added.push(p);
    this.diff = { added: added.sort(), removed: [...this.left].sort(), changed: [...this.changed].sort() };
    return this.diff;
  }

  /** Whether the new tree is the current one. */
  public get unchanged(): boolean {
    const d = this.finish();
    return d.added.length + d.removed.length + d.changed.length === 0;
  }

  /** The current texts of the differing files (changed and removed), in the order readTree reads them; read when asked for. */
  public before(): TextTree {
    this.finish();
    const paths = new Set(this.currentPaths.filter((p) => this.changed.has(p) || this.left.has(p)));
    return {
      keys: () => paths.keys(),
      has: (p) => paths.has(p),
      get: (p) => (paths.has(p) ? (this.reduced.get(p)?.[0] ?? readFileSync(join(this.dir, p), 'utf8')) : undefined),
    };
  }

  /** The new texts of the differing files (changed and added), in the order given; read back from the new tree when asked for. */
  public next(): TextTree {
    this.finish();
    const writer = this.writer;
    if (!writer) throw new Error('a staged tree that is only compared writes no new tree');
    const paths = new Set(this.given.filter(([, differs]) => differs).map(([p]) => p));
    return { keys: () => paths.keys(), has: (p) => paths.has(p), get: (p) => (paths.has(p) ? (this.reduced.get(p)?.[1] ?? writer.staged(p)) : undefined) };
  }

  /**
   * Replaces dir/ with the new tree: the unchanged files linked in, then `others` (paths of dir/ outside
   * the scope, which stay as they are), then the swap. Returns what the writer did.
   */
  public commit(others: readonly string[] = []): WriteStats {
    const writer = this.writer;
    if (!writer) throw new Error('a staged tree that is only compared cannot be committed');
    this.finish();
    for (const [p, { stamp, key }] of this.same) writer.keep(p, stamp, key);
    for (const p of others) writer.write(p, readFileSync(join(this.dir, p)));
    this.committed = true;
    return writer.commit();
  }

  /** Leaves dir/ as it was (the new tree, if any, is removed); nothing after a commit. */
  public abort(): void {
    if (!this.committed) this.writer?.abort();
  }
}
