// A minimal Jest transformer: esbuild strips the types (fast; no type-check, `tsc --noEmit` does that).
const { transformSync } = require('esbuild');
const { createHash } = require('node:crypto');
const { version } = require('esbuild/package.json');

module.exports = {
  process(source, filename) {
    const out = transformSync(source, { loader: 'ts', format: 'cjs', target: 'node20', sourcemap: 'inline', sourcefile: filename });
    return { code: out.code };
  },
  getCacheKey(source, filename) {
    return createHash('sha1').update(version).update('\0').update(filename).update('\0').update(source).digest('hex');
  },
};
