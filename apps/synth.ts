/**
 * `npm run synth`: renders the whole platform in memory, validates it, then replaces dist/ atomically.
 *
 *   npm run synth                    write dist/
 *   npm run synth -- --out DIR       write somewhere else
 *   npm run synth -- --check         write nothing; exit 1 if dist/ is not what the code produces
 *   npm run synth -- --tenants DIR   read tenant documents from DIR
 */
import { join, resolve } from 'node:path';
import { isUserError } from '../lib/core/errors';
import { compareTree, readTree } from '../lib/core/tree';
import { writeTreeAtomically } from '../lib/core/writer';
import { PROJECT_ROOT, synthesize } from './synthesize';

export interface SynthIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

class UsageError extends Error {}

function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (!v || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
  return v;
}

const KNOWN = new Set(['--out', '--tenants', '--check']);

/** Runs the synth with command-line arguments; returns the exit code. User mistakes never throw. */
export function runSynth(argv: readonly string[], io: SynthIo = { out: console.log, err: console.error }): number {
  const t0 = performance.now();
  try {
    for (const a of argv) if (a.startsWith('--') && !KNOWN.has(a)) throw new UsageError(`unknown option ${a}; allowed: ${[...KNOWN].join(', ')}`);
    const out = resolve(option(argv, '--out') ?? join(PROJECT_ROOT, 'dist'));
    const tenantsDir = option(argv, '--tenants');
    const result = synthesize({ tenantsDir: tenantsDir ? resolve(tenantsDir) : undefined });
    if (argv.includes('--check')) {
      const diff = compareTree(readTree(out), result.files);
      if (diff.added.length + diff.removed.length + diff.changed.length === 0) {
        io.out(`dist is current (${result.files.size} files)`);
        return 0;
      }
      io.err('dist/ is stale; run `npm run synth` and commit the result:');
      for (const p of diff.added) io.err(`  + ${p}`);
      for (const p of diff.removed) io.err(`  - ${p}`);
      for (const p of diff.changed) io.err(`  ~ ${p}`);
      return 1;
    }
    writeTreeAtomically(out, result.files);
    for (const env of result.summary) {
      const kinds = Object.entries(env.objectsByKind)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      const total = Object.values(env.objectsByKind).reduce((a, b) => a + b, 0);
      io.out(`${env.name}: ${env.folders} folders, ${total} objects in ${env.ms.toFixed(0)} ms (${kinds})`);
    }
    const stacks = [...result.files.keys()].filter((p) => p.startsWith('terraform/')).length;
    if (stacks) io.out(`terraform: ${stacks} stacks in ${result.timings.terraformMs.toFixed(0)} ms`);
    io.out(`wrote ${result.files.size} files for ${result.input.tenants.length} tenants to ${out} in ${(performance.now() - t0).toFixed(0)} ms`);
    return 0;
  } catch (err) {
    if (isUserError(err) || err instanceof UsageError) {
      io.err(`synth failed; nothing was written.\n${err.message}`);
      return 1;
    }
    throw err;
  }
}

if (require.main === module) {
  process.exitCode = runSynth(process.argv.slice(2));
}
