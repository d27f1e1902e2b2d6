import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeSync,
  writeFileSync,
  writevSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CheckedObject } from './checks';
import type { ParsedFile, ParseMemo } from './input/documents';
import type { Fragment, FragmentTables } from './memo';
import type { RenderedFile } from './output';
import type { RenderedTenant, RenderedTenantFolder } from './tenant-render';

/**
 * A rendered tenant as its entry's header holds it: each text replaced by its index among the texts
 * after the header, each file's `checkedBy` by its index in `checkedBy` (every file of a render has the
 * same: some 250 characters, a third of what a header held when written with each file).
 */
interface StoredTenant {
  readonly tenantId: string;
  readonly checkedBy: readonly string[];
  readonly folders: readonly (Omit<RenderedTenantFolder, 'manifests' | 'files'> & {
    readonly manifests: readonly { readonly file: string; readonly checked: readonly CheckedObject[]; readonly checkedBy: number; readonly yaml: number }[];
    readonly files: readonly (readonly [string, number])[];
  })[];
}

/**
 * A content-addressed cache of rendered output: the key is a hash of everything the output is a
 * function of (the compiled code's fingerprint, the platform description, the input documents, the
 * YAML emitter), the value the rendered files. A synth whose inputs did not change reads the files
 * instead of rendering them, and does not even load cdk8s or cdktf for that part.
 *
 * Only the `ceres` launcher enables it (it knows the code's fingerprint: every source file, the
 * lockfile, the Node major, the launcher itself). It lives in node_modules/.cache/ceres/render/, is
 * never committed, and is safe to delete at any time; CERES_NO_RENDER_CACHE=1 turns it off.
 */
export class RenderCache {
  /** Entries kept (the newest by use); older ones are deleted after a write. */
  public static readonly MAX_ENTRIES = 24;

  /**
   * The cache of this process when the launcher enabled it (CERES_RENDER_CACHE, CERES_BUILD_ID),
   * else undefined.
   */
  public static fromEnvironment(env: NodeJS.ProcessEnv = process.env): RenderCache | undefined {
    if (env.CERES_NO_RENDER_CACHE || !env.CERES_RENDER_CACHE || !env.CERES_BUILD_ID) return undefined;
    return new RenderCache(env.CERES_RENDER_CACHE, `${env.CERES_BUILD_ID}\0${env.CERES_YAML_EMITTER ?? ''}`);
  }

  /**
   * @param dir folder of the entries (created on first write)
   * @param codeVersion what identifies the code that renders (part of every key)
   */
  constructor(
    private readonly dir: string,
    private readonly codeVersion: string,
  ) {}

  /** The key of output that is a function of `parts` (JSON-serializable, in a fixed order) and the code. */
  public key(kind: string, ...parts: unknown[]): string {
    const h = createHash('sha256').update(this.codeVersion).update('\0').update(kind);
    for (const p of parts) h.update('\0').update(JSON.stringify(p) ?? 'undefined');
    return `${kind}-${h.digest('hex').slice(0, 40)}`;
  }

  /**
   * The files stored under `key` with {@link putFiles} or {@link filesEntry}, and the `meta` stored
   * with them; undefined when absent, unreadable or not whole, or when a file it names by key (a
   * tenant's, `addKnown`) is no longer in the tenant store.
   */
  public getFiles<M>(key: string): { files: CachedFile[]; meta: M } | undefined {
    const file = join(this.dir, `${key}${FILES}`);
    try {
      const entry = trailed(readFileSync(file), FILES_MAGIC);
      if (!entry) return undefined;
      const header = JSON.parse(entry.header.toString('utf8')) as { meta: M; files: [string, number | string][] };
      const pieces = piecesAt(
        entry.body,
        0,
        header.files.flatMap(([, at]) => (typeof at === 'number' ? [at] : [])),
      );
      if (!pieces) return undefined;
      // A file given by key is read from the tenant store, where it must still be (else the entry is not used).
      const tenants = new Map<string, RenderedTenant | undefined>();
      const files: CachedFile[] = [];
      let inline = 0;
      for (const [path, at] of header.files) {
        if (typeof at === 'number') {
          const text = pieces[inline++].toString('utf8');
          files.push({ path, text: () => text });
          continue;
        }
        const ref = fileKeyParts(at);
        if (!ref) return undefined;
        const tenantKey = `${ref.group}/${ref.tenant}`;
        if (!tenants.has(tenantKey)) tenants.set(tenantKey, this.tenants().get(ref.tenant, ref.group));
        const rendered = tenants
          .get(tenantKey)
          ?.folders.find((f) => f.name === ref.folder && (f.cluster ?? '') === ref.cluster)
          ?.manifests.find((m) => m.file === ref.file && m.key === at);
        if (!rendered) return undefined;
        files.push({ path, key: at, text: () => rendered.yaml });
      }
      touch(file);
      return { files, meta: header.meta };
    } catch {
      return undefined;
    }
  }

  /** Stores files (path, text) and `meta` (JSON) under `key`, atomically, then prunes (as {@link filesEntry}). */
  public putFiles(key: string, files: Iterable<readonly [string, string]>, meta: unknown): void {
    const entry = this.filesEntry(key);
    try {
      for (const [path, text] of files) entry.add(path, text);
      entry.finish(meta);
    } finally {
      entry.abort();
    }
  }

