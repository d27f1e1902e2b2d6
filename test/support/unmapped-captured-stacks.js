/**
 * jest setupFilesAfterEnv: stack traces that libraries capture for their own records are not
 * source-mapped, and keep their first frames only.
 *
 * cdktf records where every token was created (Error.captureStackTrace on a plain `{ stack: '' }`
 * object, with no frame limit): thousands per synthesis. Under jest each of them went through
 * source-map-support, which parses the inline source map of every cdktf and provider file on the
 * stack: about half of a Terraform synthesis in a test file. Those traces only ever appear in cdktf's
 * own error messages, where the first frames say where the token was made. Real errors (anything
 * with an Error's internal slot, from any realm), e.g. a failed expectation or a thrown construct
 * error, are still mapped to the TypeScript sources, in full.
 */
const FRAMES = 12;
const mapped = Error.prepareStackTrace;
if (typeof mapped === 'function') {
  Error.prepareStackTrace = function prepareStackTrace(error, frames) {
    if (Object.prototype.toString.call(error) === '[object Error]') return mapped(error, frames);
    let text = String(error);
    for (let i = 0; i < frames.length && i < FRAMES; i++) text += `\n    at ${frames[i]}`;
    return text;
  };
}

// The commands that render (synth, diff) tighten V8's heap growth for their process (lib/core/heap.ts);
// run in a jest worker they would do it for every test file the worker runs after them, which then
// collect garbage more often. The tests keep V8's own heuristics (frugalHeap's documented override).
process.env.CERES_HEAP_GROWTH_PERCENT ??= 'v8';
