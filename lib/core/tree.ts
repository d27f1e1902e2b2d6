import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Terraform's working files in a stack folder (`dist/terraform/<stack>/`): never synthesized, kept
 * across synths (the writer carries them over) and left out of every comparison. `.terraform/`
 * (providers, modules) and plans are gitignored; `.terraform.lock.hcl` is committed per stack.
 */
export const TERRAFORM_WORKING_FILES: readonly RegExp[] = [
  /^\.terraform$/,
  /^\.terraform\.lock\.hcl$/,
  /^\.terraform\.tfstate\.lock\.info$/,
  /\.tfplan$/,
  /\.tfstate$/,
  /\.tfstate\.backup$/,
];

/** Whether a name directly inside `terraform/<stack>/` is one of Terraform's working files. */
export function isTerraformWorkingFile(name: string): boolean {
  return TERRAFORM_WORKING_FILES.some((re) => re.test(name));
}

/**
 * Whether a path relative to dist/ is synthesized output: not hidden (no segment starting with
 * `.`) and not a Terraform working file of a stack folder.
 */
export function isGeneratedPath(path: string): boolean {
  const parts = path.split('/');
  if (parts.some((p) => p.startsWith('.'))) return false;
  return !(parts[0] === 'terraform' && parts.length === 3 && isTerraformWorkingFile(parts[2]));
}

/**
 * The paths (relative, forward slashes) of the files under `dir` that synth writes and `filter`
 * takes, in the order {@link readTree} reads them: hidden entries and Terraform's working files
 * (`.terraform/`, lock file, plans, state) are never synthesized and are skipped.
 */
export function listTree(dir: string, filter: (path: string) => boolean = () => true): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (!isGeneratedPath(p)) continue;
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && filter(p)) out.push(p);
    }
  };
  walk('');
  return out;
}

/**
 * Reads every file under `dir` into a map of relative path (forward slashes) → content, as
 * {@link listTree} lists them. With `same` (the tree about to replace it), a file whose content is
 * the one `same` has at its path is given as `same`'s string: an edit's unchanged files are then held
 * once, not twice (at a thousand tenants the tree is some 200 MB of text), and compared by reference.
 */
export function readTree(dir: string, filter: (path: string) => boolean = () => true, same?: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of listTree(dir, filter)) {
    const text = readFileSync(join(dir, p), 'utf8');
    const next = same?.get(p);
    out.set(p, next === text ? next : text);
  }
  return out;
}

/**
 * Terraform working files and folders present in `dir` (a dist/ folder), relative to it
 * (`terraform/prod-aws/.terraform`, `terraform/prod-aws/plan.tfplan`): what the writer carries over.
 */
export function terraformWorkingEntries(dir: string): string[] {
  const root = join(dir, 'terraform');
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const stack of readdirSync(root, { withFileTypes: true })) {
    if (!stack.isDirectory()) continue;
    for (const e of readdirSync(join(root, stack.name))) if (isTerraformWorkingFile(e)) out.push(`terraform/${stack.name}/${e}`);
  }
  return out.sort();
}

export interface TreeDiff {
  /** Paths only in the new tree, sorted. */
  readonly added: string[];
  /** Paths only in the current tree, sorted. */
  readonly removed: string[];
  /** Paths in both whose contents differ, sorted. */
  readonly changed: string[];
}

/** Which files `next` adds to, removes from and changes in `current` (sorted paths). */
export function compareTree(current: ReadonlyMap<string, string>, next: ReadonlyMap<string, string>): TreeDiff {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  for (const [p, c] of next) {
    if (!current.has(p)) added.push(p);
    else if (current.get(p) !== c) changed.push(p);
  }
  for (const p of current.keys()) if (!next.has(p)) removed.push(p);
  return { added: added.sort(), removed: removed.sort(), changed: changed.sort() };
}