  /**
   * An entry of files under `key` written as they come, so that its writer need not hold them: each
   * text is written as it is added (UTF-8, one after the other), and `finish(meta)` writes the header
   * (their paths and byte lengths, and `meta`) after them and puts the entry in place atomically, then
   * prunes. `addKnown(path, key, text)` names a tenant's file by its key in the tenant store
   * ({@link renderedFileKey}) instead of writing its text, which is then not read (any other key: the
   * text is written). `abort()` (a no-op once finished) drops it. An environment's files at 1000 tenants are
   * some 60 MB: as one JSON document they took about a second to write and as long to read back.
   * A cache that cannot be written is only slower: failures to write are not errors.
   */
  public filesEntry(key: string): {
    add(path: string, text: string): void;
    addKnown(path: string, key: string, text: () => string): void;
    finish(meta: unknown): void;
    abort(): void;
  } {
    const file = join(this.dir, `${key}${FILES}`);
    const out = new FramedWriter(this.dir, file);
    // Each file: its text's byte length (the texts follow one another), or the key of a file of the tenant store.
    const files: [string, number | string][] = [];
    const add = (path: string, text: string) => {
      const size = out.text(text);
      if (size !== undefined) files.push([path, size]);
    };
    return {
      add,
      addKnown: (path, key, text) => {
        if (fileKeyParts(key)) files.push([path, key]);
        else add(path, text());
      },
      finish: (meta) => {
        if (out.end(JSON.stringify({ meta, files }), FILES_MAGIC)) this.prune();
      },
      abort: () => out.abort(),
    };
  }

  /**
   * The store of rendered tenants (lib/core/tenant-render.ts): one entry per tenant and environment,
   * in `tenants/`, keyed as the others (the code's version is in every key).
   */
  public tenants(): TenantEntries {
    this._tenants ??= new TenantEntries(join(this.dir, 'tenants'), (kind, parts) => this.key(kind, ...parts));
    return this._tenants;
  }

  private _tenants?: TenantEntries;

  /**
   * What the tenant input files parsed to (lib/core/input/documents.ts, ParseOptions.memo), kept in
   * one file for the code version: a synth parses again only the files that changed.
   */
  public inputMemo(): InputMemo {
    this._inputMemo ??= new InputMemo(join(this.dir, `${this.key('input')}${INPUT_MEMO}`));
    return this._inputMemo;
  }

  private _inputMemo?: InputMemo;

  /**
   * Where a TreeWriter keeps its index of `distDir` (WriteOptions.index): here, since it names
   * files by the keys of this cache's entries, and goes with them when the cache is deleted.
   */
  public treeIndex(distDir: string): string {
    return join(this.dir, 'trees', `${createHash('sha256').update(resolve(distDir)).digest('hex').slice(0, 32)}.index`);
  }

