import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RENDER_CACHE_ENV } from './synthesis-cache';

/**
 * Runs `fn` with the render cache on, as the `ceres` launcher enables it (CERES_RENDER_CACHE and
 * CERES_BUILD_ID): for tests of what synth and diff do with rendered output (refusals, approvals,
 * option handling), which need not render the same input again. The cache is the run's, which the
 * default platform's synthesis filled (test/support/synthesis-cache.ts), so the default input is
 * read back, not rendered; without one (a run with no globalSetup), a folder under `work`. That
 * the cache gives the files a full render gives is render-cache.test.ts's; tests of rendering
 * itself never use it.
 */
export function withRenderCache<T>(work: string, fn: () => T): T {
  const saved = { CERES_RENDER_CACHE: process.env.CERES_RENDER_CACHE, CERES_BUILD_ID: process.env.CERES_BUILD_ID };
  const shared = process.env[RENDER_CACHE_ENV.dir] && process.env[RENDER_CACHE_ENV.build];
  process.env.CERES_RENDER_CACHE = shared ? process.env[RENDER_CACHE_ENV.dir] : join(work, 'render-cache');
  process.env.CERES_BUILD_ID = (shared && process.env[RENDER_CACHE_ENV.build]) || 'test';
  try {
    return fn();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/**
 * An empty folder for the tenant documents of a test that synthesizes them with
 * {@link withRenderCache}, at the same path on every run of this checkout: where a tenant's document
 * lies is part of the input the render cache keys an environment by (its source file), so a new
 * temporary folder on each run would render the same input again. `name` keeps test files apart
 * (jest runs them at the same time); the caller removes it when done.
 */
export function renderCacheTenantsDir(name: string): string {
  const root = join(__dirname, '..', '..');
  const dir = join(tmpdir(), `ceres-${name}-${createHash('sha1').update(root).digest('hex').slice(0, 12)}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}
