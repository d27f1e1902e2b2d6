#!/usr/bin/env node
'use strict';
/**
 * `npm test`: the type-check (`tsc -b`, as `npm run typecheck`) and jest at the same time, then the
 * type errors if any; fails when either fails. Arguments go to jest (`npm test -- test/infra`).
 *
 * Concurrently because each is mostly one busy core: with nothing changed the type-check takes about
 * a second, but after a change it re-checks for several seconds while jest's globalSetup
 * synthesizes the platform on one core. Jest is not held back by type errors (esbuild strips the
 * types); their report comes after jest's.
 */
const { spawn } = require('node:child_process');

const root = require('node:path').join(__dirname, '..', '..');
const run = (bin, args, stdio) => spawn(process.execPath, [require.resolve(bin, { paths: [root] }), ...args], { cwd: root, stdio });
const exited = (child) => new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0))));

async function main() {
  const tsc = run('typescript/bin/tsc', ['-b', 'tsconfig.json', ...(process.stdout.isTTY ? ['--pretty'] : [])], ['ignore', 'pipe', 'pipe']);
  let typeErrors = '';
  tsc.stdout.on('data', (d) => (typeErrors += d));
  tsc.stderr.on('data', (d) => (typeErrors += d));
  const jest = run('jest/bin/jest', process.argv.slice(2), 'inherit');
  const [typecheck, tests] = await Promise.all([exited(tsc), exited(jest)]);
  if (typecheck !== 0) {
    process.stderr.write(`\nnpm test: the type-check failed (tsc -b tsconfig.json, exit ${typecheck}):\n${typeErrors}`);
  }
  process.exitCode = typecheck !== 0 ? typecheck : tests;
}

main().catch((err) => {
  process.stderr.write(`npm test: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
