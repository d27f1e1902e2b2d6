/**
 * jest setupFilesAfterEnv: stack traces that libraries capture for their own records are not
 * source-mapped, and keep their first frames only.
 *
 * Libraries capture traces on plain objects (Error.captureStackTrace on `{ stack: '' }`) for their
 * own records: constructs records where each construct's metadata was added, and cdktf where each
 * token was made (the Terraform app switches cdktf's off, lib/infra/infra-app.ts, but a test that
 * builds a cdktf stack directly still records them). Under jest each such trace went through the
 * source-map support, which maps every frame: about half of a Terraform synthesis in a test file.
 * Those traces only ever appear in the libraries' own messages, where the first frames say enough.
 * Real errors (anything with an Error's internal slot, from any realm), e.g. a failed expectation or
 * a thrown construct error, are still mapped to the TypeScript sources, in full.
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
