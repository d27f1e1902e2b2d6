import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { terraformWorkingEntries } from './tree';

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
}

/**
 * Whether the file at `path` holds exactly the bytes of `content` (UTF-8); false when it is absent,
 * not a regular file, or differs (the size is compared first, so most changed files are never read).
 */
function sameContent(path: string, content: string): boolean {
  try {
    const st = lstatSync(path);
    if (!st.isFile() || st.size !== Buffer.byteLength(content)) return false;
    // Bytes, not decoded text: a file with invalid UTF-8 must not pass for the same content.
    return readFileSync(path).equals(Buffer.from(content));
  } catch {
    return false;
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
    this.old = join(parent, `${OLD_PREFIX}${this.base}-${process.pid}`);
    mkdirSync(this.tmp, { recursive: true });
    this.link = existsSync(distDir) && lstatSync(distDir).isDirectory();
  }

  /** Writes one file of the new tree (or links the current one when it already has these bytes). */
  public write(path: string, content: string): void {
    if (this.done) throw new Error('the tree was already committed or aborted');
    if (path.startsWith('/') || path.split('/').includes('..')) throw new Error(`refusing to write outside ${this.base}/: ${path}`);
    if (this.paths.has(path)) throw new Error(`${path} is written twice`);
    this.paths.set(path, '');
    const target = join(this.tmp, path);
    const dir = dirname(target);
    if (!this.dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.dirs.add(dir);
    }
    const current = join(this.distDir, path);
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

  /** Removes the temporary tree; `distDir` stays as it was. */
  public abort(): void {
    this.done = true;
    rmSync(this.tmp, { recursive: true, force: true });
  }

  /** Carries over the kept entries and swaps the new tree in; on failure `distDir` stays as it was. */
  public commit(): WriteStats {
    if (this.done) throw new Error('the tree was already committed or aborted');
    this.done = true;
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
    if (hadDist) rmSync(old, { recursive: true, force: true });
    return { written: this.paths.size - this.unchanged, unchanged: this.unchanged };
  }
}
