import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeManifest } from './checks';
import type { Fragment, FragmentTables } from './memo';
import type { RenderedTenant, RenderedTenantFolder } from './tenant-render';

/** A rendered tenant as its entry's header holds it: each text replaced by its index among the texts after the header. */
interface StoredTenant {
  readonly tenantId: string;
  readonly folders: readonly (Omit<RenderedTenantFolder, 'manifests' | 'files'> & {
    readonly manifests: readonly { readonly file: string; readonly manifests: RenderedTenantFolder['manifests'][number]['manifests']; readonly yaml: number }[];
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
   * The files stored under `key` with {@link putFiles}, and the `meta` stored with them; undefined
   * when absent, unreadable or not whole.
   */
  public getFiles<M>(key: string): { files: [string, string][]; meta: M } | undefined {
    const file = join(this.dir, `${key}${FILES}`);
    try {
      const entry = framed(readFileSync(file), FILES_MAGIC);
      if (!entry) return undefined;
      const header = JSON.parse(entry.header.toString('utf8')) as { meta: M; sizes: [string, number][] };
      const texts = entry.texts(header.sizes.map(([, size]) => size));
      if (!texts) return undefined;
      touch(file);
      return { files: header.sizes.map(([path], i) => [path, texts[i]]), meta: header.meta };
    } catch {
      return undefined;
    }
  }

  /**
   * Stores files (path, text) and `meta` (JSON) under `key`, atomically, then prunes. The texts are
   * written as they are, one after the other, with their byte lengths in a header: an environment's
   * files at 1000 tenants are some 60 MB, which as one JSON document took about a second to write
   * (escaping every line break and quote, and transcoding the whole document once a single
   * character beyond Latin-1 made it two-byte) and as long to read back (prod's 65 MB: written in
   * 1.6-1.7 s and read in 1.2 s as JSON, 0.5 s each way now).
   */
  public putFiles(key: string, files: Iterable<readonly [string, string]>, meta: unknown): void {
    const list = [...files];
    const header = JSON.stringify({ meta, sizes: list.map(([path, text]) => [path, Buffer.byteLength(text, 'utf8')]) });
    if (
      writeFramed(
        this.dir,
        join(this.dir, `${key}${FILES}`),
        FILES_MAGIC,
        header,
        list.map(([, text]) => text),
      )
    )
      this.prune();
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

const NON_ASCII_ALL = /[\u0080-\uffff]/g;

/** The extension of entries written by {@link RenderCache.putFiles}. */
const FILES = '.files';
/** The extension of a rendered tenant's entry ({@link TenantEntries}). */
const TENANT = '.tenant';
/** The first words of the entries' first lines: format and version. */
const FILES_MAGIC = 'ceres-files 1';
const TENANT_MAGIC = 'ceres-tenant 1';
/** The extension and first words of a chart's table of memoized constructs ({@link TenantEntries.load}). */
const TABLE = '.fragments';
const TABLE_MAGIC = 'ceres-fragments 1';
/** Characters written at a time by {@link RenderCache.putFiles}. */
const PIECE = 1 << 20;

/**
 * An entry of the framed formats: `<magic> <header length>\n`, the header (JSON), then texts one after
 * the other, whose UTF-8 lengths `sizes` (in the header) gives. Returns the header's bytes and a reader
 * of the texts, or undefined when the first line is not `magic`'s.
 */
function framed(bytes: Buffer, magic: string): { header: Buffer; texts: (sizes: readonly number[]) => string[] | undefined } | undefined {
  const lineEnd = bytes.indexOf(10);
  if (lineEnd < 0) return undefined;
  const head = /^(.*) (\d+)$/.exec(bytes.toString('latin1', 0, lineEnd));
  if (!head || head[1] !== magic) return undefined;
  const start = lineEnd + 1 + Number(head[2]);
  return {
    header: bytes.subarray(lineEnd + 1, start),
    texts: (sizes) => {
      let offset = start;
      const texts = sizes.map((size) => bytes.toString('utf8', offset, (offset += size)));
      // Cut short, or longer than written: not an entry of ours.
      return offset === bytes.length ? texts : undefined;
    },
  };
}

/** The first line and header of a framed entry (see {@link framed}), as bytes. */
function frameHeader(magic: string, header: Buffer): Buffer[] {
  return [Buffer.from(`${magic} ${header.length}\n`, 'latin1'), header];
}

/**
 * Writes a framed entry (see {@link framed}) to `file` atomically: the header as UTF-8 text, then the
 * texts about a megabyte at a time (neither one large copy of them outside the heap nor a call per
 * text), to a temporary file renamed into place. Returns whether it was written: a cache that cannot
 * be written is only slower.
 */
function writeFramed(dir: string, file: string, magic: string, header: string, texts: readonly string[]): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  let fd: number | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    fd = openSync(tmp, 'w');
    writeSync(fd, `${magic} ${Buffer.byteLength(header, 'utf8')}\n`);
    writeSync(fd, header);
    let piece = '';
    for (const text of texts) {
      piece += text;
      if (piece.length >= PIECE) {
        writeSync(fd, piece);
        piece = '';
      }
    }
    if (piece) writeSync(fd, piece);
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

/**
 * Rendered tenants, one file each (thousands at a thousand tenants: the environment entries' pruning
 * after every write would be quadratic). Entries read or written are marked used; {@link prune},
 * once a synth is done, keeps those and as many others, the newest (at least {@link TenantEntries.SPARE}).
 */
export class TenantEntries implements FragmentTables {
  /** Entries kept beyond those this process used, at least (other branches, other environments' runs). */
  public static readonly SPARE = 256;
  private readonly used = new Set<string>();
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
   * The tenant stored under `key`, or undefined (absent, or not a whole entry of this format: then it
   * is rendered again).
   */
  public get(key: string): RenderedTenant | undefined {
    const name = `${key}${TENANT}`;
    try {
      const entry = framed(readFileSync(join(this.dir, name)), TENANT_MAGIC);
      // The header is ASCII (below): decoded as one-byte text, several times faster than UTF-8.
      if (!entry || !isAscii(entry.header)) return undefined;
      const { tenant, sizes } = JSON.parse(entry.header.toString('latin1')) as { tenant: StoredTenant; sizes: number[] };
      const texts = entry.texts(sizes);
      if (!texts) return undefined;
      const text = (i: number): string => {
        if (texts[i] === undefined) throw new Error('not an entry of ours');
        return texts[i];
      };
      const rendered: RenderedTenant = {
        tenantId: tenant.tenantId,
        folders: tenant.folders.map((f) => ({
          ...f,
          manifests: f.manifests.map((m) => ({ file: m.file, manifests: m.manifests, yaml: text(m.yaml) })),
          files: f.files.map(([file, i]) => [file, text(i)] as const),
        })),
      };
      this.used.add(name);
      return rendered;
    } catch {
      return undefined;
    }
  }

  /**
   * Stores a rendered tenant under `key` (atomically): its objects and folders as JSON in ASCII, then
   * its files' texts (YAML, Markdown) as they are, one after the other. As one JSON document (texts
   * escaped into it) storing a tenant took about twice as long and reading it back a fifth longer.
   */
  public put(key: string, value: RenderedTenant): void {
    try {
      if (!this.used.size) mkdirSync(this.dir, { recursive: true });
      const name = `${key}${TENANT}`;
      const file = join(this.dir, name);
      const tmp = `${file}.${process.pid}.tmp`;
      const texts: string[] = [];
      const tenant: StoredTenant = {
        tenantId: value.tenantId,
        folders: value.folders.map((f) => ({
          ...f,
          manifests: f.manifests.map((m) => ({ file: m.file, manifests: m.manifests, yaml: texts.push(m.yaml) - 1 })),
          files: f.files.map(([n, content]) => [n, texts.push(content) - 1] as const),
        })),
      };
      const header = asciiJson(JSON.stringify({ tenant, sizes: texts.map((t) => Buffer.byteLength(t, 'utf8')) }));
      writeFileSync(tmp, Buffer.concat([...frameHeader(TENANT_MAGIC, header), Buffer.from(texts.join(''), 'utf8')]));
      renameSync(tmp, file);
      this.used.add(name);
    } catch {
      // A cache that cannot be written is only slower.
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
        entries: [string, KubeManifest[]][];
        sizes: number[];
      };
      const texts = entry.texts(sizes);
      if (!texts) return undefined;
      const out = new Map<string, Fragment>();
      let at = 0;
      for (const [key, manifests] of entries) {
        const docs = texts.slice(at, (at += manifests.length));
        if (docs.length !== manifests.length) return undefined;
        out.set(key, { manifests, docs });
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
    const entries: [string, readonly KubeManifest[]][] = [];
    const texts: string[] = [];
    for (const [key, f] of fragments) {
      entries.push([key, f.manifests]);
      texts.push(...f.docs);
    }
    const header = JSON.stringify({ entries, sizes: texts.map((t) => Buffer.byteLength(t, 'utf8')) });
    if (writeFramed(this.dir, join(this.dir, file), TABLE_MAGIC, header, texts)) this.used.add(file);
  }

  /** Deletes the oldest entries this process did not use, keeping as many as it used (at least {@link TenantEntries.SPARE}), and marks the used ones new. */
  public prune(): void {
    try {
      const now = new Date();
      const others: { f: string; t: number }[] = [];
      const names = readdirSync(this.dir);
      removeAbandoned(this.dir, names);
      for (const f of names) {
        // Entries of the older format (one JSON document) are never read again.
        if (f.endsWith('.json')) rmSync(join(this.dir, f), { force: true });
        if (!f.endsWith(TENANT) && !f.endsWith(TABLE)) continue;
        if (this.used.has(f)) utimesSync(join(this.dir, f), now, now);
        else others.push({ f, t: statSync(join(this.dir, f)).mtimeMs });
      }
      others.sort((a, b) => b.t - a.t || (a.f < b.f ? -1 : 1));
      for (const e of others.slice(Math.max(TenantEntries.SPARE, this.used.size))) rmSync(join(this.dir, e.f), { force: true });
    } catch {
      // Pruning is best effort.
    }
  }
}