  private prune(): void {
    const names = readdirSync(this.dir);
    removeAbandoned(this.dir, names);
    // Entries of the older format (one JSON document) are never read again.
    for (const f of names) if (f.endsWith('.json')) rmSync(join(this.dir, f), { force: true });
    const entries = names
      .filter((f) => f.endsWith(FILES))
      .map((f) => ({ f, t: statSync(join(this.dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t || (a.f < b.f ? -1 : 1));
    for (const e of entries.slice(RenderCache.MAX_ENTRIES)) rmSync(join(this.dir, e.f), { force: true });
  }
}

/**
 * The key of the bytes of one file a tenant rendered (RenderedFile.key): the tenant's key (which names
 * what it was rendered from, the code included) and the file's place among its folders. The same
 * whether the tenant was rendered now or read from the store.
 */
export function renderedFileKey(group: string, tenantKey: string, folder: { readonly name: string; readonly cluster?: string }, file: string): string {
  return `${group}/${tenantKey}/${folder.cluster ?? ''}/${folder.name}/${file}`;
}

/** The parts of a {@link renderedFileKey} (where the tenant store has the file), or undefined for any other string. */
function fileKeyParts(key: string): { group: string; tenant: string; cluster: string; folder: string; file: string } | undefined {
  const parts = key.split('/');
  if (parts.length !== 5 || !parts[0] || !parts[1] || !parts[3] || !parts[4]) return undefined;
  const [group, tenant, cluster, folder, file] = parts;
  return { group, tenant, cluster, folder, file };
}

/** A file of an entry of {@link RenderCache.getFiles}: its text, and the key of a file of the tenant store (read from there). */
export interface CachedFile {
  /** Its path in the tree (`dev/tenant-acme-001/namespace.yaml`). */
  readonly path: string;
  /** The tenant store's key of the file ({@link renderedFileKey}), when the entry names it instead of holding its text. */
  readonly key?: string;
  /** Its text (a file given by key is read when asked for). */
  text(): string;
}

/** The extension of the file of an {@link InputMemo}, and its first line. */
const INPUT_MEMO = '.input';
const INPUT_MEMO_MAGIC = 'ceres-input 1';

/**
 * What each tenant input file parsed to, by the digest of its path and content: one line per file
 * (digest, tab, what it parsed to as JSON). Read once, on the first `get`; each `get` gives a fresh
 * copy. `flush` (once the input is parsed) rewrites the file with the files of this parse when any
 * was new or any kept one was not asked for. Safe to delete; a file that is not whole is not read.
 */
export class InputMemo implements ParseMemo {
  private entries?: Map<string, string>;
  private readonly used = new Set<string>();
  private dirty = false;

  constructor(private readonly file: string) {}

  private digest(path: string, content: string): string {
    return createHash('sha256').update(path).update('\0').update(content).digest('base64url');
  }

  private load(): Map<string, string> {
    if (this.entries) return this.entries;
    this.entries = new Map();
    try {
      const lines = readFileSync(this.file, 'utf8').split('\n');
      // Whole: the magic first, a line break last (a write cut short is not read at all).
      if (lines[0] !== INPUT_MEMO_MAGIC || lines[lines.length - 1] !== '') return this.entries;
      for (let i = 1; i < lines.length - 1; i++) {
        const tab = lines[i].indexOf('\t');
        if (tab > 0) this.entries.set(lines[i].slice(0, tab), lines[i].slice(tab + 1));
      }
    } catch {
      /* absent or unreadable: every file is parsed */
    }
    return this.entries;
  }

  public get(path: string, content: string): ParsedFile | undefined {
    const key = this.digest(path, content);
    const text = this.load().get(key);
    if (text === undefined) return undefined;
    try {
      const parsed = JSON.parse(text) as ParsedFile;
      if (!Array.isArray(parsed.docs) || !Array.isArray(parsed.issues) || !Array.isArray(parsed.tenantIds) || !Array.isArray(parsed.words)) return undefined;
      this.used.add(key);
      return parsed;
    } catch {
      return undefined;
    }
  }

  public put(path: string, content: string, parsed: ParsedFile): void {
    // Kept only when JSON gives it back as it is (no NaN or infinity, -0, undefined in a list or class
    // instance from the YAML): then what a later synth reads is what parsing gives. JSON escapes line
    // breaks: one line per file.
    let lossy = false;
    const text = JSON.stringify(parsed, function (this: unknown, k: string, v: unknown) {
      const own = (this as Record<string, unknown>)[k];
      if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0))) lossy = true;
      else if (v === undefined || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint')
        lossy ||= Array.isArray(this) || typeof v !== 'undefined';
      else if (own !== null && typeof own === 'object' && !Array.isArray(own) && ![Object.prototype, null].includes(Object.getPrototypeOf(own))) lossy = true;
      return typeof v === 'bigint' ? null : v;
    });
    if (lossy) return;
    const key = this.digest(path, content);
    this.load().set(key, text);
    this.used.add(key);
    this.dirty = true;
  }

  /** Keeps exactly the files of this parse, when that changes what is kept; then starts over. */
  public flush(): void {
    const entries = this.load();
    if (this.dirty || entries.size !== this.used.size) {
      const lines = [INPUT_MEMO_MAGIC];
      for (const key of this.used) lines.push(`${key}\t${entries.get(key)}`);
      const tmp = `${this.file}.${process.pid}.tmp`;
      try {
        mkdirSync(dirname(this.file), { recursive: true });
        writeFileSync(tmp, `${lines.join('\n')}\n`);
        renameSync(tmp, this.file);
      } catch {
        rmSync(tmp, { force: true });
      }
    }
    this.entries = new Map([...this.used].map((k) => [k, entries.get(k)!]));
    this.used.clear();
    this.dirty = false;
  }
}

const NON_ASCII_ALL = /[\u0080-\uffff]/g;

/** The extension of entries written by {@link RenderCache.putFiles}. */
const FILES = '.files';
/** The extension of the packs of rendered tenants ({@link TenantEntries}), and of the one-file-per-tenant entries before them. */
const PACK = '.pack';
const OLD_TENANT = '.tenant';
/** Bytes read for an entry's first line (the longest is well under). */
const LINE_MAX = 320;
/** The first words of the entries' first lines: format and version. */
const FILES_MAGIC = 'ceres-files 3';
const TENANT_MAGIC = 'ceres-tenant 4';
/** An entry's first line in a pack: magic, key, header length, texts length. */
const ENTRY_LINE = new RegExp(`^${TENANT_MAGIC} ([A-Za-z0-9_-]{1,200}) (\\d{1,12}) (\\d{1,12})$`);
/** The extension and first words of a chart's table of memoized constructs ({@link TenantEntries.load}). */
const TABLE = '.fragments';
const TABLE_MAGIC = 'ceres-fragments 2';
/** Bytes encoded at a time by {@link writeFramed}. */
const PIECE = 1 << 20;

/**
 * An entry of the framed formats: `<magic> <header length>\n`, the header (JSON), then texts one after
 * the other, whose UTF-8 lengths `sizes` (in the header) gives. Returns the header's bytes and a reader
 * of the texts, or undefined when the first line is not `magic`'s.
 */
function framed(
  bytes: Buffer,
  magic: string,
): { header: Buffer; texts: (sizes: readonly number[]) => string[] | undefined; pieces: (sizes: readonly number[]) => Buffer[] | undefined } | undefined {
  const lineEnd = bytes.indexOf(10);
  if (lineEnd < 0) return undefined;
  const head = /^(.*) (\d+)$/.exec(bytes.toString('latin1', 0, lineEnd));
  if (!head || head[1] !== magic) return undefined;
  const start = lineEnd + 1 + Number(head[2]);
  return {
    header: bytes.subarray(lineEnd + 1, start),
    texts: (sizes) => piecesAt(bytes, start, sizes)?.map((piece) => piece.toString('utf8')),
    pieces: (sizes) => piecesAt(bytes, start, sizes),
  };
}

/**
 * The pieces of `sizes` bytes each (views of `bytes`, undecoded), one after the other from `start` to
 * the end of `bytes`; undefined when a size is not a byte count or they do not end exactly there (cut
 * short, or longer than written: not an entry of ours).
 */
function piecesAt(bytes: Buffer, start: number, sizes: readonly number[]): Buffer[] | undefined {
  if (!sizes.every((n) => Number.isSafeInteger(n) && n >= 0)) return undefined;
  let offset = start;
  const pieces = sizes.map((size) => bytes.subarray(offset, (offset += size)));
  return offset === bytes.length ? pieces : undefined;
}

/**
 * Writes a framed entry (see {@link framed}) to `file` atomically: the header as UTF-8 text, then the
 * texts encoded into {@link PIECE} bytes of the kept buffer, written each time they fill (a text
 * larger than that is written on its own), to a temporary file renamed into place. Concatenating the
 * texts into megabyte strings and writing those instead, storing prod's 65 MB at 1000 tenants took
 * 0.48-0.62 s (the strings flattened, then encoded into fresh buffers), this 0.06-0.11 s.
 * Returns whether it was written: a cache that cannot be written is only slower.
 */
function writeFramed(dir: string, file: string, magic: string, header: string, texts: readonly (string | Buffer)[]): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  let fd: number | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    fd = openSync(tmp, 'w');
    writeSync(fd, `${magic} ${Buffer.byteLength(header, 'utf8')}\n`);
    writeSync(fd, header);
    const piece = encodeBuffer(PIECE);
    let used = 0;
    for (const text of texts) {
      // At most three bytes of UTF-8 per UTF-16 code unit: the text fits whole, or the piece goes first.
      // Bytes (a document read from a table) are copied as they are.
      const room = typeof text === 'string' ? 3 * text.length : text.length;
      if (used + room > PIECE) {
        writeAll(fd, piece, used);
        used = 0;
        if (room > PIECE) {
          if (typeof text === 'string') writeSync(fd, text);
          else writeAll(fd, text, text.length);
          continue;
        }
      }
      used += typeof text === 'string' ? piece.write(text, used, 'utf8') : text.copy(piece, used);
    }
    writeAll(fd, piece, used);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
    return true;
  } catch {
    try {
      if (fd !== undefined) closeSync(fd);
      rmSync(tmp, { force: true });
    } catch {
      /* nothing more to do */
    }
    return false;
  }
}

