'use strict';
/**
 * jest moduleNameMapper target for `archiver`: the real package, loaded when first used.
 *
 * cdktf's index loads its asset support, which requires archiver (a zip library and a few dozen
 * modules of streams and globbing) at once: under jest, which loads every module again for each
 * test file, that was most of what loading cdktf cost (about 0.8 s a file). The platform never
 * zips a Terraform asset, so here it is never loaded; if it were used, it would load then and
 * behave as itself.
 */
const { dirname } = require('node:path');

let real;
const load = () => (real ??= require(require.resolve('archiver', { paths: [dirname(require.resolve('cdktf'))] })));

module.exports = new Proxy(function archiver() {}, {
  apply: (_, thisArg, args) => load().apply(thisArg, args),
  construct: (_, args) => new (load())(...args),
  get: (_, key) => load()[key],
  has: (_, key) => key in load(),
});
