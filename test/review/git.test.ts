import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBase, GitError, readTreeAtRevision } from '../../lib/review/git';

/** A throw-away repository: main with dist/, a branch `feature` one commit ahead. */
describe('reading the base from git', () => {
  let work: string;
  let repo: string;
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const write = (path: string, content: string) => {
    mkdirSync(join(repo, path, '..'), { recursive: true });
    writeFileSync(join(repo, path), content);
  };

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'ceres-git-'));
    repo = join(work, 'repo');
    mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'config', 'user.email', 'ci@example.invalid');
    git(repo, 'config', 'user.name', 'CI');
    write('dist/prod/core/a.yaml', 'a: 1\n');
    write('dist/terraform/prod-aws/cdk.tf.json', '{}\n');
    write('dist/terraform/prod-aws/.terraform.lock.hcl', 'lock\n');
    write('dist/prod/reports/ünïcode.md', 'ü\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'base');
    git(repo, 'checkout', '-q', '-b', 'feature');
    write('dist/prod/core/a.yaml', 'a: 2\n');
    git(repo, 'commit', '-q', '-am', 'change');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('reads dist/ of a revision without a checkout, leaving Terraform working files out', () => {
    const main = git(repo, 'rev-parse', 'main');
    expect(readTreeAtRevision(repo, main)).toEqual(
      new Map([
        ['prod/core/a.yaml', 'a: 1\n'],
        ['prod/reports/ünïcode.md', 'ü\n'],
        ['terraform/prod-aws/cdk.tf.json', '{}\n'],
      ]),
    );
    expect(readTreeAtRevision(join(repo, 'dist'), main, '.').get('prod/core/a.yaml')).toBe('a: 1\n');
  });

  it('on a branch, compares with the merge-base with the default branch', () => {
    const base = findBase(repo);
    expect(base).toMatchObject({ ref: 'main', commit: git(repo, 'rev-parse', 'main'), isHead: false });
    expect(base.description).toContain('merge-base with main');
  });

  it('on the default branch, compares with HEAD (only uncommitted changes show)', () => {
    git(repo, 'checkout', '-q', 'main');
    try {
      expect(findBase(repo)).toMatchObject({ ref: 'HEAD', isHead: true });
    } finally {
      git(repo, 'checkout', '-q', 'feature');
    }
  });

  it('takes --base, and says what to do when git does not know it', () => {
    expect(findBase(repo, 'feature~1').commit).toBe(git(repo, 'rev-parse', 'main'));
    expect(() => findBase(repo, 'origin/nope')).toThrow(GitError);
    expect(() => findBase(repo, 'origin/nope')).toThrow('git does not know the revision "origin/nope"');
  });

  it('in a shallow clone without the base, explains what to fetch instead of failing obscurely', () => {
    const clone = join(work, 'shallow');
    git(work, 'clone', '-q', '--depth', '1', '--no-single-branch', `file://${repo}`, clone);
    git(clone, 'remote', 'set-head', 'origin', 'main');
    git(clone, 'checkout', '-q', 'feature');
    expect(() => findBase(clone)).toThrow(/HEAD and origin\/main have no common commit in this clone\. This is a shallow clone: fetch the base/);
    git(clone, 'remote', 'set-head', 'origin', '-d');
    git(clone, 'update-ref', '-d', 'refs/remotes/origin/main');
    expect(() => findBase(clone)).toThrow(/cannot tell the default branch .*shallow clone.*--base <ref>/);
  });

  it('outside a repository, says so', () => {
    const plain = join(work, 'plain');
    mkdirSync(plain);
    expect(() => findBase(plain)).toThrow(/not inside a git work tree/);
  });
});