/**
 * An entry whose header comes last (the {@link RenderCache.filesEntry} format), written as it comes:
 * texts one after the other as UTF-8 (encoded into a buffer of its own, written each time it fills),
 * then the header (JSON, which has no raw line break), a line break and the last line
 * `<magic> <header length>`, to a temporary file renamed into place by {@link end}. A write that fails
 * makes the rest no-ops and `end()` false: a cache that cannot be written is only slower.
 */
class FramedWriter {
  private readonly tmp: string;
  private fd?: number;
  private failed = false;
  private done = false;
  private piece?: Buffer;
  private used = 0;

  constructor(
    private readonly dir: string,
    private readonly file: string,
  ) {
    this.tmp = `${file}.${process.pid}.tmp`;
  }

  /** Writes `text` (UTF-8); returns its byte length, or undefined once writing failed. */
  public text(text: string): number | undefined {
    if (this.failed || this.done) return undefined;
    try {
      if (this.fd === undefined) {
        mkdirSync(this.dir, { recursive: true });
        this.fd = openSync(this.tmp, 'w');
        this.piece = Buffer.allocUnsafe(PIECE);
      }
      const piece = this.piece!;
      // At most three bytes of UTF-8 per UTF-16 code unit: the text fits whole, or the piece goes first.
      if (this.used + 3 * text.length > PIECE) {
        writeAll(this.fd, piece, this.used);
        this.used = 0;
        if (3 * text.length > PIECE) {
          const bytes = Buffer.from(text, 'utf8');
          writeAll(this.fd, bytes, bytes.length);
          return bytes.length;
        }
      }
      const n = piece.write(text, this.used, 'utf8');
      this.used += n;
      return n;
    } catch {
      this.abort();
      return undefined;
    }
  }

  /** Writes the header and the last line, and puts the entry in place; whether it was written. */
  public end(header: string, magic: string): boolean {
    if (this.failed || this.done) return false;
    try {
      this.text(`${header}\n${magic} ${Buffer.byteLength(header, 'utf8')}\n`);
      if (this.failed) return false;
      writeAll(this.fd!, this.piece!, this.used);
      closeSync(this.fd!);
      this.fd = undefined;
      renameSync(this.tmp, this.file);
      this.done = true;
      return true;
    } catch {
      this.abort();
      return false;
    }
  }

  /** Drops the entry (nothing once it is in place). */
  public abort(): void {
    if (this.done) return;
    this.failed = true;
    this.piece = undefined;
    try {
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
      rmSync(this.tmp, { force: true });
    } catch {
      /* nothing more to do */
    }
  }
}

/**
 * The header and the texts of an entry written by {@link FramedWriter}, or undefined when its last
 * line is not `magic`'s (not whole, or not of this format).
 */
function trailed(bytes: Buffer, magic: string): { header: Buffer; body: Buffer } | undefined {
  const end = bytes.length;
  if (end < 2 || bytes[end - 1] !== 10) return undefined;
  const lineStart = bytes.lastIndexOf(10, end - 2) + 1;
  if (lineStart === 0) return undefined;
  const last = /^(.*) (\d+)$/.exec(bytes.toString('latin1', lineStart, end - 1));
  if (!last || last[1] !== magic) return undefined;
  const headerStart = lineStart - 1 - Number(last[2]);
  if (headerStart < 0) return undefined;
  return { header: bytes.subarray(headerStart, lineStart - 1), body: bytes.subarray(0, headerStart) };
}

/** The buffer texts are encoded into before they are written (one per process, grown as needed). */
let encoded: Buffer | undefined;

