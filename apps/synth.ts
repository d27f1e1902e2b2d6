/**
 * `ceres synth` (`npm run synth`): renders the platform in memory, validates it, compares it with the
 * dist/ it is about to replace, refuses unapproved destructive changes, then replaces dist/
 * atomically and prints what changed.
 */
import { join, resolve } from 'node:path';
import { frugalHeap } from '../lib/core/heap';
import { APPROVALS_FILE } from '../lib/core/input/approvals';
import { RenderCache } from '../lib/core/render-cache';
import { compareTree, readTree } from '../lib/core/tree';
import { writeTreeAtomically } from '../lib/core/writer';
import { diffDist, formatSummary, reviewDiff, reviewToJson } from '../lib/review';
import { Command, CommandContext, EXIT, Io, processIo, runCli } from './cli';
import { inEnvironments, synthesize, SynthesisResult } from './synthesize';

/** `--tenants DIR` / `--approvals FILE` of synth and diff. */
export const INPUT_OPTIONS = [
  { name: '--tenants', value: 'DIR', help: 'read tenant documents from DIR (default apps/platform/tenants)' },
  { name: '--approvals', value: 'FILE', help: `approved deletions (default ${APPROVALS_FILE}, when it exists)` },
] as const;

function str(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.options.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** The synthesis options common to synth and diff, from the command line. */
export function synthesisOptions(ctx: CommandContext) {
  const tenants = str(ctx, '--tenants');
  const approvals = str(ctx, '--approvals');
  return {
    tenantsDir: tenants ? resolve(tenants) : undefined,
    approvalsFile: approvals ? resolve(approvals) : undefined,
    environments: ctx.env ? [ctx.env] : undefined,
    onStep: ctx.step,
    cache: RenderCache.fromEnvironment(),
    keepRendered: false,
  };
}

export const synthCommand: Command = {
  name: 'synth',
  summary: 'render dist/ from apps/ and the tenant documents; refuses unapproved destructive changes',
  usage: ['ceres synth [--env NAME] [--check] [--allow-destructive] [--out DIR] [--tenants DIR] [--json]'],
  description: [
    'Validates the platform description and every input document, renders every environment in memory, runs the checks, and compares the result with the dist/ it is about to replace. On any problem it prints every problem (file, document, field, what is allowed), exits 1 and writes nothing.',
    `Destructive changes (removing a Namespace, PVC, database, CRD, bucket, cluster, an Application that cascades deletion, …; by any route, an emptied tenant file included) are listed and refused with exit 3, writing nothing, unless each is approved in ${APPROVALS_FILE} (committed with the change, with a reason) or --allow-destructive is given.`,
    'Otherwise dist/ is replaced atomically (Terraform working files in dist/terraform/<stack>/ are kept) and the changes are summarized per environment and folder.',
  ],
  options: [
    { name: '--check', help: 'write nothing; exit 1 if dist/ is not what the code produces' },
    { name: '--allow-destructive', help: 'write even with destructive changes nothing approved (after reviewing them)' },
    { name: '--out', value: 'DIR', help: 'write to DIR instead of dist/' },
    ...INPUT_OPTIONS,
  ],
  examples: ['npm run synth', 'npx ceres synth --env prod', 'npx ceres synth --check --json'],
  run(ctx) {
    const { io, style, errStyle } = ctx;
    const t0 = performance.now();
    frugalHeap();
    const out = resolve(str(ctx, '--out') ?? join(ctx.root, 'dist'));
    const result = synthesize(synthesisOptions(ctx));
    const scope = inEnvironments(ctx.env ? [ctx.env] : undefined);
    ctx.step('reading the current dist/');
    const current = readTree(out, scope, result.files);

    if (ctx.options.has('--check')) {
      const diff = compareTree(current, result.files);
      const stale = diff.added.length + diff.removed.length + diff.changed.length > 0;
      if (ctx.json) {
        ctx.printJson({ ok: !stale, command: 'synth', check: true, out, ...diff });
      } else if (!stale) {
        io.out(`dist is current (${result.files.size} files)`);
      } else {
        io.err(`${errStyle.red('dist/ is stale')}; run \`npm run synth\` and commit the result:`);
        for (const p of diff.added) io.err(`  + ${p}`);
        for (const p of diff.removed) io.err(`  - ${p}`);
        for (const p of diff.changed) io.err(`  ~ ${p}`);
      }
      return stale ? EXIT.problems : EXIT.ok;
    }

    ctx.step('comparing with the current dist/');
    const review = reviewDiff(diffDist(current, result.files), result.approvals);
    const allow = ctx.options.has('--allow-destructive');
    const against = `${ctx.env ? `the ${ctx.env} part of ` : ''}the dist/ on disk`;
    if (review.unapproved.length && !allow) {
      if (ctx.json) {
        ctx.printJson({ ok: false, command: 'synth', error: 'destructive', written: false, review: reviewToJson(review, { against }) });
      } else {
        io.err(
          `${errStyle.red(errStyle.bold('synth refused'))}: ${review.unapproved.length} destructive change${review.unapproved.length === 1 ? '' : 's'} nothing approved; nothing was written.`,
        );
        for (const l of formatSummary(review, { style: errStyle, against })) io.err(l);
        io.err('');
        io.err(`If they are meant: list each in ${APPROVALS_FILE} (object as printed above, and a reason) and commit it with the change,`);
        io.err('or re-run with --allow-destructive after reviewing them (CI still requires the approvals file).');
      }
      return EXIT.destructive;
    }

    const unchanged = Object.values(compareTree(current, result.files)).every((list) => list.length === 0);
    if (unchanged) {
      // Nothing to replace: dist/ is left as it is (not even rewritten), which is what a write would give.
      const ms = performance.now() - t0;
      if (ctx.json) {
        ctx.printJson({
          ok: true,
          command: 'synth',
          written: false,
          out,
          files: result.files.size,
          tenants: result.input.tenants.length,
          review: reviewToJson(review, { against }),
          ms: Math.round(ms),
        });
        return EXIT.ok;
      }
      for (const l of summaryLines(result, style)) io.out(l);
      io.out(
        `${ctx.env ? `the ${ctx.env} part of ` : ''}${out} is already what the code produces (${result.files.size} files for ${result.input.tenants.length} tenants); nothing rewritten, ${ms.toFixed(0)} ms`,
      );
      return EXIT.ok;
    }
    ctx.step(`writing ${out}`);
    let files = result.files;
    if (ctx.env) {
      // One environment: the rest of dist/ stays as it is.
      files = new Map([...readTree(out, (p) => !scope(p)), ...result.files]);
    }
    // What was read for the review is not read again to find the unchanged files.
    const stats = writeTreeAtomically(out, files, { known: current, removeOld: 'background' });
    const ms = performance.now() - t0;
    if (ctx.json) {
      ctx.printJson({
        ok: true,
        command: 'synth',
        written: true,
        out,
        files: files.size,
        filesWritten: stats.written,
        tenants: result.input.tenants.length,
        environments: result.summary.map((e) => ({
          name: e.name,
          folders: e.folders,
          objects: Object.values(e.objectsByKind).reduce((a, b) => a + b, 0),
          objectsByKind: e.objectsByKind,
          ms: Math.round(e.ms),
        })),
        review: reviewToJson(review, { against }),
        ms: Math.round(ms),
      });
      return EXIT.ok;
    }
    for (const l of summaryLines(result, style)) io.out(l);
    for (const l of formatSummary(review, { style, against })) io.out(l);
    io.out(
      `wrote ${ctx.env ? `${result.files.size} files of ${ctx.env} (${files.size} in all)` : `${files.size} files`} for ${result.input.tenants.length} tenants to ${out} (${stats.written} new or changed, the others linked as they were) in ${ms.toFixed(0)} ms`,
    );
    return EXIT.ok;
  },
};

/** One line per environment (folders, objects, time or cache) and one for the Terraform stacks. */
function summaryLines(result: SynthesisResult, style: CommandContext['style']): string[] {
  const lines = result.summary.map((env) => {
    const total = Object.values(env.objectsByKind).reduce((a, b) => a + b, 0);
    const tenants = env.tenants?.cached ? ` (tenants: ${env.tenants.rendered} rendered, ${env.tenants.cached} unchanged)` : '';
    return `${style.bold(env.name)}: ${env.folders} folders, ${total} objects ${env.cached ? 'unchanged (render cache)' : `in ${env.ms.toFixed(0)} ms${tenants}`}`;
  });
  const stacks = [...result.files.keys()].filter((p) => p.startsWith('terraform/')).length;
  if (stacks)
    lines.push(
      `${style.bold('terraform')}: ${stacks} stacks ${result.timings.terraformCached ? 'unchanged (render cache)' : `in ${result.timings.terraformMs.toFixed(0)} ms`}`,
    );
  return lines;
}

/** `ceres synth <argv>` with an Io (tests); returns the exit code. */
export function runSynth(argv: readonly string[], io: Io = processIo()): number {
  return runCli(['synth', ...argv], io);
}

if (require.main === module) {
  process.exitCode = runSynth(process.argv.slice(2));
}
