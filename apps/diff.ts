/**
 * `ceres diff` (`npm run diff`): what merging this change does to the platform. Synthesizes in
 * memory and compares with the dist/ committed in a git revision (by default the merge-base with
 * the default branch, or HEAD on it), object by object; fails on destructive changes that nothing
 * approved. This is what CI runs.
 */
import { join, resolve } from 'node:path';
import { frugalHeap } from '../lib/core/heap';
import { APPROVALS_FILE } from '../lib/core/input/approvals';
import { compareTree, readTree } from '../lib/core/tree';
import { diffDist, findBase, formatReview, formatSummary, GitError, readTreeAtRevision, reviewDiff, reviewToJson } from '../lib/review';
import { Command, EXIT, Io, processIo, runCli, UsageError } from './cli';
import { INPUT_OPTIONS, synthesisOptions } from './synth';
import { inEnvironments, synthesize } from './synthesize';

export const diffCommand: Command = {
  name: 'diff',
  summary: 'review a change: the synthesized platform against the dist/ of a git revision, object by object',
  usage: ['ceres diff [--base REF] [--env NAME] [--stat] [--allow-destructive] [--json]', 'ceres diff --dist DIR'],
  description: [
    'Synthesizes in memory (nothing is written) and compares with the dist/ committed in a git revision, read with git ls-tree / cat-file (no checkout). The base is --base REF, or else the merge-base of HEAD with the default branch (origin/HEAD, main or master), or HEAD itself when on the default branch: then only uncommitted changes show.',
    'Prints the counts per environment and folder, the destructive changes (with the object names to list in approved-deletions.yaml), then every added, changed and removed object with a line diff of its YAML (Terraform: of its JSON).',
    `Exits 3 when a destructive change is not approved in ${APPROVALS_FILE}, unless --allow-destructive. CI runs \`ceres diff --skip-without-base\`.`,
  ],
  options: [
    { name: '--base', value: 'REF', help: 'compare with the dist/ of this git revision (branch, tag, commit)' },
    { name: '--dist', value: 'DIR', help: 'compare with a folder instead of a git revision' },
    { name: '--stat', help: 'only the counts and the destructive changes, no line diffs' },
    { name: '--max-lines', value: 'N', help: 'lines of diff shown per object (default 60)' },
    { name: '--allow-destructive', help: 'exit 0 even with destructive changes nothing approved (after review)' },
    { name: '--skip-without-base', help: 'when no base can be found (a shallow clone, no default branch), say so and exit 0 instead of 1' },
    ...INPUT_OPTIONS,
  ],
  examples: ['npm run diff', 'npx ceres diff --base origin/main --env prod', 'npx ceres diff --stat --json'],
  run(ctx) {
    const { io, style, errStyle } = ctx;
    frugalHeap();
    const dist = ctx.options.get('--dist');
    const maxLines = ctx.options.has('--max-lines') ? Number(ctx.options.get('--max-lines')) : 60;
    if (!Number.isInteger(maxLines) || maxLines < 0) throw new UsageError('--max-lines needs a whole number');
    const scope = inEnvironments(ctx.env ? [ctx.env] : undefined);

    let current: Map<string, string>;
    let against: string;
    let base: ReturnType<typeof findBase> | undefined;
    if (typeof dist === 'string') {
      current = readTree(resolve(dist), scope);
      against = dist;
    } else {
      const requested = ctx.options.get('--base');
      try {
        ctx.step('finding the base revision');
        base = findBase(ctx.root, typeof requested === 'string' ? requested : undefined);
      } catch (err) {
        if (err instanceof GitError && ctx.options.has('--skip-without-base') && requested === undefined) {
          if (ctx.json) ctx.printJson({ ok: true, command: 'diff', skipped: err.message });
          else io.err(`${errStyle.yellow('diff skipped:')} ${err.message}`);
          return EXIT.ok;
        }
        throw err;
      }
      ctx.step(`reading dist/ at ${base.commit.slice(0, 7)}`);
      current = new Map([...readTreeAtRevision(ctx.root, base.commit)].filter(([p]) => scope(p)));
      against = `${base.description}${ctx.env ? `, ${ctx.env} only` : ''}`;
    }
    const result = synthesize(synthesisOptions(ctx));
    ctx.step('comparing');
    const review = reviewDiff(diffDist(current, result.files), result.approvals);
    const refused = review.unapproved.length > 0 && !ctx.options.has('--allow-destructive');
    // A review of code whose dist/ was not re-synthesized misleads: say so.
    const onDisk = typeof dist === 'string' ? undefined : compareTree(readTree(join(ctx.root, 'dist'), scope, result.files), result.files);
    const stale = onDisk ? onDisk.added.length + onDisk.removed.length + onDisk.changed.length : 0;

    if (ctx.json) {
      ctx.printJson({
        ok: !refused,
        command: 'diff',
        base: base ? { ref: base.ref, commit: base.commit, isHead: base.isHead } : undefined,
        against,
        distOnDiskStale: stale > 0,
        review: reviewToJson(review, { against }),
      });
      return refused ? EXIT.destructive : EXIT.ok;
    }
    const text = ctx.options.has('--stat')
      ? `${formatSummary(review, { style, against }).join('\n')}\n`
      : formatReview(review, { style, against, maxDiffLines: maxLines });
    for (const l of text.replace(/\n$/, '').split('\n')) io.out(l);
    if (base?.isHead)
      io.err(errStyle.dim('(the base is HEAD: this shows only what is not committed yet; on a branch, the merge-base with the default branch is used)'));
    if (stale)
      io.err(
        `${errStyle.yellow('note:')} dist/ on disk is not what the code produces (${stale} file${stale === 1 ? '' : 's'}); run \`npm run synth\` and commit it with the change.`,
      );
    if (refused) {
      io.err('');
      io.err(
        `${errStyle.red(errStyle.bold(`${review.unapproved.length} destructive change${review.unapproved.length === 1 ? '' : 's'} not approved.`))} If meant, list each in ${APPROVALS_FILE} with a reason and commit it; or re-run with --allow-destructive after review.`,
      );
      return EXIT.destructive;
    }
    return EXIT.ok;
  },
};

/** `ceres diff <argv>` with an Io (tests); returns the exit code. */
export function runDiff(argv: readonly string[], io: Io = processIo()): number {
  return runCli(['diff', ...argv], io);
}

if (require.main === module) {
  process.exitCode = runDiff(process.argv.slice(2));
}
