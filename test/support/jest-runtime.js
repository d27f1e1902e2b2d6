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
 */
const { sep } = require('node:path');
const { statSync } = require('node:fs');
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

class CachingRuntime extends Runtime {
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
