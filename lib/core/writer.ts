import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { terraformWorkingEntries } from './tree';

export interface WriteOptions {
  /** Called after the new tree is complete and before the swap (tests use it to simulate a crash). */
  readonly beforeSwap?: () => void;
  /**
   * Entries of the current tree (paths relative to it, files or folders) to keep in the new one.
   * @default Terraform's working files of every stack folder that is still written (`.terraform/`,
   * `.terraform.lock.hcl`, plans, state): a synth never costs a `terraform init`
   */
  readonly carryOver?: (current: string, files: ReadonlyMap<string, string>) => readonly string[];
}

/**
 * Whether the file at `path` holds exactly `content` (UTF-8); false when it is absent, not a regular
 * file, or differs (the size is compared first, so most changed files are never read).
 */
function sameContent(path: string, content: string): boolean {
  try {
    const st = lstatSync(path);
    if (!st.isFile() || st.size !== Buffer.byteLength(content)) return false;
    return readFileSync(path, 'utf8') === content;
  } catch {
    return false;
  }
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
export function writeTreeAtomically(distDir: string, files: ReadonlyMap<string, string>, options: WriteOptions = {}): void {
  const parent = dirname(distDir);
  const base = basename(distDir);
  mkdirSync(parent, { recursive: true });
  // Leftovers of an interrupted run are never part of the output.
  for (const entry of readdirSync(parent)) {
    if (entry.startsWith(`${TMP_PREFIX}${base}-`) || entry.startsWith(`${OLD_PREFIX}${base}-`)) {
      rmSync(join(parent, entry), { recursive: true, force: true });
    }
  }
  const tmp = join(parent, `${TMP_PREFIX}${base}-${process.pid}`);
  const old = join(parent, `${OLD_PREFIX}${base}-${process.pid}`);
  const moved: string[] = [];
  const moveBack = () => {
    for (const rel of moved.splice(0)) if (existsSync(join(tmp, rel)) && !existsSync(join(distDir, rel))) renameSync(join(tmp, rel), join(distDir, rel));
  };
  try {
    const dirs = new Set<string>();
    let link = existsSync(distDir) && lstatSync(distDir).isDirectory();
    for (const path of [...files.keys()].sort()) {
      if (path.startsWith('/') || path.split('/').includes('..')) throw new Error(`refusing to write outside ${base}/: ${path}`);
      const target = join(tmp, path);
      const dir = dirname(target);
      if (!dirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        dirs.add(dir);
      }
      const content = files.get(path)!;
      const current = join(distDir, path);
      if (link && sameContent(current, content)) {
        try {
          linkSync(current, target);
          continue;
        } catch {
          link = false;
        }
      }
      writeFileSync(target, content);
    }
    if (!dirs.size) mkdirSync(tmp, { recursive: true });
    options.beforeSwap?.();
    const keep = existsSync(distDir) ? (options.carryOver ?? terraformCarryOver)(distDir, files) : [];
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
}
