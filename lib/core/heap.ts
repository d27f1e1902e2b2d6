import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap grow past what is live before it collects again, in percent, for the
 * processes that render (`ceres synth`, `ceres diff`, the benchmark). V8's own default grows it by up
 * to four times when allocation is fast, as rendering is: at 1000 tenants an environment whose
 * constructs and objects are some 300 MB live reached 1.16 GB RSS. Measured on the 1000-tenant
 * render (three environments, `npm run bench`'s input; CPU time on a loaded 2-core machine, so within
 * some ±10 %): default 1162 MB peak, 36.2 s CPU; 50 % 708 MB, 35.4 s; 30 % 686 MB, 37.0 s; 20 % 625 MB,
 * 38–42 s.
 */
export const RENDER_HEAP_GROWTH_PERCENT = 30;

/**
 * Makes V8 keep the heap within {@link RENDER_HEAP_GROWTH_PERCENT} of what is live (the flag is read
 * at each collection, so setting it at run time takes effect). Called once by the commands that
 * render; output never depends on it.
 */
export function frugalHeap(percent: number = RENDER_HEAP_GROWTH_PERCENT, env: NodeJS.ProcessEnv = process.env): void {
  // CERES_HEAP_GROWTH_PERCENT=<n> sets another bound; `v8` leaves V8's own heuristics.
  const override = env.CERES_HEAP_GROWTH_PERCENT;
  if (override === 'v8') return;
  const value = override !== undefined && /^[1-9][0-9]{0,3}$/.test(override) ? Number(override) : percent;
  setFlagsFromString(`--heap-growing-percent=${value}`);
}
