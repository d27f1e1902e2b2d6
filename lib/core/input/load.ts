import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { InputError } from '../errors';
import { InputFile } from './documents';

/**
 * Reads every `*.yaml` / `*.yml` file of a directory (not recursive), in name order. Paths in the
 * result (and so in error messages) are relative to `root` when inside it, with forward slashes.
 */
export function readInputDirectory(dir: string, root: string): InputFile[] {
  const fromRoot = relative(root, dir);
  // Inside the project, paths are relative (stable in messages and tests); elsewhere, as given.
  const rel = fromRoot.startsWith('..') || isAbsolute(fromRoot) ? dir : fromRoot.split('\\').join('/') || '.';
  if (!existsSync(dir)) throw new InputError([{ file: rel, message: 'the tenant input directory does not exist' }]);
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => e.name)
    .sort()
    .map((name) => ({ path: `${rel}/${name}`, content: readFileSync(join(dir, name), 'utf8') }));
}
