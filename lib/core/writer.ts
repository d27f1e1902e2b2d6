import {
  closeSync,
  constants as fsConstants,
  copyFileSync,
  existsSync,
  fstatSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { spawn } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { terraformWorkingEntries } from './tree';
import { toYamlStream } from './yaml';

export interface WriteOptions {
  /** Called after the new tree is complete and before the swap (tests use it to simulate a crash). */
  readonly beforeSwap?: () => void;
  /**
   * Entries of the current tree (paths relative to it, files or folders) to keep in the new one;
   * it is given the paths of the new tree (its keys; the values are not the contents).
   * @default Terraform's working files of every stack folder that is still written (`.terraform/`,
   * `.terraform.lock.hcl`, plans, state): a synth never costs a `terraform init`
   */
  readonly carryOver?: (current: string, files: ReadonlyMap<string, string>) => readonly string[];
  /**
   * Write the files in a worker thread (a {@link TreeWriter} only): `write()` hands each file over and
   * returns, and `writeObjects()` hands objects over to be serialized there (the same YAML as
   * `toYamlStream`), so that rendering goes on on one core while serializing and the file system work
   * (comparing with the current tree, linking, writing) are done on the other; `commit()` and
   * `abort()` wait for it. The result is the same tree. At most {@link BACKGROUND_BACKLOG_FILES}
   * files wait to be written (then `write()` waits). @default false
   */
  readonly background?: boolean;
  /**
   * How the old tree goes once the new one is in place: `now`, before `commit()` returns, or
   * `background`, by a detached process (`rm -rf`; Node's own removal on Windows), so that the caller
   * does not wait for it. The old tree is a hidden sibling (`.dist-old-*`, ignored by git) that nothing
   * reads; one a process did not finish removing goes with the next synth's leftovers. Removing the
   * 23,197 files of a 1000-tenant tree took 0.5-0.6 s of a one-tenant edit. @default 'now'
   */
  readonly removeOld?: 'now' | 'background';
  /**
   * A file where the writer keeps, for each file given by key ({@link TreeWriter.writeKnown}), the key
   * and the file's inode, size and modification time once the tree is committed (outside the tree:
   * the render cache's folder). The next writer of the tree links a file given with the same key
   * whose inode, size and time are still those, without reading either (git's index does the same for
   * its work tree); anything else is compared by content. A time at or after the index's own is not
   * trusted (a change within the same clock tick). Safe to delete; a stale one costs only reads.
   * @default none (every file compared by content)
   */
  readonly index?: string;
}

/** The first line of a {@link WriteOptions.index} file: format and version. */
const INDEX_MAGIC = 'ceres-tree-index 1';

/** A file as `lstat` (bigint) or `fstat` saw it: what {@link TreeWriter.keep} requires it still to be. */
export interface FileStamp {
  /** The inode number. */
  readonly ino: bigint;
  /** The size, in bytes. */
  readonly size: bigint;
  /** The modification time, in nanoseconds since the epoch. */
  readonly mtimeNs: bigint;
}

/** What an index says of one file: the key its bytes were given with, and the file as it was then. */
interface IndexRecord {
  readonly key: string;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
}

/**
 * The one rule for trusting an index record (the linker thread runs this function's source too): the
 * current file `st` (lstat, bigint) is the file recorded, a regular file of the recorded inode, size
 * and modification time, modified before the index was written (`indexTime`, the index's own time).
 */
function indexVouches(
  st: { isFile(): boolean; ino: bigint; size: bigint; mtimeNs: bigint } | undefined,
  ino: bigint,
  size: bigint,
  mtimeNs: bigint,
  indexTime: bigint,
): boolean {
  return !!st && st.isFile() && st.ino === ino && st.size === size && st.mtimeNs === mtimeNs && st.mtimeNs < indexTime;
}

/** An index file's records by path and its own modification time; undefined when absent or not ours. */
function readIndex(file: string): { records: Map<string, IndexRecord>; time: bigint } | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, fsConstants.O_RDONLY | (NOFOLLOW ?? 0));
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile()) return undefined;
    const lines = readFileSync(fd, 'utf8').split('\n');
    if (lines[0] !== INDEX_MAGIC) return undefined;
    const records = new Map<string, IndexRecord>();
    for (let i = 1; i < lines.length; i++) {
      if (!lines[i]) continue;
      const f = lines[i].split('\t');
      if (f.length !== 5 || !/^[0-9]+$/.test(f[2]) || !/^[0-9]+$/.test(f[3]) || !/^[0-9]+$/.test(f[4])) return undefined;
      records.set(f[0], { key: f[1], ino: BigInt(f[2]), size: BigInt(f[3]), mtimeNs: BigInt(f[4]) });
    }
    return { records, time: st.mtimeNs };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes an index file atomically (a temporary sibling renamed); one that cannot be written is removed. */
