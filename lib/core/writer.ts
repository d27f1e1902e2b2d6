import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface WriteOptions {
  /** Called after the new tree is complete and before the swap (tests use it to simulate a crash). */
  readonly beforeSwap?: () => void;
}

const TMP_PREFIX = '.dist-tmp-';
const OLD_PREFIX = '.dist-old-';

/**
 * Replaces `distDir` with exactly `files` (paths relative to it → content): the new tree is written
 * to a temporary sibling, then swapped in with two renames, and the old tree removed. Files of
 * removed resources disappear; a failure before the swap leaves `distDir` byte-for-byte untouched.
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
  try {
    const dirs = new Set<string>();
    for (const path of [...files.keys()].sort()) {
      if (path.startsWith('/') || path.split('/').includes('..')) throw new Error(`refusing to write outside ${base}/: ${path}`);
      const target = join(tmp, path);
      const dir = dirname(target);
      if (!dirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        dirs.add(dir);
      }
      writeFileSync(target, files.get(path)!);
    }
    if (!dirs.size) mkdirSync(tmp, { recursive: true });
    options.beforeSwap?.();
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const hadDist = existsSync(distDir);
  if (hadDist) renameSync(distDir, old);
  try {
    renameSync(tmp, distDir);
  } catch (err) {
    if (hadDist) renameSync(old, distDir);
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  if (hadDist) rmSync(old, { recursive: true, force: true });
}
