/**
 * `npm run diff`: what merging this change does to the platform. Synthesizes in memory, compares with
 * the committed dist/ object by object, prints added / changed / removed objects with a line diff,
 * and fails on destructive changes (removed namespaces, PVCs, databases, CRDs, stateful Applications).
 *
 *   npm run diff                           review against dist/
 *   npm run diff -- --allow-destructive    exit 0 even with destructive changes (after review)
 *   npm run diff -- --dist DIR             compare with another tree
 *   npm run diff -- --tenants DIR          read tenant documents from DIR
 */
import { join, resolve } from 'node:path';
import { isUserError } from '../lib/core/errors';
import { readTree } from '../lib/core/tree';
import { diffDist, formatDistDiff } from '../lib/review/manifest-diff';
import { PROJECT_ROOT, synthesize } from './synthesize';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (!v || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

function main(): number {
  const dist = resolve(arg('--dist') ?? join(PROJECT_ROOT, 'dist'));
  const tenants = arg('--tenants');
  const next = synthesize({ tenantsDir: tenants ? resolve(tenants) : undefined }).files;
  const diff = diffDist(readTree(dist), next);
  process.stdout.write(formatDistDiff(diff));
  if (diff.destructive.length && !process.argv.includes('--allow-destructive')) {
    console.error(`\n${diff.destructive.length} destructive change(s). Review them, then re-run with --allow-destructive to accept.`);
    return 2;
  }
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  if (isUserError(err)) {
    console.error(`diff failed: the code does not synthesize.\n${err.message}`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
