/**
 * jest `runtime`: jest's own, with the sources it reads kept for the whole worker rather than for
 * one test file.
 *
 * jest-runtime reads (and decodes) the source of every module a test file loads, again for each test
 * file, even when the transformed code comes from its in-memory cache: most test files load cdk8s,
 * cdk8s-plus-28 and the platform (about 12 MB of JavaScript and TypeScript), and a third load the
 * cdktf providers. Kept per worker, a file is read once while its size and modification time stay
 * the same (a test that rewrites a source file still gets the new text).
 */
const { statSync } = require('node:fs');
const Runtime = require('jest-runtime').default;

/** filename → { size, mtimeMs, text } */
const sources = new Map();

class CachingRuntime extends Runtime {
  readFile(filename) {
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
}

module.exports = CachingRuntime;
