/**
 * The Terraform part of the benchmark, in its own process: loading the provider bindings (deep
 * imports only) and rendering every stack. Prints one JSON line. Used by bench/bench.ts.
 */
const t0 = performance.now();
const { synthesizeInfra } = require('../apps/infra/main') as typeof import('../apps/infra/main');
const { platform } = require('../apps/platform/platform') as typeof import('../apps/platform/platform');
const t1 = performance.now();
const first = synthesizeInfra(platform);
const t2 = performance.now();
synthesizeInfra(platform);
const t3 = performance.now();
let bytes = 0;
for (const c of first.values()) bytes += Buffer.byteLength(c);
console.log(
  JSON.stringify({
    stacks: first.size,
    loadMs: Math.round(t1 - t0),
    firstRenderMs: Math.round(t2 - t1),
    secondRenderMs: Math.round(t3 - t2),
    bytes,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
