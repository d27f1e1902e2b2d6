import { join } from 'node:path';

/**
 * Runs `fn` with the render cache on, as the `ceres` launcher enables it (CERES_RENDER_CACHE and
 * CERES_BUILD_ID), in a folder under `work`: for tests of what synth and diff do with rendered output
 * (refusals, approvals, option handling) that render the same input more than once. That the cache
 * gives the files a full render gives is render-cache.test.ts's; tests of rendering itself never use it.
 */
export function withRenderCache<T>(work: string, fn: () => T): T {
  const saved = { CERES_RENDER_CACHE: process.env.CERES_RENDER_CACHE, CERES_BUILD_ID: process.env.CERES_BUILD_ID };
  process.env.CERES_RENDER_CACHE = join(work, 'render-cache');
  process.env.CERES_BUILD_ID = 'test';
  try {
    return fn();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
