/**
 * jest transform for the JavaScript of packages (cdk8s, cdk8s-plus-28, cdktf, constructs, the cdktf
 * providers): the inline source map at the end of each file is dropped. It is most of the bytes
 * (cdk8s-plus-28's generated Kubernetes API, 2.7 MB, is four fifths map) and V8 scans it on every
 * compile, i.e. once per test file that loads the package. Stack traces through these packages show
 * their JavaScript lines (source-map-support still finds the map in the file on disk).
 */
const { createHash } = require('node:crypto');

const MARKER = '\n//# sourceMappingURL=data:';

module.exports = {
  process(source) {
    const at = source.lastIndexOf(MARKER);
    return { code: at < 0 ? source : source.slice(0, at + 1) };
  },
  getCacheKey(source, filename) {
    return createHash('sha1').update('strip-inline-map-1\0').update(filename).update('\0').update(source).digest('hex');
  },
};
