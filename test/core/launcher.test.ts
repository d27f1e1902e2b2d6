import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../apps/synthesize';

/**
 * The launcher (bin/ceres.js) on a small project of the same shape: type errors stop it with the
 * compiler's located message, a build is reused while the sources are unchanged, and the compiled
 * command line runs with the arguments.
 */
const launcher = require('../../bin/ceres.js') as {
  ensureBuild: (o: { root: string; cacheDir?: string; color?: boolean }) => {
    ok: boolean;
    compiled?: boolean;
    errors?: string[];
    count?: number;
    dir?: string;
  };
};

describe('the ceres launcher', () => {
  let root: string;
  const cache = () => join(root, 'node_modules', '.cache', 'ceres');
  /** The launcher as a process, on the fixture's own cache (never a CERES_CACHE_DIR of the caller's: it would compile the fixture there). */
  const launch = (...argv: string[]) =>
    spawnSync(process.execPath, [join(root, 'bin', 'ceres.js'), ...argv], { encoding: 'utf8', env: { ...process.env, CI: 'true', CERES_CACHE_DIR: cache() } });
  const write = (path: string, content: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const GOOD =
    "import { greet } from '../lib/greet';\nexport function runCli(argv: readonly string[]): number {\n  console.log(greet(argv.join(' ')));\n  return argv.includes('--fail') ? 3 : 0;\n}\n";

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ceres-launcher-'));
    mkdirSync(join(root, 'bin'));
    copyFileSync(join(PROJECT_ROOT, 'bin', 'ceres.js'), join(root, 'bin', 'ceres.js'));
    copyFileSync(join(PROJECT_ROOT, 'tsconfig.json'), join(root, 'tsconfig.json'));
    // The project's compiler, and a cache folder of the fixture's own. The launcher compiles with
    // `types: ['node']`: the fixture declares the one Node API it uses, so that each compile checks
    // its two files and the ES library rather than all of @types/node (seconds per compile).
    mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
    symlinkSync(join(PROJECT_ROOT, 'node_modules', 'typescript'), join(root, 'node_modules', 'typescript'));
    write('node_modules/@types/node/index.d.ts', 'declare var console: { log(...data: unknown[]): void };\n');
    write(
      'lib/greet.ts',
      "export type Mode = 'ROUND_ROBIN' | 'LEAST_REQUEST';\nexport function greet(who: string, mode: Mode = 'ROUND_ROBIN'): string {\n  return `hello ${who} (${mode})`;\n}\n",
    );
    write('apps/cli.ts', GOOD);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('stops on a type error with the file, line, column and source, and compiles nothing to run', () => {
    write('apps/cli.ts', GOOD.replace("greet(argv.join(' '))", "greet(argv.join(' '), 'ROUND_ROBINN')"));
    // As the user meets it: the launcher as a process (one compile; ensureBuild's result is tested below).
    const proc = launch('synth');
    expect(proc.status).toBe(1);
    expect(proc.stderr).toContain('1 type error in apps/, lib/, imports/; nothing was run or written.');
    expect(proc.stderr).toMatch(
      /^apps\/cli\.ts:3:37 - error TS2345: Argument of type '"ROUND_ROBINN"' is not assignable to parameter of type 'Mode \| undefined'\./m,
    );
    expect(proc.stderr).toContain("3   console.log(greet(argv.join(' '), 'ROUND_ROBINN'));");
    expect(proc.stdout).toBe('');
    expect(proc.stderr).not.toMatch(/\n\s+at /);
  });

  it('compiles once, then reuses the build while the sources are unchanged (even when touched)', () => {
    write('apps/cli.ts', GOOD);
    expect(launcher.ensureBuild({ root, cacheDir: cache() })).toMatchObject({ ok: true, compiled: true });
    expect(launcher.ensureBuild({ root, cacheDir: cache() })).toMatchObject({ ok: true, compiled: false });
    const later = new Date(Date.now() + 5000);
    utimesSync(join(root, 'lib', 'greet.ts'), later, later);
    expect(launcher.ensureBuild({ root, cacheDir: cache() })).toMatchObject({ ok: true, compiled: false });
    write(
      'lib/greet.ts',
      "export type Mode = 'ROUND_ROBIN' | 'LEAST_REQUEST';\nexport function greet(who: string, mode: Mode = 'LEAST_REQUEST'): string {\n  return `hi ${who} (${mode})`;\n}\n",
    );
    expect(launcher.ensureBuild({ root, cacheDir: cache() })).toMatchObject({ ok: true, compiled: true });
  });

  it('runs the compiled command line with the arguments and its exit code', () => {
    const proc = launch('synth', '--fail');
    expect(proc.stdout).toBe('hi synth --fail (LEAST_REQUEST)\n');
    expect(proc.status).toBe(3);
  });
});