/**
 * The kept buffer of at least `bytes` bytes that {@link writeFramed} and {@link TenantEntries.put}
 * encode texts into: a fresh one per entry, or joining the texts into one string first, cost more
 * than the encoding. Its content is the caller's only until the next call.
 */
function encodeBuffer(bytes: number): Buffer {
  if (!encoded || encoded.length < bytes) encoded = Buffer.allocUnsafe(Math.max(bytes, PIECE));
  return encoded;
}

/** Writes the first `length` bytes of `bytes`, however many calls it takes. */
function writeAll(fd: number, bytes: Buffer, length: number): void {
  for (let offset = 0; offset < length;) offset += writeSync(fd, bytes, offset, length - offset);
}

/** How old a temporary file must be before pruning takes it for abandoned (a writer that died mid-write). */
const ABANDONED_MS = 10 * 60_000;

/**
 * Removes the temporary files of writes that never finished (the process was killed between writing
 * and renaming): at 1000 tenants one is an environment's 60 MB, and nothing else would remove it.
 * Only those older than {@link ABANDONED_MS}: a younger one may be another synth's, still writing.
 */
function removeAbandoned(dir: string, names: readonly string[]): void {
  const before = Date.now() - ABANDONED_MS;
  for (const f of names) {
    if (!f.endsWith('.tmp')) continue;
    try {
      if (statSync(join(dir, f)).mtimeMs < before) rmSync(join(dir, f), { force: true });
    } catch {
      /* gone already */
    }
  }
}

/** Marks an entry used, so pruning keeps what is read. */
function touch(file: string): void {
  const now = new Date();
  try {
    utimesSync(file, now, now);
  } catch {
    /* a read-only cache still serves */
  }
}

/**
 * `json` as ASCII bytes, every non-ASCII character escaped (\uXXXX, which JSON.parse turns back).
 * Written into one buffer piece by piece: JSON.stringify of a rendered tenant (77 kB, a few non-ASCII
 * characters in each) is a two-byte string, and both String.prototype.replace with a function and a
 * concatenation of its slices left writeFileSync to flatten and transcode it, which made storing an
 * entry take about twice as long as JSON.stringify and the write alone.
 */
export function asciiJson(json: string): Buffer {
  const at: number[] = [];
  NON_ASCII_ALL.lastIndex = 0;
  for (let m = NON_ASCII_ALL.exec(json); m; m = NON_ASCII_ALL.exec(json)) at.push(m.index);
  if (!at.length) return Buffer.from(json, 'latin1');
  const bytes = Buffer.allocUnsafe(json.length + 5 * at.length);
  let offset = 0;
  let last = 0;
  for (const i of at) {
    // Everything between the escapes is ASCII: one byte per character.
    offset += bytes.write(json.slice(last, i), offset, 'latin1');
    offset += bytes.write(`\\u${json.charCodeAt(i).toString(16).padStart(4, '0')}`, offset, 'latin1');
    last = i + 1;
  }
  bytes.write(json.slice(last), offset, 'latin1');
  return bytes;
}

/** Where an entry of a pack is: the pack's file name, the offset of its header and its length (header and texts). */
interface PackedAt {
  readonly pack: string;
  readonly offset: number;
  readonly length: number;
  /** The header's length (the texts follow it). */
  readonly header: number;
}

/** What a process knows of one group's packs: where each key is, and the packs it read. */
interface PackGroup {
  readonly entries: Map<string, PackedAt>;
  /** Pack → its size when scanned (or written to). */
  readonly packs: Map<string, number>;
  /** Keys read or written by this process. */
  readonly used: Set<string>;
}

/**
 * Rendered tenants, packed: the entries of one group (an environment's tenants rendered with one
 * platform description and code version: the `group` of {@link get} and {@link put}) are appended to
 * pack files, each synth appending to a pack of its own (`<group>-<pid>-<time>-<sequence>.pack`). At a thousand
 * tenants a file per entry was 3,000 files created and renamed per full synth: storing took
 * 1.2-1.5 s (serializing included), appending the same bytes to a few files some 0.06 s.
 *
 * An entry is `ceres-tenant 4 <key> <header length> <texts length>\n`, the header (ASCII JSON: folders
 * and their objects as checked) and the texts (YAML, Markdown) one after the other as UTF-8. A pack is read by its
 * entries' first lines (a read of a few hundred bytes each), and an entry by one positioned read. An
 * entry cut short (a synth killed mid-write) ends what is read of its pack. {@link prune}, once a
 * synth is done, rewrites a group's packs when they hold more bytes no synth used than used ones
 * (or too many packs), and removes groups no synth used lately. The tables of memoized constructs
 * (lib/core/memo.ts) are kept here too, a file each.
 */
export class TenantEntries implements FragmentTables {
  /** Tables kept beyond those this process used, at least (other branches, other environments' runs). */
  public static readonly SPARE = 256;
  /** Groups kept beyond those this process used (other environments, branches, code versions). */
  public static readonly SPARE_GROUPS = 12;
  /** Packs a group may have before {@link prune} rewrites it into one. */
  public static readonly MAX_PACKS = 8;
  /** Tables read or written by this process (file names). */
  private readonly used = new Set<string>();
  private readonly groups = new Map<string, PackGroup>();
  /** Open descriptors, by pack file name. */
  private readonly fds = new Map<string, number>();
  /** This process's pack of each group (file name). */
  private readonly writing = new Map<string, string>();
  /** The tables of memoized constructs (lib/core/memo.ts) are kept here too: {@link load}, {@link save}. */
  public readonly tables: FragmentTables = this;

