#!/usr/bin/env node
'use strict';
/**
 * `npm test`: the static checks (type-check `tsc -b`, ESLint, Prettier's check, as `npm run typecheck`,
 * `lint` and `format:check`), one after the other, and jest at the same time; then the static checks'
 * problems if any; fails when either side fails. Arguments go to jest (`npm test -- test/infra`).
 *
 * Concurrently because each is mostly one busy core: with nothing changed the type-check takes about
 * a second, but after a change it re-checks for several seconds while jest's globalSetup
 * synthesizes the platform on one core. Jest is not held back by type errors (esbuild strips the
 * types); their report comes after jest's.
 */
const { spawn } = require('node:child_process');

const root = require('node:path').join(__dirname, '..', '..');
// By path: packages whose `exports` hide their bin files (eslint) cannot be require.resolve()d.
// A larger young generation for every process of the run (jest's workers inherit it): the tests
// allocate many short-lived objects (whole platforms rendered and parsed), and with V8's default
// 16 MB semi-spaces they spend much of their time in scavenges. Measured on this 2-core VM, warm
// runs: 100-104 s CPU and 54-56 s wall without, 91-102 s CPU and 49-56 s wall with (about 6 % less CPU).
const env = { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS, '--max-semi-space-size=64'].filter(Boolean).join(' ') };
const run = (bin, args, stdio) => spawn(process.execPath, [require('node:path').join(root, 'node_modules', bin), ...args], { cwd: root, stdio, env });
const exited = (child) => new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0))));

/** Runs a static check with its output collected; resolves to its exit code and output. */
async function check(name, bin, args) {
  const child = run(bin, args, ['ignore', 'pipe', 'pipe']);
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return { name, code: await exited(child), output };
}

async function staticChecks() {
  const results = [];
  results.push(await check('type-check (tsc -b tsconfig.json)', 'typescript/bin/tsc', ['-b', 'tsconfig.json', ...(process.stdout.isTTY ? ['--pretty'] : [])]));
  results.push(
    await check('lint (npm run lint)', 'eslint/bin/eslint.js', [
      '--cache',
      '--cache-location',
      'node_modules/.cache/eslint/',
      '--cache-strategy',
      'content',
      'apps',
      'lib',
      'test',
      'scripts',
      'bin',
      'bench',
    ]),
  );
  results.push(
    await check('format (npm run format:check; fix with npm run format)', 'prettier/bin/prettier.cjs', ['--check', '--cache', '--log-level', 'warn', '.']),
  );
  return results;
}

async function main() {
  const jest = run('jest/bin/jest', process.argv.slice(2), 'inherit');
  const [checks, tests] = await Promise.all([staticChecks(), exited(jest)]);
  const failed = checks.filter((c) => c.code !== 0);
  for (const c of failed) process.stderr.write(`\nnpm test: the ${c.name} failed (exit ${c.code}):\n${c.output}`);
  process.exitCode = failed.length ? failed[0].code : tests;
}

main().catch((err) => {
  process.stderr.write(`npm test: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
