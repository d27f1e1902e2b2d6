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

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (!v || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

function main(): number {
  const t0 = performance.now();
  const out = resolve(arg('--out') ?? join(PROJECT_ROOT, 'dist'));
  const tenantsDir = arg('--tenants');
  const result = synthesize({ tenantsDir: tenantsDir ? resolve(tenantsDir) : undefined });
  if (process.argv.includes('--check')) {
    const diff = compareTree(readTree(out), result.files);
    if (diff.added.length + diff.removed.length + diff.changed.length === 0) {
      console.log(`dist is current (${result.files.size} files)`);
      return 0;
    }
    console.error('dist/ is stale; run `npm run synth` and commit the result:');
    for (const p of diff.added) console.error(`  + ${p}`);
    for (const p of diff.removed) console.error(`  - ${p}`);
    for (const p of diff.changed) console.error(`  ~ ${p}`);
    return 1;
  }
  writeTreeAtomically(out, result.files);
  for (const env of result.summary) {
    const kinds = Object.entries(env.objectsByKind)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    const total = Object.values(env.objectsByKind).reduce((a, b) => a + b, 0);
    console.log(`${env.name}: ${env.folders} folders, ${total} objects (${kinds}) in ${env.ms.toFixed(0)} ms`);
  }
  const tf = [...result.files.keys()].filter((p) => p.startsWith('terraform/')).length;
  if (tf) console.log(`terraform: ${tf} stacks in ${result.timings.terraformMs.toFixed(0)} ms`);
  console.log(`wrote ${result.files.size} files to ${out} in ${(performance.now() - t0).toFixed(0)} ms (${result.input.tenants.length} tenants)`);
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  if (isUserError(err)) {
    console.error(`synth failed; nothing was written.\n${err.message}`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