  constructor(
    private readonly dir: string,
    private readonly makeKey: (kind: string, parts: unknown[]) => string,
  ) {}

  /** The key of output that is a function of `parts` and the code. */
  public key(kind: string, ...parts: unknown[]): string {
    return this.makeKey(kind, parts);
  }

  /**
   * The tenant stored under `key` in `group`, or undefined (absent, or not a whole entry of this
   * format: then it is rendered again).
   */
  public get(key: string, group = ''): RenderedTenant | undefined {
    let g = this.group(group);
    let at = g.entries.get(key);
    if (!at) return undefined;
    try {
      // A pack removed since it was scanned (the cache deleted, another synth's prune): the group is read again.
      if (fstatSync(this.fd(at.pack)).nlink === 0) {
        const used = this.forget(group);
        g = this.group(group);
        for (const k of used) g.used.add(k);
        at = g.entries.get(key);
        if (!at) return undefined;
      }
      // The header only: the texts are read when asked for (a file the tree already has is never read,
      // TreeWriter.writeKnown), each at its place in the pack.
      const header = Buffer.allocUnsafe(at.header);
      if (readSync(this.fd(at.pack), header, 0, at.header, at.offset) !== at.header) return undefined;
      // The header is ASCII (below): decoded as one-byte text, several times faster than UTF-8.
      if (!isAscii(header)) return undefined;
      const { tenant, sizes } = JSON.parse(header.toString('latin1')) as { tenant: StoredTenant; sizes: number[] };
      // Where each text starts; they must end exactly where the entry does.
      const starts: number[] = [];
      let end = at.offset + at.header;
      for (const size of sizes) {
        if (!Number.isSafeInteger(size) || size < 0) return undefined;
        starts.push(end);
        end += size;
      }
      if (end !== at.offset + at.length) return undefined;
      const pack = at.pack;
      const text = (i: number): string => {
        if (!Number.isInteger(i) || i < 0 || i >= sizes.length) throw new Error('not an entry of ours');
        return this.readText(pack, starts[i], sizes[i]);
      };
      const rendered: RenderedTenant = {
        tenantId: tenant.tenantId,
        folders: tenant.folders.map((f) => ({
          ...f,
          manifests: f.manifests.map((m): RenderedFile => {
            const checkedBy = tenant.checkedBy[m.checkedBy];
            if (!Array.isArray(m.checked) || !Number.isInteger(m.checkedBy) || typeof checkedBy !== 'string') throw new Error('not an entry of ours');
            const i = m.yaml;
            if (!Number.isInteger(i) || i < 0 || i >= sizes.length) throw new Error('not an entry of ours');
            return {
              file: m.file,
              checked: m.checked,
              checkedBy,
              key: renderedFileKey(group, key, f, m.file),
              get yaml() {
                return text(i);
              },
            };
          }),
          files: f.files.map(([file, i]) => [file, text(i)] as const),
        })),
      };
      g.used.add(key);
      return rendered;
    } catch {
      return undefined;
    }
  }

  /**
   * The UTF-8 text of `size` bytes at `offset` of `pack` (a text of an entry read by {@link get}, read
   * when asked for). The pack is open since {@link get} read the entry; packs are only appended to, and
   * one rewritten by a prune is a new file, so the bytes are those the entry was written with.
   */
  private readText(pack: string, offset: number, size: number): string {
    const bytes = Buffer.allocUnsafe(size);
    if (readSync(this.fd(pack), bytes, 0, size, offset) !== size) throw new Error(`the render cache's ${pack} ended before an entry it had when read`);
    return bytes.toString('utf8');
  }

  /**
   * Stores a rendered tenant under `key` in `group`: appended to this process's pack of the group, as
   * one write. Its objects and folders as JSON in ASCII, then its files' texts as they are.
   */
  public put(key: string, value: RenderedTenant, group = ''): void {
    let pack: string | undefined;
    try {
      const g = this.group(group);
      const texts: string[] = [];
      const checkedBy: string[] = [];
      const signature = (by: string): number => {
        const i = checkedBy.indexOf(by);
        return i >= 0 ? i : checkedBy.push(by) - 1;
      };
      const tenant: StoredTenant = {
        tenantId: value.tenantId,
        checkedBy,
        folders: value.folders.map((f) => ({
          ...f,
          // The objects as checked, not the objects: what the checks need of them is kept (lib/core/checks.ts).
          manifests: f.manifests.map((m) => ({ file: m.file, checked: m.checked, checkedBy: signature(m.checkedBy), yaml: texts.push(m.yaml) - 1 })),
          files: f.files.map(([n, content]) => [n, texts.push(content) - 1] as const),
        })),
      };
      // The texts encoded one after the other into the kept buffer (at most three bytes per UTF-16
      // code unit), their sizes taken as they go.
      let room = 0;
      for (const t of texts) room += 3 * t.length;
      const piece = encodeBuffer(room);
      const sizes: number[] = [];
      let used = 0;
      for (const t of texts) {
        const n = piece.write(t, used, 'utf8');
        sizes.push(n);
        used += n;
      }
      const body = piece.subarray(0, used);
      const header = asciiJson(JSON.stringify({ tenant, sizes }));
      const line = Buffer.from(`${TENANT_MAGIC} ${key} ${header.length} ${body.length}\n`, 'latin1');
      pack = this.writing.get(group);
      if (!pack) {
        mkdirSync(this.dir, { recursive: true });
        pack = newPackName(this.groupName(group));
        this.fds.set(pack, openSync(join(this.dir, pack), 'a+'));
        this.writing.set(group, pack);
        g.packs.set(pack, 0);
      }
      const size = g.packs.get(pack)!;
      const length = line.length + header.length + body.length;
      // One call, the three pieces as they are (no copy into one buffer).
      if (writevSync(this.fd(pack), [line, header, body]) !== length) throw new Error('short write');
      g.packs.set(pack, size + length);
      g.entries.set(key, { pack, offset: size + line.length, length: header.length + body.length, header: header.length });
      g.used.add(key);
    } catch {
      // A cache that cannot be written is only slower; what follows a failed write goes to a new pack
      // (a pack is read up to its first entry that is not whole).
      if (pack) this.writing.delete(group);
    }
  }

