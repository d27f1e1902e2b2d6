/**
 * `ceres synth` (`npm run synth`): renders the platform in memory, validates it, compares it with the
 * dist/ it is about to replace, refuses unapproved destructive changes, then replaces dist/
 * atomically and prints what changed.
 */
import { join, resolve } from 'node:path';
import { frugalHeap } from '../lib/core/heap';
import { APPROVALS_FILE } from '../lib/core/input/approvals';
import { RenderCache } from '../lib/core/render-cache';
import { listTree } from '../lib/core/tree';
import { StagedTree } from '../lib/core/staged-tree';
import { diffDist, formatSummary, reviewDiff, reviewToJson, withoutCommonParts } from '../lib/review';
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
    const t0 = performance.now();
    frugalHeap();
    const out = resolve(str(ctx, '--out') ?? join(ctx.root, 'dist'));
    const check = ctx.options.has('--check');
    const scope = inEnvironments(ctx.env ? [ctx.env] : undefined);
    // Each file is compared with dist/ as it is rendered, and (unless --check) written to the new tree
    // beside it: nothing of dist/ changes before the review passes, and the output is never held whole.
    const options = synthesisOptions(ctx);
    // With the render cache, its index of this tree tells a tenant's unchanged files without reading them.
    const stage = new StagedTree(out, scope, {
      write: !check,
      index: check ? undefined : options.cache?.treeIndex(out),
      // Of a changed manifest file the review parses only the documents that changed, of a changed stack
      // only the resources that changed: only they are kept (at 1000 tenants a tenant added changes
      // every stack, 43 MB, for a few dozen resources).
      reduce: withoutCommonParts,
    });
    let stacks = 0;
    const sink = (path: string, content: string) => {
      if (path.startsWith('terraform/')) stacks++;
      stage.put(path, content);
    };
    try {
      const result = synthesize({ ...options, sink, keyedSink: (path, key, content) => stage.putKnown(path, key, content) });
      return finishSynth(ctx, result, stage, { out, scope, check, stacks, t0 });
    } finally {
      // Whatever did not commit (problems, a refusal, nothing to replace, an error) leaves dist/ as it was.
      stage.abort();
    }
  },
};

/** Synth once every file is staged: `--check`'s verdict, or the review, then the swap. */
function finishSynth(
  ctx: CommandContext,
  result: SynthesisResult,
  stage: StagedTree,
  run: { readonly out: string; readonly scope: (path: string) => boolean; readonly check: boolean; readonly stacks: number; readonly t0: number },
): number {
  const { io, style, errStyle } = ctx;
  const { out, scope, check, stacks, t0 } = run;
  ctx.step('comparing with the current dist/');
  const diff = stage.finish();
  if (check) {
    const stale = !stage.unchanged;
    if (ctx.json) {
      ctx.printJson({ ok: !stale, command: 'synth', check: true, out, ...diff });
    } else if (!stale) {
      io.out(`dist is current (${stage.count} files)`);
    } else {
      io.err(`${errStyle.red('dist/ is stale')}; run \`npm run synth\` and commit the result:`);
      for (const p of diff.added) io.err(`  + ${p}`);
      for (const p of diff.removed) io.err(`  - ${p}`);
      for (const p of diff.changed) io.err(`  ~ ${p}`);
    }
    return stale ? EXIT.problems : EXIT.ok;
  }

  // Only the differing files are compared: the review of the whole tree (diffDist parses no other).
  const review = reviewDiff(diffDist(stage.before(), stage.next()), result.approvals);
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

  if (stage.unchanged) {
    // Nothing to replace: dist/ is left as it is (not even rewritten), which is what a write would give.
    const ms = performance.now() - t0;
    if (ctx.json) {
      ctx.printJson({
        ok: true,
        command: 'synth',
        written: false,
        out,
        files: stage.count,
        tenants: result.input.tenants.length,
        review: reviewToJson(review, { against }),
        ms: Math.round(ms),
      });
      return EXIT.ok;
    }
    for (const l of summaryLines(result, style, stacks)) io.out(l);
    io.out(
      `${ctx.env ? `the ${ctx.env} part of ` : ''}${out} is already what the code produces (${stage.count} files for ${result.input.tenants.length} tenants); nothing rewritten, ${ms.toFixed(0)} ms`,
    );
    return EXIT.ok;
  }
  ctx.step(`writing ${out}`);
  // One environment: the rest of dist/ stays as it is.
  const others = ctx.env ? listTree(out, (p) => !scope(p)) : [];
  const stats = stage.commit(others);
  const files = stage.count + others.length;
  const ms = performance.now() - t0;
  if (ctx.json) {
    ctx.printJson({
      ok: true,
      command: 'synth',
      written: true,
      out,
      files,
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
  for (const l of summaryLines(result, style, stacks)) io.out(l);
  for (const l of formatSummary(review, { style, against })) io.out(l);
  io.out(
    `wrote ${ctx.env ? `${stage.count} files of ${ctx.env} (${files} in all)` : `${files} files`} for ${result.input.tenants.length} tenants to ${out} (${stats.written} new or changed, the others linked as they were) in ${ms.toFixed(0)} ms`,
  );
  return EXIT.ok;
}

/** One line per environment (folders, objects, time or cache) and one for the `stacks` Terraform stacks. */
function summaryLines(result: SynthesisResult, style: CommandContext['style'], stacks: number): string[] {
  const lines = result.summary.map((env) => {
    const total = Object.values(env.objectsByKind).reduce((a, b) => a + b, 0);
    const tenants = env.tenants?.cached ? ` (tenants: ${env.tenants.rendered} rendered, ${env.tenants.cached} unchanged)` : '';
    return `${style.bold(env.name)}: ${env.folders} folders, ${total} objects ${env.cached ? 'unchanged (render cache)' : `in ${env.ms.toFixed(0)} ms${tenants}`}`;
  });
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
