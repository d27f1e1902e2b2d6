/**
 * jest setupFilesAfterEnv: stack traces that libraries capture for their own records are not
 * source-mapped.
 *
 * cdktf records where every token was created (Error.captureStackTrace on a plain `{ stack: '' }`
 * object, with no frame limit): thousands per synthesis. Under jest each of them went through
 * source-map-support, which parses the inline source map of every cdktf and provider file on the
 * stack: about half of a Terraform synthesis in a test file. Those traces only ever appear in cdktf's
 * own error messages. Real errors (anything with an Error's internal slot, from any realm), e.g. a
 * failed expectation or a thrown construct error, are still mapped to the TypeScript sources.
 */
const mapped = Error.prepareStackTrace;
if (typeof mapped === 'function') {
  Error.prepareStackTrace = function prepareStackTrace(error, frames) {
    if (Object.prototype.toString.call(error) === '[object Error]') return mapped(error, frames);
    return `${String(error)}${frames.map((frame) => `\n    at ${frame}`).join('')}`;
  };
}
