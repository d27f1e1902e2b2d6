#!/usr/bin/env node
'use strict';
/**
 * The `ceres` launcher (`npx ceres <command>`, `npm run synth`, `npm run diff`).
 *
 * Type-checks and compiles apps/, lib/ and imports/ with the TypeScript compiler into
 * node_modules/.cache/ceres/build/, then runs the compiled command line (apps/cli.ts). The build is
 * reused while the sources are unchanged (a fingerprint of their sizes and times, then of their
 * contents), so a run without changes starts in milliseconds; after a change, only what changed is
 * re-checked (incremental build information is kept). A type error stops the command with the
 * compiler's located message and exit code 1, before anything runs or is written.
 *
 * Plain JavaScript on purpose: it must run before anything is compiled. The cache is safe to delete.
 */
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

/** Bump to invalidate every cached build (the launcher's own behaviour changed). */
const BUILD_FORMAT = 1;
/** Type errors shown; the rest are counted. */
const MAX_ERRORS = 20;
const DEFAULT_SOURCES = ['apps', 'lib', 'imports'];

function listSources(root, dirs) {
  const out = [];
  const walk = (rel) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.(ts|json)$/.test(e.name)) out.push(p);
    }
  };
  for (const d of dirs) walk(d);
  return out.sort();
}

function typescriptVersion(root) {
  try {
    return require(require.resolve('typescript/package.json', { paths: [root] })).version;
  } catch {
    return 'missing';
  }
}

/**
 * Two fingerprints of the sources: a cheap one from sizes and modification times, and one from the
 * contents (what decides whether to compile; checked only when the cheap one changed, e.g. after a
 * git checkout that touched files without changing them).
 */