  /** The file name prefix of a group's packs: its name with the code's version (a key). */
  private groupName(group: string): string {
    return this.makeKey('tenants', [group]);
  }

  /** Forgets what this process knew of a group's packs (and stops appending to its own). */
  private forget(group: string): ReadonlySet<string> {
    const g = this.groups.get(group);
    if (!g) return new Set();
    for (const pack of g.packs.keys()) {
      const fd = this.fds.get(pack);
      if (fd !== undefined) closeSync(fd);
      this.fds.delete(pack);
    }
    this.writing.delete(group);
    this.groups.delete(group);
    return g.used;
  }

  private fd(pack: string): number {
    let fd = this.fds.get(pack);
    if (fd === undefined) this.fds.set(pack, (fd = openSync(join(this.dir, pack), 'r')));
    return fd;
  }

  /** A group as this process knows it: its packs scanned the first time it is asked for. */
  private group(group: string): PackGroup {
    let g = this.groups.get(group);
    if (g) return g;
    g = { entries: new Map(), packs: new Map(), used: new Set() };
    this.groups.set(group, g);
    const prefix = `${this.groupName(group)}-`;
    let names: string[] = [];
    try {
      names = readdirSync(this.dir).filter((f) => f.startsWith(prefix) && f.endsWith(PACK));
    } catch {
      return g;
    }
    // Oldest first (the time in the name; then by name): a key stored twice is read where it was stored last.
    names.sort((a, b) => packTime(a) - packTime(b) || packSequence(a) - packSequence(b) || (a < b ? -1 : 1));
    for (const pack of names) this.scan(pack, g);
    return g;
  }

  /** Reads where a pack's entries are (their first lines), up to the end or the first that is not whole. */
  private scan(pack: string, g: PackGroup): void {
    try {
      const fd = this.fd(pack);
      const size = fstatSync(fd).size;
      const line = Buffer.allocUnsafe(LINE_MAX);
      let offset = 0;
      while (offset < size) {
        const n = readSync(fd, line, 0, Math.min(LINE_MAX, size - offset), offset);
        const end = line.subarray(0, n).indexOf(10);
        const m = end < 0 ? null : ENTRY_LINE.exec(line.toString('latin1', 0, end));
        if (!m) break;
        const headerLength = Number(m[2]);
        const length = headerLength + Number(m[3]);
        const start = offset + end + 1;
        if (start + length > size) break;
        g.entries.set(m[1], { pack, offset: start, length, header: headerLength });
        offset = start + length;
      }
      g.packs.set(pack, offset);
    } catch {
      /* an unreadable pack serves nothing */
    }
  }

  /** The name of a chart's table of memoized constructs (lib/core/memo.ts). */
  public tableName(...parts: unknown[]): string {
    return this.makeKey('fragments', parts);
  }

  /**
   * A chart's table of memoized constructs: its keys and objects as JSON, then each object's
   * YAML document, one after the other (as a tenant's entry). Undefined when absent or not whole.
   */
  public load(name: string): Map<string, Fragment> | undefined {
    const file = `${name}${TABLE}`;
    try {
      const entry = framed(readFileSync(join(this.dir, file)), TABLE_MAGIC);
      if (!entry) return undefined;
      // Mostly ASCII, then decoded as one-byte text (several times faster than UTF-8).
      const { entries, sizes } = JSON.parse(entry.header.toString(isAscii(entry.header) ? 'latin1' : 'utf8')) as {
        entries: [string, CheckedObject[]][];
        sizes: number[];
      };
      // The documents stay bytes: a file is put together from them without decoding them (render.ts).
      const texts = entry.pieces(sizes);
      if (!texts) return undefined;
      const out = new Map<string, Fragment>();
      let at = 0;
      for (const [key, checked] of entries) {
        const docs = texts.slice(at, (at += checked.length));
        if (docs.length !== checked.length) return undefined;
        out.set(key, { checked, docs });
      }
      if (at !== texts.length) return undefined;
      this.used.add(file);
      return out;
    } catch {
      return undefined;
    }
  }

  /**
   * Stores a chart's table (atomically), replacing what was under `name`. Written in pieces (the
   * header as UTF-8 text, the documents about a megabyte at a time): a cluster's table at a thousand
   * tenants is some 10 MB, and encoding it into one buffer first held that much again outside the heap.
   */
  public save(name: string, fragments: ReadonlyMap<string, Fragment>): void {
    const file = `${name}${TABLE}`;
    const entries: [string, readonly CheckedObject[]][] = [];
    const texts: (string | Buffer)[] = [];
    for (const [key, f] of fragments) {
      entries.push([key, f.checked]);
      texts.push(...f.docs);
    }
    const header = JSON.stringify({ entries, sizes: texts.map((t) => (typeof t === 'string' ? Buffer.byteLength(t, 'utf8') : t.length)) });
    if (writeFramed(this.dir, join(this.dir, file), TABLE_MAGIC, header, texts)) this.used.add(file);
  }

