/**
 * jest `runtime`: jest's own, with the sources it reads and the packages' transformed code kept for
 * the whole worker rather than for one test file.
 *
 * jest-runtime reads (and decodes) the source of every module a test file loads, again for each test
 * file, even when the transformed code comes from its in-memory cache: most test files load cdk8s,
 * cdk8s-plus-28 and the platform (about 12 MB of JavaScript and TypeScript), and a third load the
 * cdktf providers. Kept per worker:
 * - the packages' code and files, jest's own modules among them (node_modules does not change
 *   during a run), without reading or even stat()ing the file again;
 * - the project's sources while their size and modification time stay the same (a test that
 *   rewrites a source file still gets the new text).
 * The platform's packages and imports/ are not even evaluated again: they are loaded once per worker
 * (SHARED_PACKAGES below).
 */
const { dirname, join, sep } = require('node:path');
const { readFileSync, statSync } = require('node:fs');
const { builtinModules, createRequire } = require('node:module');
const { compileFunction, runInContext } = require('node:vm');
const { ISOLATED } = require('./jest-environment');
const Runtime = require('jest-runtime').default;

const NODE_MODULES = `${sep}node_modules${sep}`;

// A worker ends when jest asks it to: it stops listening, its event loop empties, and Node then
// tears the whole heap down before the process exits, 0.3 s for a worker of this suite on this VM
// (measured from jest's request to the exit; the worker's own `exit` event comes within 1 ms).
// jest kills a worker that has not exited 0.5 s after asking, with "A worker process has failed to
// exit gracefully", which a slow moment of the host reached in most runs. At `beforeExit` the loop is
// empty (no write is pending: every result was sent), so exiting there skips only the teardown: 0.13 s
// then (the rest grows with the heap). The warning still came once in the next eight runs, the first
// after a change to imports/, while the type-check and the shared synthesis took the other core.
process.once('beforeExit', (code) => process.exit(code));

/** filename → { size, mtimeMs, text } */
const sources = new Map();
/** filename → text of a file in node_modules */
const packaged = new Map();
/** filename → { code, transform, sourceMapPath } of a package's module, as jest's transformFile left them */
const packages = new Map();

/**
 * Packages loaded once per worker rather than once per test file: the libraries the platform is
 * built on (cdk8s and cdk8s-plus-28, constructs, cdktf and its providers, the YAML readers) and the
 * generated CRD modules of imports/ (5 MB of TypeScript, stateless code generated from the CRDs).
 * Loading them again for each file was most of what a test file cost before its first test: in
 * the whole suite, on this 2-core VM, about a fifth of its CPU time.
 *
 * They are evaluated in the worker's one V8 context (jest-environment.js), so they are of the same
 * realm as the test files, as in a real process. A test file still gets the project's own sources
 * (lib/, apps/, test/) afresh, with their module-level state. The shared modules' own state lives
 * as long as the worker: the platform keeps none in them; what it changes in them (fast-resolve's
 * replacements of cdk8s's functions, cdktf's stack traces switched off) it makes safe to do again
 * (lib/core/fast-resolve.ts keeps cdk8s's own functions on cdk8s's module the first time).
 *
 * These modules are loaded by Node's resolution and wrapper, not jest's: no mocks of them (no test
 * mocks a package), no coverage of imports/; jest.config.js's moduleNameMapper applies to their own
 * requires too (cdktf's archiver, loaded when used).
 */
const SHARED_PACKAGES = /^(?:cdk8s|cdk8s-plus-28|constructs|cdktf|@cdktf\/provider-(?:aws|google|azurerm)|yaml|js-yaml)(?:\/|$)/;
const IMPORTS = join(__dirname, '..', '..', 'imports') + sep;
const BUILTIN = new Set(builtinModules);
const { process: stripInlineMap } = require('./strip-inline-map');
/** context → (filename → module) */
const registries = new WeakMap();

/** jest's moduleNameMapper → its patterns compiled (once: every package require is looked up). */
const compiledMappers = new WeakMap();

