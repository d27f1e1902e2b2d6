import { spawnSync } from 'node:child_process';
import { posix } from 'node:path';
import { isGeneratedPath } from '../core/tree';

/**
 * Reading a committed dist/ from git without a checkout (`git ls-tree` and one `git cat-file
 * --batch`), and finding the revision a branch is reviewed against.
 */

/** Git could not answer: not a repository, an unknown revision, a shallow clone without the base. */
export class GitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitError';
  }
}

function git(cwd: string, args: readonly string[], input?: Buffer): { ok: boolean; stdout: Buffer; stderr: string } {
  const res = spawnSync('git', args, { cwd, input, maxBuffer: 1 << 30 });
  if (res.error) throw new GitError(`cannot run git: ${res.error.message}`);
  return { ok: res.status === 0, stdout: res.stdout, stderr: res.stderr.toString('utf8').trim() };
}

const text = (b: Buffer) => b.toString('utf8').trim();

/** Whether `cwd` is inside a git work tree. */
export function isGitRepository(cwd: string): boolean {
  try {
    return git(cwd, ['rev-parse', '--is-inside-work-tree']).ok;
  } catch {
    return false;
  }
}

/** The full commit id of a revision, or undefined when git does not know it. */
export function resolveCommit(cwd: string, rev: string): string | undefined {
  const res = git(cwd, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  return res.ok ? text(res.stdout) : undefined;
}

/** The default branch as a ref git can resolve: origin/HEAD's target, else main or master (local or on origin). */
export function defaultBranch(cwd: string): string | undefined {
  const head = git(cwd, ['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD']);
  if (head.ok) return text(head.stdout).replace(/^refs\/remotes\//, '');
  for (const name of ['main', 'master', 'origin/main', 'origin/master']) if (resolveCommit(cwd, name)) return name;
  return undefined;
}

export interface Base {
  /** The revision as given or chosen (`HEAD`, `origin/main`, `v1.2`). */
  readonly ref: string;
  /** Its commit. */
  readonly commit: string;
  /** How it was chosen, for the headline. */
  readonly description: string;
  /** Whether the base is HEAD itself (on the default branch): only uncommitted changes can show. */
  readonly isHead: boolean;
}

/**
 * The revision to review against: `requested` when given; otherwise the merge-base of HEAD with the
 * default branch, or HEAD itself when on the default branch (or when HEAD has not left it).
 * Throws a {@link GitError} saying what to do when there is no such revision (a shallow clone).
 */
export function findBase(cwd: string, requested?: string): Base {
  if (!isGitRepository(cwd)) throw new GitError(`${cwd} is not inside a git work tree; diff compares with a git revision's dist/ (or use --dist DIR)`);
  const head = resolveCommit(cwd, 'HEAD');
  if (!head) throw new GitError('this repository has no commit yet: there is nothing to compare with');
  const shallow = text(git(cwd, ['rev-parse', '--is-shallow-repository']).stdout) === 'true';
  const fetchHint = shallow ? ' This is a shallow clone: fetch the base (`git fetch --deepen=50 origin <branch>` or `git fetch --unshallow`).' : '';
  if (requested) {
    const commit = resolveCommit(cwd, requested);
    if (!commit)
      throw new GitError(`git does not know the revision ${JSON.stringify(requested)}.${fetchHint || ' Fetch it first (`git fetch origin <branch>`).'}`);
    return { ref: requested, commit, description: `${requested} (${commit.slice(0, 7)})`, isHead: commit === head };
  }
  const branch = defaultBranch(cwd);
  if (!branch) {
    throw new GitError(`cannot tell the default branch (no origin/HEAD, main or master).${fetchHint} Pass --base <ref>, e.g. --base origin/main.`);
  }
  const current = git(cwd, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  const branchShort = branch.replace(/^origin\//, '');
  if (current.ok && text(current.stdout) === branchShort) {
    return { ref: 'HEAD', commit: head, description: `HEAD (${head.slice(0, 7)}, on the default branch ${branchShort})`, isHead: true };
  }
  const mb = git(cwd, ['merge-base', 'HEAD', branch]);
  if (!mb.ok) {
    throw new GitError(`HEAD and ${branch} have no common commit in this clone.${fetchHint || ' Fetch more history, or pass --base <ref>.'}`);
  }
  const commit = text(mb.stdout);
  if (commit === head) return { ref: 'HEAD', commit, description: `HEAD (${head.slice(0, 7)}, not ahead of ${branch})`, isHead: true };
  return { ref: branch, commit, description: `the merge-base with ${branch} (${commit.slice(0, 7)})`, isHead: false };
}

/** The path of `dir` relative to the repository root, with a trailing slash ('' at the root). */
function prefixOf(cwd: string): string {
  return text(git(cwd, ['rev-parse', '--show-prefix']).stdout);
}

/**
 * The files of `<commit>:<dir>` (dir relative to `cwd`, normally `dist`) as path → text, like
 * `readTree` reads them from disk (Terraform working files and hidden entries left out).
 * Empty when the revision has no such folder.
 */
export function readTreeAtRevision(cwd: string, commit: string, dir = 'dist'): Map<string, string> {
  const root = posix.normalize(`${prefixOf(cwd)}${dir}`).replace(/\/+$/, '');
  const whole = root === '.' || root === '';
  const ls = git(cwd, ['ls-tree', '-r', '-z', '--full-tree', commit, ...(whole ? [] : ['--', `${root}/`])]);
  if (!ls.ok) throw new GitError(`git ls-tree ${commit.slice(0, 7)} failed: ${ls.stderr}`);
  const entries: { path: string; blob: string }[] = [];
  for (const line of ls.stdout.toString('utf8').split('\0')) {
    if (!line) continue;
    const tab = line.indexOf('\t');
    const [, type, blob] = line.slice(0, tab).split(' ');
    const full = line.slice(tab + 1);
    if (type !== 'blob' || (!whole && !full.startsWith(`${root}/`))) continue;
    const path = whole ? full : full.slice(root.length + 1);
    if (isGeneratedPath(path)) entries.push({ path, blob });
  }
  const out = new Map<string, string>();
  if (!entries.length) return out;
  const cat = git(cwd, ['cat-file', '--batch'], Buffer.from(entries.map((e) => `${e.blob}\n`).join('')));
  if (!cat.ok) throw new GitError(`git cat-file failed: ${cat.stderr}`);
  let pos = 0;
  const buf = cat.stdout;
  for (const e of entries) {
    const nl = buf.indexOf(10, pos);
    const header = buf.subarray(pos, nl).toString('utf8').split(' ');
    const size = Number(header[2]);
    out.set(e.path, buf.subarray(nl + 1, nl + 1 + size).toString('utf8'));
    pos = nl + 1 + size + 1;
  }
  return out;
}