  /**
   * Once a synth is done: rewrites each group it used into one pack of the entries it used when its
   * packs hold more bytes of others (earlier versions of edited tenants, removed tenants), or merges
   * all but its largest pack when they are more than {@link TenantEntries.MAX_PACKS} (a pack per edit); removes the packs of groups no synth used lately (beyond the
   * {@link TenantEntries.SPARE_GROUPS} newest) and the oldest tables it did not use, keeping as many
   * as it used (at least {@link TenantEntries.SPARE}). Closes what it opened.
   */
  public prune(): void {
    try {
      const now = new Date();
      for (const [group, g] of this.groups) {
        if (!g.used.size) continue;
        let live = 0;
        for (const key of g.used) live += g.entries.get(key)?.length ?? 0;
        let total = 0;
        for (const size of g.packs.values()) total += size;
        if (total - live > live) this.compact(group, g);
        else if (g.packs.size > TenantEntries.MAX_PACKS) {
          // Many small packs (one per edit): merged, the largest (a full synth's) left as it is.
          const largest = [...g.packs].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
          this.compact(group, g, largest);
        }
        for (const pack of g.packs.keys()) utimesSync(join(this.dir, pack), now, now);
      }
      this.close();
      const usedPrefixes = [...this.groups].filter(([, g]) => g.used.size).map(([group]) => `${this.groupName(group)}-`);
      const others = new Map<string, { t: number; packs: string[] }>();
      const tables: { f: string; t: number }[] = [];
      const names = readdirSync(this.dir);
      removeAbandoned(this.dir, names);
      for (const f of names) {
        // Entries of the older formats (one JSON document; one file per tenant) are never read again.
        if (f.endsWith('.json') || f.endsWith(OLD_TENANT)) rmSync(join(this.dir, f), { force: true });
        else if (f.endsWith(PACK)) {
          if (usedPrefixes.some((p) => f.startsWith(p))) continue;
          // `<group>-<pid>-<time>-<sequence>.pack`, the group's name being a key (`tenants-<digest>`).
          const group = f.slice(0, f.indexOf('-', f.indexOf('-') + 1));
          const t = statSync(join(this.dir, f)).mtimeMs;
          const o = others.get(group) ?? { t: 0, packs: [] };
          o.t = Math.max(o.t, t);
          o.packs.push(f);
          others.set(group, o);
        } else if (f.endsWith(TABLE)) {
          if (this.used.has(f)) utimesSync(join(this.dir, f), now, now);
          else tables.push({ f, t: statSync(join(this.dir, f)).mtimeMs });
        }
      }
      const groups = [...others].sort((a, b) => b[1].t - a[1].t || (a[0] < b[0] ? -1 : 1));
      for (const [, o] of groups.slice(TenantEntries.SPARE_GROUPS)) for (const f of o.packs) rmSync(join(this.dir, f), { force: true });
      tables.sort((a, b) => b.t - a.t || (a.f < b.f ? -1 : 1));
      for (const e of tables.slice(Math.max(TenantEntries.SPARE, this.used.size))) rmSync(join(this.dir, e.f), { force: true });
    } catch {
      // Pruning is best effort.
    } finally {
      this.close();
      this.groups.clear();
      this.used.clear();
    }
  }

  /**
   * Rewrites a group's used entries into one new pack (copied as they are), then removes the packs it
   * had; the entries in `keep` (a pack) stay there, and it stays.
   */
  private compact(group: string, g: PackGroup, keep?: string): void {
    const pack = newPackName(this.groupName(group));
    const tmp = join(this.dir, `${pack}.${process.pid}.tmp`);
    const fd = openSync(tmp, 'w');
    try {
      for (const key of [...g.used].sort()) {
        const at = g.entries.get(key);
        if (!at || at.pack === keep) continue;
        const bytes = Buffer.allocUnsafe(at.length);
        if (readSync(this.fd(at.pack), bytes, 0, at.length, at.offset) !== at.length) continue;
        writeSync(fd, `${TENANT_MAGIC} ${key} ${at.header} ${at.length - at.header}\n`, null, 'latin1');
        writeSync(fd, bytes);
      }
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, pack));
    for (const old of g.packs.keys()) if (old !== keep) rmSync(join(this.dir, old), { force: true });
    const kept = keep === undefined ? undefined : g.packs.get(keep);
    g.packs.clear();
    if (keep !== undefined) g.packs.set(keep, kept!);
    g.packs.set(pack, 0);
  }

  /** Closes the packs this process opened (a later get or put opens them again). */
  public close(): void {
    for (const fd of this.fds.values()) {
      try {
        closeSync(fd);
      } catch {
        /* closed already */
      }
    }
    this.fds.clear();
    this.writing.clear();
  }
}

/** Packs this process named. */
let packs = 0;

/** A new pack's name: `<group>-<pid>-<time>-<sequence>.pack` (never one this process or another used). */
function newPackName(group: string): string {
  return `${group}-${process.pid}-${Date.now().toString(36)}-${++packs}${PACK}`;
}

/** The time in a pack's name (see {@link newPackName}), in milliseconds. */
function packTime(name: string): number {
  const m = /-([0-9a-z]+)-\d+\.pack$/.exec(name);
  return m ? parseInt(m[1], 36) : 0;
}

/** The sequence number in a pack's name. */
function packSequence(name: string): number {
  const m = /-(\d+)\.pack$/.exec(name);
  return m ? Number(m[1]) : 0;
}
