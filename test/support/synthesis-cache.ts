/**
 * The default platform synthesized once and shared by every test file that only reads it: jest's
 * globalSetup (test/support/global-setup.ts) synthesizes it in the parent process and writes it
 * here; each worker reads it back (a JSON parse instead of a 3-5 s synthesis per file).
 *
 * The stored synthesis is kept for the next run under a key of everything it is made from (every
 * file of apps/, lib/ and imports/, the lockfile, the Node version, the CERES_* environment, the
 * jest transformer and this file): a run with none of them changed reads it instead of synthesizing again. CERES_TEST_FRESH=1
 * synthesizes regardless. Tests that must synthesize themselves (determinism, writing, variants)
 * still call synthesize().
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SynthesisResult } from '../../apps/synthesize';
import type { RenderedEnvironment } from '../../lib/core/render';

const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, 'node_modules', '.cache', 'ceres-test');
/** The file of this run's synthesis (set by globalSetup, read by the workers). */
const FILE = 'CERES_TEST_SYNTHESIS';
/** What the synthesis is made of, besides the CERES_* environment and the Node version. */
const SOURCES = [
  'apps',
  'lib',
  'imports',
  'package.json',
  'package-lock.json',
  'test/support/synthesis-cache.ts',
  'test/support/global-setup.ts',
  'test/support/esbuild-transform.js',
];
/** Stored syntheses not used for this long are removed. */
const KEEP_MS = 24 * 60 * 60 * 1000;

type Stored = Omit<SynthesisResult, 'files' | 'environments' | 'catalog'> & {
  files: [string, string][];
  environments: (Omit<RenderedEnvironment, 'files' | 'view'> & { files: [string, string][]; clusters: [string, RenderedEnvironment['objects']][] })[];
};

/** A digest of everything the default synthesis depends on. */
export function synthesisKey(): string {
  const hash = createHash('sha256');
  hash.update(`${process.version}\0`);
  for (const [k, v] of Object.entries(process.env)
    .filter(([k]) => k.startsWith('CERES_') && k !== FILE)
    .sort())
    hash.update(`env ${k}=${v}\0`);
  const add = (rel: string): void => {
    const abs = join(ROOT, rel);
    if (!existsSync(abs)) return void hash.update(`missing ${rel}\0`);
    if (statSync(abs).isDirectory()) {
      for (const name of readdirSync(abs).sort()) add(`${rel}/${name}`);
      return;
    }
    hash.update(`file ${rel}\0`).update(readFileSync(abs)).update('\0');
  };
  for (const s of SOURCES) add(s);
  return hash.digest('hex').slice(0, 32);
}

/**
 * globalSetup: makes this run's synthesis available to the workers: the stored one when its key
 * matches, or else `synthesize()`'s, stored. Returns whether it was synthesized.
 */
export function prepareSynthesis(synthesize: () => SynthesisResult): boolean {
  mkdirSync(DIR, { recursive: true });
  const now = Date.now();
  for (const name of readdirSync(DIR)) {
    const p = join(DIR, name);
    try {
      if (now - statSync(p).mtimeMs > KEEP_MS) rmSync(p, { force: true });
    } catch {
      // removed by a concurrent run
    }
  }
  const target = join(DIR, `synthesis-${synthesisKey()}.json`);
  process.env[FILE] = target;
  if (!process.env.CERES_TEST_FRESH && existsSync(target)) {
    utimesSync(target, new Date(now), new Date(now));
    return false;
  }
  storeSynthesis(synthesize(), target);
  return true;
}

/** Writes a synthesis for the workers of this run to read (globalSetup). */
export function storeSynthesis(result: SynthesisResult, target = join(DIR, `synthesis-run-${process.pid}.json`)): void {
  mkdirSync(DIR, { recursive: true });
  const { catalog: _catalog, ...rest } = result;
  const stored: Stored = {
    ...rest,
    files: [...result.files],
    environments: result.environments.map((e) => ({
      name: e.name,
      objects: e.objects,
      objectsByKind: e.objectsByKind,
      timings: e.timings,
      files: [...e.files],
      clusters: [...e.view.clusters],
    })),
  };
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(stored));
  renameSync(tmp, target);
  process.env[FILE] = target;
}

let cached: SynthesisResult | undefined;

/** The default platform's synthesis (`synthesize()` with no options), from this run's shared one when there is one. */
export function defaultSynthesis(): SynthesisResult {
  if (cached) return cached;
  const file = process.env[FILE];
  if (!file || !existsSync(file)) {
    cached = (require('../../apps/synthesize') as typeof import('../../apps/synthesize')).synthesize();
    return cached;
  }
  const stored = JSON.parse(readFileSync(file, 'utf8')) as Stored;
  cached = {
    ...stored,
    files: new Map(stored.files),
    environments: stored.environments.map((e) => ({
      name: e.name,
      objects: e.objects,
      objectsByKind: e.objectsByKind,
      timings: e.timings,
      files: new Map(e.files),
      view: { clusters: new Map(e.clusters) },
    })),
  } as SynthesisResult;
  return cached;
}