function fingerprints(root, dirs) {
  const files = [...listSources(root, dirs), 'tsconfig.json', 'package-lock.json'].filter((f) => fs.existsSync(path.join(root, f)));
  const base = `${BUILD_FORMAT}\0${typescriptVersion(root)}\0${process.version.split('.')[0]}\0${fs.readFileSync(__filename, 'utf8')}`;
  const stat = createHash('sha256').update(base);
  for (const f of files) {
    const s = fs.statSync(path.join(root, f));
    stat.update(`${f}\0${s.size}\0${s.mtimeMs}\0`);
  }
  return {
    stat: stat.digest('hex'),
    content: () => {
      const h = createHash('sha256').update(base);
      for (const f of files)
        h.update(`${f}\0`)
          .update(fs.readFileSync(path.join(root, f)))
          .update('\0');
      return h.digest('hex');
    },
  };
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** One compile at a time per cache folder; a lock left by a dead process is taken over. */
function withLock(cacheDir, log, fn) {
  const lock = path.join(cacheDir, 'lock');
  const deadline = Date.now() + 15 * 60 * 1000;
  let told = false;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(lock, 'utf8')) || 0;
      let alive = pid > 0;
      try {
        if (alive) process.kill(pid, 0);
      } catch {
        alive = false;
      }
      if (!alive) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another ceres (pid ${pid}) has been compiling for 15 minutes; remove ${lock} if it is gone`);
      if (!told) log(`waiting for another ceres (pid ${pid}) to finish compiling…`);
      told = true;
      sleep(200);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/**
 * Makes sure `<cacheDir>/build` holds the compiled sources of `root`. Returns `{ ok: true, dir,
 * id, compiled, ms }` (`id`: the fingerprint of the compiled sources), or `{ ok: false, errors: [text], count }` when the compiler reports errors.
 */
function ensureBuild(options) {
  const root = path.resolve(options.root);
  const dirs = options.sources || DEFAULT_SOURCES;
  const cacheDir = path.resolve(options.cacheDir || defaultCacheDir(root));
  const log = options.log || (() => undefined);
  const color = !!options.color;
  const buildDir = path.join(cacheDir, 'build');
  const stampFile = path.join(cacheDir, 'build.json');
  fs.mkdirSync(cacheDir, { recursive: true });

  const fp = fingerprints(root, dirs);
  const stamp = readJson(stampFile);
  if (stamp && stamp.stat === fp.stat && fs.existsSync(buildDir)) return { ok: true, dir: buildDir, id: stamp.content, compiled: false, ms: 0 };
  const content = fp.content();
  if (stamp && stamp.content === content && fs.existsSync(buildDir)) {
    fs.writeFileSync(stampFile, JSON.stringify({ stat: fp.stat, content }));
    return { ok: true, dir: buildDir, id: content, compiled: false, ms: 0 };
  }

  return withLock(cacheDir, log, () => {
    // Another process may have compiled the same sources while this one waited.
    const again = readJson(stampFile);
    if (again && again.content === content && fs.existsSync(buildDir)) return { ok: true, dir: buildDir, id: content, compiled: false, ms: 0 };
    fs.rmSync(stampFile, { force: true });
    // Incremental information without its outputs would skip emitting unchanged files.
    if (!fs.existsSync(buildDir)) fs.rmSync(path.join(cacheDir, 'build.tsbuildinfo'), { force: true });
    const t0 = Date.now();
    log(`compiling ${dirs.map((d) => `${d}/`).join(' ')} (type-checking; sources changed since the last run)…`);
    const result = compile(root, dirs, cacheDir, buildDir, color);
    const ms = Date.now() - t0;
    if (!result.ok) return { ...result, ms };
    fs.writeFileSync(stampFile, JSON.stringify({ stat: fp.stat, content }));
    log(`compiled in ${(ms / 1000).toFixed(1)} s`);
    return { ok: true, dir: buildDir, id: content, compiled: true, ms };
  });
}

function defaultCacheDir(root) {
  if (process.env.CERES_CACHE_DIR) return process.env.CERES_CACHE_DIR;
  return fs.existsSync(path.join(root, 'node_modules')) ? path.join(root, 'node_modules', '.cache', 'ceres') : path.join(root, '.ceres-cache');
}

function compile(root, dirs, cacheDir, buildDir, color) {
  let ts;
  try {
    ts = require(require.resolve('typescript', { paths: [root] }));
  } catch {
    return { ok: false, count: 1, errors: ['the TypeScript compiler is missing: run `npm ci` (it installs the devDependencies too)'] };
  }
  const configPath = path.join(root, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  const raw = read.config || {};
  const parsed = ts.parseJsonConfigFileContent(
    { ...raw, include: dirs.map((d) => `${d}/**/*.ts`), exclude: [], files: undefined },
    ts.sys,
    root,
    {
      noEmit: false,
      outDir: buildDir,
      rootDir: root,
      incremental: true,
      tsBuildInfoFile: path.join(cacheDir, 'build.tsbuildinfo'),
      types: ['node'],
      sourceMap: true,
      declaration: false,
      declarationMap: false,
      noEmitOnError: false,
    },
    configPath,
  );
  const host = ts.createIncrementalCompilerHost(parsed.options);
  const program = ts.createIncrementalProgram({
    rootNames: parsed.fileNames,
    options: parsed.options,
    host,
    configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(parsed),
  });
  const diagnostics = [
    ...(read.error ? [read.error] : []),
    ...parsed.errors,
    ...program.getConfigFileParsingDiagnostics(),
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...program.getSyntacticDiagnostics(),
    ...program.getSemanticDiagnostics(),
  ].filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (diagnostics.length) {
    // Keep what was checked, so that the next run after the fix is incremental.
    if (typeof program.emitBuildInfo === 'function') program.emitBuildInfo();
    const formatHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
    const errors = diagnostics.slice(0, MAX_ERRORS).map((d) => {
      const text = ts.formatDiagnosticsWithColorAndContext([d], formatHost).replace(/\n+$/, '');
      return color ? text : text.replace(/\u001b\[[0-9;]*m/g, '');
    });
    return { ok: false, count: diagnostics.length, errors };
  }
  const emitted = program.emit();
  const emitErrors = emitted.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (emitErrors.length) return { ok: false, count: emitErrors.length, errors: emitErrors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')) };
  return { ok: true };
}

function wantsColor(stream) {
  const env = process.env;
  if (process.argv.includes('--no-color') || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  if (env.CI || env.TERM === 'dumb') return false;
  return !!stream.isTTY;
}

function main() {
  const root = path.resolve(__dirname, '..');
  const argv = process.argv.slice(2);
  const json = argv.includes('--json');
  const color = wantsColor(process.stderr);
  const dim = (s) => (color ? `\u001b[2m${s}\u001b[22m` : s);
  let build;
  try {
    build = ensureBuild({ root, color, log: (line) => process.stderr.write(`${dim(`ceres: ${line}`)}\n`) });
  } catch (err) {
    process.stderr.write(`ceres: cannot compile the sources: ${err.message}\n`);
    process.exitCode = 1;
    return;
  }
  if (!build.ok) {
    const more = build.count - build.errors.length;
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ ok: false, error: 'typescript', count: build.count, problems: build.errors.map((e) => ({ message: e.replace(/\u001b\[[0-9;]*m/g, '') })) }, null, 2)}\n`,
      );
    } else {
      const red = (s) => (color ? `\u001b[31;1m${s}\u001b[39;22m` : s);
      process.stderr.write(
        `${red(`${build.count} type error${build.count === 1 ? '' : 's'} in ${DEFAULT_SOURCES.join('/, ')}/`)}; nothing was run or written.\n\n`,
      );
      process.stderr.write(`${build.errors.join('\n\n')}\n`);
      if (more > 0) process.stderr.write(`\n… and ${more} more type error${more === 1 ? '' : 's'} (\`npm run typecheck\` lists them all)\n`);
    }
    process.exitCode = 1;
    return;
  }
  process.env.CERES_PROJECT_ROOT = root;
  // The render cache (lib/core/render-cache.ts) keys rendered output by this build's fingerprint.
  process.env.CERES_BUILD_ID = build.id;
  process.env.CERES_RENDER_CACHE = path.join(path.dirname(build.dir), 'render');
  if (process.env.CERES_DEBUG && typeof process.setSourceMapsEnabled === 'function') process.setSourceMapsEnabled(true);
  // A build outside the project (CERES_CACHE_DIR elsewhere) must still find the project's packages.
  if (!isInside(build.dir, root)) {
    process.env.NODE_PATH = [path.join(root, 'node_modules'), process.env.NODE_PATH].filter(Boolean).join(path.delimiter);
    require('node:module')._initPaths();
  }
  const cli = require(path.join(build.dir, 'apps', 'cli.js'));
  process.exitCode = cli.runCli(argv);
}

module.exports = { ensureBuild, fingerprints, listSources };

function isInside(dir, root) {
  const rel = path.relative(root, dir);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** A reader that stops early (`ceres diff | head`) closes the pipe: stop quietly, as git and grep do. */
function exitQuietlyOnClosedPipe(stream) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit(process.exitCode || 0);
    throw err;
  });
}

if (require.main === module) {
  exitQuietlyOnClosedPipe(process.stdout);
  exitQuietlyOnClosedPipe(process.stderr);
  main();
}