function writeIndex(file: string, records: ReadonlyMap<string, IndexRecord>): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const lines = [INDEX_MAGIC];
    for (const [path, r] of records) lines.push(`${path}\t${r.key}\t${r.ino}\t${r.size}\t${r.mtimeNs}`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, `${lines.join('\n')}\n`);
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
    rmSync(file, { force: true });
  }
}

/** How many files a background {@link TreeWriter} holds unwritten before `write()` waits (memory). */
export const BACKGROUND_BACKLOG_FILES = 8;

/** Buffers {@link sameContent} reads into and encodes into, grown as needed (one synth compares thousands of files). */
let readBuffer = Buffer.allocUnsafe(1 << 16);
let contentBuffer = Buffer.allocUnsafe(1 << 16);
/** Opens without following a symbolic link where the platform can (a link in dist/ is never the same content). */
const NOFOLLOW = fsConstants.O_NOFOLLOW;

/**
 * Whether the file at `path` holds exactly the bytes of `content` (a text's UTF-8, or bytes); false
 * when it is absent, not a regular file, or differs (the size is compared first, so most changed
 * files are never read). One open, fstat, read and close per file, into reused buffers: at 1000
 * tenants an edit compares 23,000 unchanged files.
 */
function sameContent(path: string, content: string | Buffer): boolean {
  const size = typeof content === 'string' ? Buffer.byteLength(content) : content.length;
  if (NOFOLLOW === undefined) {
    try {
      const st = lstatSync(path);
      return st.isFile() && st.size === size && readFileSync(path).equals(typeof content === 'string' ? Buffer.from(content) : content);
    } catch {
      return false;
    }
  }
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | NOFOLLOW);
  } catch {
    return false;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size !== size) return false;
    if (readBuffer.length < size) {
      readBuffer = Buffer.allocUnsafe(size);
      contentBuffer = Buffer.allocUnsafe(size);
    }
    for (let at = 0; at < size;) {
      const n = readSync(fd, readBuffer, at, size - at, at);
      if (n === 0) return false;
      at += n;
    }
    // Bytes, not decoded text: a file with invalid UTF-8 must not pass for the same content.
    if (typeof content !== 'string') return readBuffer.compare(content, 0, size, 0, size) === 0;
    contentBuffer.write(content, 0, size, 'utf8');
    return readBuffer.compare(contentBuffer, 0, size, 0, size) === 0;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/** Whether an old tree of `distDir` is still there (being removed in the background, or left by a run that stopped). */
export function oldTreesLeft(distDir: string): boolean {
  const prefix = `${OLD_PREFIX}${basename(distDir)}-`;
  return readdirSync(dirname(distDir)).some((f) => f.startsWith(prefix));
}

/** Writers made by this process (their old trees' names). */
let writers = 0;