/** The target of jest's moduleNameMapper (`[regex, path]` pairs, as jest normalized them) for `id`, if any. */
function mapped(mapper, id) {
  if (!mapper) return undefined;
  let compiled = compiledMappers.get(mapper);
  if (!compiled) compiledMappers.set(mapper, (compiled = mapper.map(([regex, path]) => [new RegExp(regex), Array.isArray(path) ? path[0] : path])));
  for (const [regex, path] of compiled) if (regex.test(id)) return path;
  return undefined;
}

/**
 * The module `filename` evaluated in `context` (once per context), as Node's CommonJS loader does:
 * its own requires resolved by Node from its folder (or by `mapper`), Node's built-ins as jest gives
 * them to a test (the worker's own). `code()` gives the JavaScript to run (imports/: jest's transform
 * of the TypeScript); by default the package's own, without its inline source map (strip-inline-map.js).
 */
function loadShared(context, mapper, filename, code) {
  let registry = registries.get(context);
  if (!registry) registries.set(context, (registry = new Map()));
  let m = registry.get(filename);
  if (m) return m.exports;
  m = { id: filename, filename, exports: {}, loaded: false, children: [], paths: [] };
  registry.set(filename, m);
  if (filename.endsWith('.json')) {
    m.exports = runInContext('JSON', context).parse(readFileSync(filename, 'utf8'));
  } else {
    const js = code ? code() : stripInlineMap(readFileSync(filename, 'utf8')).code;
    const wrapper = compileFunction(js, ['exports', 'require', 'module', '__filename', '__dirname'], { filename, parsingContext: context });
    const nodeRequire = createRequire(filename);
    const req = (id) => {
      if (BUILTIN.has(id) || id.startsWith('node:')) return nodeRequire(id);
      return loadShared(context, mapper, mapped(mapper, id) ?? nodeRequire.resolve(id));
    };
    req.resolve = nodeRequire.resolve;
    wrapper.call(m.exports, m.exports, req, m, filename, dirname(filename));
  }
  m.loaded = true;
  return m.exports;
}

class CachingRuntime extends Runtime {
  requireModuleOrMock(from, moduleName) {
    if (!ISOLATED && !from.includes(NODE_MODULES)) {
      const context = this._environment.getVmContext();
      const mapper = this._config.moduleNameMapper;
      if (SHARED_PACKAGES.test(moduleName)) return loadShared(context, mapper, createRequire(from).resolve(moduleName));
      // Only a path through imports/ is resolved here (jest resolves every other one itself, once).
      if (moduleName.startsWith('.') && moduleName.includes('imports/')) {
        const filename = this._resolveCjsModule(from, moduleName);
        if (filename.startsWith(IMPORTS)) return loadShared(context, mapper, filename, () => this.transformFile(filename));
      }
    }
    return super.requireModuleOrMock(from, moduleName);
  }

  readFile(filename) {
    if (filename.includes(NODE_MODULES)) {
      // jest's own modules (jest-circus, expect, jest-snapshot: loaded into every test file) and the
      // packages' package.json files.
      let text = packaged.get(filename);
      if (text === undefined) packaged.set(filename, (text = super.readFile(filename)));
      return text;
    }
    let stat;
    try {
      stat = statSync(filename);
    } catch {
      return super.readFile(filename);
    }
    const kept = sources.get(filename);
    if (kept && kept.size === stat.size && kept.mtimeMs === stat.mtimeMs) return kept.text;
    const text = super.readFile(filename);
    sources.set(filename, { size: stat.size, mtimeMs: stat.mtimeMs, text });
    return text;
  }

  transformFile(filename, options) {
    if (options?.isInternalModule || !filename.includes(NODE_MODULES)) return super.transformFile(filename, options);
    let kept = packages.get(filename);
    if (!kept) {
      const code = super.transformFile(filename, options);
      kept = { code, transform: this._fileTransforms.get(filename), sourceMapPath: this._sourceMapRegistry.get(filename) };
      packages.set(filename, kept);
      // The source is not needed again: the code is kept.
      packaged.delete(filename);
    }
    this._fileTransforms.set(filename, kept.transform);
    if (kept.sourceMapPath) this._sourceMapRegistry.set(filename, kept.sourceMapPath);
    return kept.code;
  }
}

module.exports = CachingRuntime;