/** Removes a tree in a detached process (see {@link WriteOptions.removeOld}); here, if that cannot start. */
function removeInBackground(dir: string): void {
  try {
    const child =
      process.platform === 'win32'
        ? spawn(process.execPath, ['-e', 'require("fs").rmSync(process.argv[1], { recursive: true, force: true })', dir], {
            detached: true,
            stdio: 'ignore',
            windowsHide: true,
          })
        : spawn('rm', ['-rf', '--', dir], { detached: true, stdio: 'ignore' });
    // A removal that failed to start leaves the tree to the next synth's leftovers.
    child.on('error', () => undefined);
    child.unref();
  } catch {
    removeTree(dir);
  }
}

/**
 * Removes a tree: `rmSync`'s recursive removal, without its lstat of every entry (the directory
 * listing says which entries are folders); anything unexpected goes to `rmSync`.
 */
function removeTree(dir: string): void {
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) removeTree(path);
      else unlinkSync(path);
    }
    rmdirSync(dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The worker of a background {@link TreeWriter}: plain JavaScript (it runs the same compiled, under
 * tsx and under jest), the same per-file work as `TreeWriter.write` (folder once, link when the
 * current tree has the same bytes, else write). Shared counters: [0] flushes answered, [1]
 * files done. Every failure is kept and reported at the flush, which is always answered.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { tmp, distDir, port, shared, yamlModule } = workerData;
let link = workerData.link;
let toYamlStream;
function serialize(objects) {
  if (!toYamlStream) {
    try {
      toYamlStream = require(yamlModule).toYamlStream;
    } catch (e) {
      // TypeScript sources (tests, tsx without its hooks in this thread): compiled on load by tsx.
      if (!/[.]ts$/.test(yamlModule)) throw e;
      require(workerData.tsx);
      toYamlStream = require(yamlModule).toYamlStream;
    }
  }
  return toYamlStream(objects);
}
let unchanged = 0;
let error;
let done = 0;
const dirs = new Set();
function sameContent(p, content) {
  try {
    const st = fs.lstatSync(p);
    if (!st.isFile() || st.size !== Buffer.byteLength(content)) return false;
    return fs.readFileSync(p).equals(Buffer.from(content));
  } catch {
    return false;
  }
}
port.on('message', (m) => {
  if (m === 'flush') {
    port.postMessage({ unchanged, error });
    Atomics.add(shared, 0, 1);
    Atomics.notify(shared, 0);
    return;
  }
  const rel = m[0];
  try {
    if (error === undefined) {
      const content = m.length > 2 ? serialize(m[1]) : m[1];
      const target = path.join(tmp, rel);
      const dir = path.dirname(target);
      if (!dirs.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        dirs.add(dir);
      }
      const current = path.join(distDir, rel);
      let linked = false;
      if (link && sameContent(current, content)) {
        try {
          fs.linkSync(current, target);
          unchanged++;
          linked = true;
        } catch {
          link = false;
        }
      }
      if (!linked) fs.writeFileSync(target, content);
    }
  } catch (e) {
    error = rel + ': ' + String(e && e.message ? e.message : e);
  }
  Atomics.add(shared, 1, 1);
  Atomics.notify(shared, 1);
});
`;

/**
 * The thread of a {@link TreeWriter} with an index that links the files the index vouches for (see
 * `writeKnown`): plain JavaScript. Given batches of [path, inode, size, mtime] (the index's record of
 * each), it checks each current file with an lstat and links it into the new tree, and answers each
 * batch with the paths it could not link (the caller writes those). Shared counter [0]: batches done.
 */
const LINKER_SOURCE = `
${indexVouches.toString()}
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { tmp, distDir, indexTime, port, shared } = workerData;
const dirs = new Set();
port.on('message', ([batch, items]) => {
  const failed = [];
  for (const [p, ino, size, mtimeNs] of items) {
    let linked = false;
    try {
      const current = path.join(distDir, p);
      const st = fs.lstatSync(current, { bigint: true, throwIfNoEntry: false });
      if (indexVouches(st, ino, size, mtimeNs, indexTime)) {
        const target = path.join(tmp, p);
        const dir = path.dirname(target);
        if (!dirs.has(dir)) {
          fs.mkdirSync(dir, { recursive: true });
          dirs.add(dir);
        }
        fs.linkSync(current, target);
        linked = true;
      }
    } catch {
      // not linked: the caller writes it
    }
    if (!linked) failed.push(p);
  }
  port.postMessage([batch, failed]);
  Atomics.add(shared, 0, 1);
  Atomics.notify(shared, 0);
});
`;

/** Files a {@link TreeWriter}'s linker thread is given at a time. */
const LINK_BATCH = 256;

/** tsx's CommonJS hooks, for a worker that loads TypeScript sources (tests); undefined in the compiled build. */
function tsxRegister(): string | undefined {
  try {
    return require.resolve('tsx/cjs');
  } catch {
    return undefined;
  }
}

/** What a write did. */
export interface WriteStats {
  /** Files written (new or changed). */
  readonly written: number;
  /** Files whose content was already in place (linked from the current tree, not written). */
  readonly unchanged: number;
}

const TMP_PREFIX = '.dist-tmp-';
const OLD_PREFIX = '.dist-old-';

/** Terraform working files of the stacks that `files` still has. */
export function terraformCarryOver(current: string, files: ReadonlyMap<string, string>): string[] {
  const stacks = new Set<string>();
  for (const p of files.keys()) if (p.startsWith('terraform/')) stacks.add(p.split('/').slice(0, 2).join('/'));
  return terraformWorkingEntries(current).filter((e) => stacks.has(e.split('/').slice(0, 2).join('/')));
}

/**
 * Replaces `distDir` with exactly `files` (paths relative to it → content), plus the entries
 * `carryOver` keeps: the new tree is written to a temporary sibling, the kept entries are brought
 * in (folders moved, files copied), then the trees are swapped with two renames and the old one
 * removed. Files of removed resources disappear; a failure before the swap leaves `distDir`
 * byte-for-byte untouched.
 *
 * Only what changed is written: a file whose content is already in `distDir` is hard-linked into the
 * new tree instead (the current tree is never modified, and is removed after the swap, so nothing is
 * shared afterwards). A one-tenant edit among thousands writes that tenant's files and the few that
 * list tenants. Where links are not possible (another file system), files are written.
 */
export function writeTreeAtomically(distDir: string, files: ReadonlyMap<string, string>, options: WriteOptions = {}): WriteStats {
  const writer = new TreeWriter(distDir, options);
  try {
    for (const path of [...files.keys()].sort()) writer.write(path, files.get(path)!);
  } catch (err) {
    writer.abort();
    throw err;
  }
  return writer.commit();
}

/**
 * {@link writeTreeAtomically} one file at a time, so that a caller can write each part of the output
 * as soon as it is rendered and hold none of it: files go to the temporary sibling as they come, and
 * `commit()` carries over, swaps and removes the old tree (`abort()` removes the temporary tree and
 * leaves `distDir` as it was). Same guarantees: nothing of `distDir` changes before `commit()`.
 */
export class TreeWriter {
  private readonly base: string;
  private readonly tmp: string;
  private readonly old: string;
  private readonly paths = new Map<string, string>();
  private readonly dirs = new Set<string>();
  private link: boolean;
  private unchanged = 0;
  private done = false;
  /** With `index`: what the current tree's index says, and what this tree's will. */
  private readonly indexed?: { records: Map<string, IndexRecord>; time: bigint };
  private readonly recorded = new Map<string, IndexRecord>();
  /**
   * With an index that vouches for files: the thread that links them (while this one renders), the
   * batch being filled, and the batches given and not yet answered (each file's record and content).
   */
  private linker?: {
    readonly thread: Worker;
    readonly port: MessagePort;
    readonly shared: Int32Array;
    batch: [string, IndexRecord, () => string][];
    readonly pending: Map<number, Map<string, [IndexRecord, () => string]>>;
    given: number;
  };
  /** With `background`: the worker, the port files go through, the shared counters, content handed over. */
  private readonly worker?: { readonly thread: Worker; readonly port: MessagePort; readonly shared: Int32Array; posted: number; flushes: number };

  /**
   * @param distDir the folder to replace
   * @param options carry-over and test hooks, as for {@link writeTreeAtomically}
   */
  constructor(
    private readonly distDir: string,
    private readonly options: WriteOptions = {},
  ) {
    const parent = dirname(distDir);
    this.base = basename(distDir);
    mkdirSync(parent, { recursive: true });
    // Leftovers of an interrupted run are never part of the output.
    for (const entry of readdirSync(parent)) {
      if (entry.startsWith(`${TMP_PREFIX}${this.base}-`) || entry.startsWith(`${OLD_PREFIX}${this.base}-`)) {
        rmSync(join(parent, entry), { recursive: true, force: true });
      }
    }
    this.tmp = join(parent, `${TMP_PREFIX}${this.base}-${process.pid}`);
    // Unique per writer: a tree still being removed in the background never stands in the way of the next swap.
    this.old = join(parent, `${OLD_PREFIX}${this.base}-${process.pid}-${++writers}`);
    mkdirSync(this.tmp, { recursive: true });
    this.link = existsSync(distDir) && lstatSync(distDir).isDirectory();
    if (this.link && options.index && !options.background) this.indexed = readIndex(options.index);
    if (options.background) {
      const { port1, port2 } = new MessageChannel();
      const shared = new Int32Array(new SharedArrayBuffer(8));
      const thread = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { tmp: this.tmp, distDir, link: this.link, port: port2, shared, yamlModule: require.resolve('./yaml'), tsx: tsxRegister() },
        transferList: [port2],
        // Without the parent's loader flags (tsx's module hooks would start threads of their own) and
        // with a small heap: it holds a few files' objects at a time (memory is the whole process's).
        execArgv: [],
        resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 256 },
      });
      thread.unref();
      this.worker = { thread, port: port1, shared, posted: 0, flushes: 0 };
    }
  }

  /** With `background`: waits until the worker has done every file handed over; throws its first failure. */
  private flush(): void {
    const w = this.worker;
    if (!w) return;
    w.port.postMessage('flush');
    const answered = ++w.flushes;
    // The worker answers every flush (its failures included); a minute without progress is a dead worker.
    for (let waited = 0; Atomics.load(w.shared, 0) < answered; waited++) {
      if (Atomics.wait(w.shared, 0, answered - 1, 1000) === 'timed-out' && waited > 60) throw new Error(`the writer thread of ${this.base}/ stopped answering`);
    }
    const answer = receiveMessageOnPort(w.port)?.message as { unchanged: number; error?: string } | undefined;
    void w.thread.terminate();
    w.port.close();
    if (!answer) throw new Error(`the writer thread of ${this.base}/ gave no answer`);
    this.unchanged = answer.unchanged;
    if (answer.error !== undefined) throw new Error(`writing ${this.base}/: ${answer.error}`);
  }

  /** Writes one file of the new tree, text (as UTF-8) or bytes (or links the current one when it already has these bytes). */
  public write(path: string, content: string | Buffer): void {
    this.claim(path);
    const w = this.worker;
    if (w) {
      this.handOver(w, [path, content]);
      return;
    }
    this.put(path, content);
  }

  /**
   * Puts the current tree's file at `path` into the new tree as it is (linked; copied where links
   * are not possible), for a caller that has compared it and found it unchanged. It must still be the
   * file the caller read (`stamp`: the same inode, size and modification time): otherwise it changed
   * since, and this throws (nothing is guessed). With `key` (the file was given by key), it is
   * recorded in the next index.
   */
  public keep(path: string, stamp: FileStamp, key?: string): void {
    this.claim(path);
    if (this.worker) throw new Error('keep() is not available with a background writer');
    const current = join(this.distDir, path);
    const st = lstatSync(current, { bigint: true, throwIfNoEntry: false });
    if (!st?.isFile() || st.ino !== stamp.ino || st.size !== stamp.size || st.mtimeNs !== stamp.mtimeNs)
      throw new Error(`${this.base}/${path} changed while the new tree was being written; run again`);
    const target = join(this.tmp, path);
    this.makeDir(target);
    let linked = false;
    if (this.link) {
      try {
        linkSync(current, target);
        linked = true;
      } catch {
        this.link = false;
      }
    }
    if (!linked) copyFileSync(current, target);
    this.unchanged++;
    // A file given by key is in the next index (a link is the same inode and time; a copy is recorded as written).
    if (key !== undefined) this.record(path, key);
  }

  /**
   * The current file at `path` (its stamp, for {@link keep}) when the index says it was written with
   * `key` and it is still that file ({@link indexVouches}); otherwise undefined (then compare it by content).
   */
  public vouched(path: string, key: string): FileStamp | undefined {
    const record = this.indexed?.records.get(path);
    if (!this.link || record?.key !== key) return undefined;
    const st = lstatSync(join(this.distDir, path), { bigint: true, throwIfNoEntry: false });
    return indexVouches(st, record.ino, record.size, record.mtimeNs, this.indexed!.time)
      ? { ino: record.ino, size: record.size, mtimeNs: record.mtimeNs }
      : undefined;
  }

  /** Records a file of the new tree given by `key` for the next index (when there is one). */
  private record(path: string, key: string): void {
    if (!this.options.index || /[\t\n]/.test(path) || /[\t\n]/.test(key)) return;
    const st = lstatSync(join(this.tmp, path), { bigint: true });
    this.recorded.set(path, { key, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs });
  }

  /**
   * Writes one file of the new tree without comparing it with the current one (the caller has: it
   * differs, or is new). With `key` (the key of its bytes, RenderedFile.key), it is recorded in the next index.
   */
  public writeNew(path: string, content: string, key?: string): void {
    this.claim(path);
    if (this.worker) throw new Error('writeNew() is not available with a background writer');
    const target = join(this.tmp, path);
    this.makeDir(target);
    writeFileSync(target, content);
    if (key !== undefined) this.record(path, key);
  }

  /** The text of a file already written to the new tree (before `commit()` or `abort()`). */
  public staged(path: string): string {
    if (this.done || !this.paths.has(path)) throw new Error(`${path} is not in the new tree being written`);
    // Files handed to another thread may not be there yet.
    if (this.worker || this.linker) throw new Error('staged() reads only a tree written in this thread');
    return readFileSync(join(this.tmp, path), 'utf8');
  }

  /**
   * Writes one file of the new tree whose bytes `key` names (the same key, the same bytes: a render
   * cache entry's text, RenderedFile.key): with an `index` that says the current file was written with
   * this key and is still that inode, size and time, it is linked without calling `content` or reading
   * the file; otherwise as {@link write}. Recorded in the next index.
   */
  public writeKnown(path: string, key: string, content: () => string): void {
    if (this.worker || !this.options.index || /[\t\n]/.test(path) || /[\t\n]/.test(key)) return this.write(path, content());
    this.claim(path);
    const record = this.indexed?.records.get(path);
    this.takeAnswers(false);
    // The files the index vouches for go to the linker thread, which holds the one rule for trusting
    // them (LINKER_SOURCE); where it cannot start, they are compared by content.
    const linker = this.link && record?.key === key ? this.startLinker() : undefined;
    if (linker) {
      linker.batch.push([path, record!, content]);
      if (linker.batch.length >= LINK_BATCH) this.giveBatch(linker);
      return;
    }
    this.writeRecorded(path, key, content());
  }

  /** The linker thread, started on the first file the index vouches for; undefined where threads cannot start. */
  private startLinker(): NonNullable<TreeWriter['linker']> | undefined {
    if (this.linker) return this.linker;
    try {
      const { port1, port2 } = new MessageChannel();
      const shared = new Int32Array(new SharedArrayBuffer(4));
      const thread = new Worker(LINKER_SOURCE, {
        eval: true,
        workerData: { tmp: this.tmp, distDir: this.distDir, indexTime: this.indexed!.time, port: port2, shared },
        transferList: [port2],
        execArgv: [],
        resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 },
      });
      thread.unref();
      this.linker = { thread, port: port1, shared, batch: [], pending: new Map(), given: 0 };
    } catch {
      return undefined;
    }
    return this.linker;
  }

  /** Gives the linker the files batched so far. */
  private giveBatch(linker: NonNullable<TreeWriter['linker']>): void {
    if (!linker.batch.length) return;
    const id = linker.given++;
    linker.pending.set(id, new Map(linker.batch.map(([path, record, content]) => [path, [record, content]])));
    linker.port.postMessage([id, linker.batch.map(([path, r]) => [path, r.ino, r.size, r.mtimeNs])]);
    linker.batch = [];
  }

  /**
   * Takes the linker's answers: files linked are recorded as the index had them, the others written
   * here (their content asked for now). With `all`, gives the last batch and waits for every answer
   * (a minute without one is a dead thread), then stops the thread.
   */
  private takeAnswers(all: boolean): void {
    const linker = this.linker;
    if (!linker) return;
    if (all) this.giveBatch(linker);
    for (let waited = 0; linker.pending.size > 0;) {
      // Read before the answers are taken: the thread answers before it counts, so no answer is missed
      // and no wait outlasts one.
      const seen = Atomics.load(linker.shared, 0);
      const message = receiveMessageOnPort(linker.port)?.message as [number, string[]] | undefined;
      if (!message) {
        if (!all) return;
        if (Atomics.wait(linker.shared, 0, seen, 1000) === 'timed-out' && ++waited > 60)
          throw new Error(`the linker thread of ${this.base}/ stopped answering`);
        continue;
      }
      const [id, failed] = message;
      const files = linker.pending.get(id)!;
      linker.pending.delete(id);
      const unlinked = new Set(failed);
      for (const [path, [record, content]] of files) {
        if (!unlinked.has(path)) {
          this.unchanged++;
          this.recorded.set(path, record);
        } else this.writeRecorded(path, record.key, content());
      }
    }
    if (all) this.stopLinker();
  }

  /** Writes (or links by content) one file given by key, and records it for the next index. */
  private writeRecorded(path: string, key: string, content: string): void {
    this.put(path, content);
    this.record(path, key);
  }

  /** Refuses a path outside the tree, one given twice, or any after commit or abort; then takes it. */
  private claim(path: string): void {
    if (this.done) throw new Error('the tree was already committed or aborted');
    if (path.startsWith('/') || path.split('/').includes('..')) throw new Error(`refusing to write outside ${this.base}/: ${path}`);
    if (this.paths.has(path)) throw new Error(`${path} is written twice`);
    this.paths.set(path, '');
  }

  /** Creates the folder of `target` in the new tree, once. */
  private makeDir(target: string): void {
    const dir = dirname(target);
    if (!this.dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.dirs.add(dir);
    }
  }

  /** Links the current file when it has `content`'s bytes, else writes them (in this thread). */
  private put(path: string, content: string | Buffer): void {
    const target = join(this.tmp, path);
    this.makeDir(target);
    const current = join(this.distDir, path);
    // Unchanged: the bytes on disk are these.
    if (this.link && sameContent(current, content)) {
      try {
        linkSync(current, target);
        this.unchanged++;
        return;
      } catch {
        this.link = false;
      }
    }
    writeFileSync(target, content);
  }

  /**
   * Writes one file of the new tree holding `objects` as a YAML stream (as `toYamlStream`): in the
   * background, serialized by the worker (objects it cannot be given, e.g. functions, are serialized
   * here, failing as `toYamlStream` does); otherwise here.
   */
  public writeObjects(path: string, objects: readonly unknown[]): void {
    const w = this.worker;
    if (!w || this.done) return this.write(path, toYamlStream(objects));
    if (path.startsWith('/') || path.split('/').includes('..')) throw new Error(`refusing to write outside ${this.base}/: ${path}`);
    if (this.paths.has(path)) throw new Error(`${path} is written twice`);
    try {
      this.handOver(w, [path, objects, 1]);
    } catch (err) {
      if ((err as Error).name !== 'DataCloneError') throw err;
      this.write(path, toYamlStream(objects));
      return;
    }
    this.paths.set(path, '');
  }

  /** Posts one file to the worker, first waiting while too many are unwritten. */
  private handOver(w: NonNullable<TreeWriter['worker']>, message: unknown[]): void {
    while (w.posted - Atomics.load(w.shared, 1) >= BACKGROUND_BACKLOG_FILES) Atomics.wait(w.shared, 1, Atomics.load(w.shared, 1), 100);
    w.port.postMessage(message);
    w.posted++;
  }

  /**
   * Stops the linker thread once it has done the batches it was given (so that nothing is linked into
   * the temporary tree while it is removed; its links go with it).
   */
  private stopLinker(): void {
    if (!this.linker) return;
    const { shared } = this.linker;
    for (let waited = 0; Atomics.load(shared, 0) < this.linker.given && waited < 60; waited++) Atomics.wait(shared, 0, Atomics.load(shared, 0), 1000);
    void this.linker.thread.terminate();
    this.linker.port.close();
    this.linker = undefined;
  }

  /** Removes the temporary tree; `distDir` stays as it was. */
  public abort(): void {
    this.done = true;
    this.stopLinker();
    try {
      this.flush();
    } catch {
      // Whatever the worker failed at is removed with the temporary tree.
    }
    rmSync(this.tmp, { recursive: true, force: true });
  }

  /** Carries over the kept entries and swaps the new tree in; on failure `distDir` stays as it was. */
  public commit(): WriteStats {
    if (this.done) throw new Error('the tree was already committed or aborted');
    this.done = true;
    try {
      this.takeAnswers(true);
      this.flush();
    } catch (err) {
      this.stopLinker();
      rmSync(this.tmp, { recursive: true, force: true });
      throw err;
    }
    const { distDir, tmp, old, base, options } = this;
    const moved: string[] = [];
    const moveBack = () => {
      for (const rel of moved.splice(0)) if (existsSync(join(tmp, rel)) && !existsSync(join(distDir, rel))) renameSync(join(tmp, rel), join(distDir, rel));
    };
    try {
      options.beforeSwap?.();
      // The carry-over reads which paths the new tree has (the Terraform stacks still written).
      const keep = existsSync(distDir) ? (options.carryOver ?? terraformCarryOver)(distDir, this.paths) : [];
      for (const rel of keep) {
        if (rel.startsWith('/') || rel.split('/').includes('..')) throw new Error(`refusing to carry over a path outside ${base}/: ${rel}`);
        const from = join(distDir, rel);
        const to = join(tmp, rel);
        if (!existsSync(from) || existsSync(to)) continue;
        mkdirSync(dirname(to), { recursive: true });
        if (lstatSync(from).isDirectory()) {
          // Folders (.terraform/ with provider binaries) are moved: cheap, and put back on failure.
          renameSync(from, to);
          moved.push(rel);
        } else {
          // Files (lock file, plans, state) are copied: never lost, whatever happens next.
          copyFileSync(from, to);
        }
      }
    } catch (err) {
      moveBack();
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    const hadDist = existsSync(distDir);
    if (hadDist) renameSync(distDir, old);
    try {
      renameSync(tmp, distDir);
    } catch (err) {
      if (hadDist) renameSync(old, distDir);
      moveBack();
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    // The index describes the tree now in place (written after the swap: its time is after every file's).
    if (options.index && !this.worker) writeIndex(options.index, this.recorded);
    if (hadDist) {
      if (options.removeOld === 'background') removeInBackground(old);
      else removeTree(old);
    }
    return { written: this.paths.size - this.unchanged, unchanged: this.unchanged };
  }
}
