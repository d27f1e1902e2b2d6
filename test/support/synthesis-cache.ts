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
 *
 * The same synthesis fills a render cache for the run (lib/core/render-cache.ts, as the `ceres`
 * launcher enables it, under the same key): tests of what synth and diff do with rendered output
 * (test/support/render-cache-env.ts) read the default platform's environments and stacks from it
 * instead of rendering them again.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SynthesisResult } from '../../apps/synthesize';
import type { RenderedEnvironment } from '../../lib/core/render';
import type { RenderedObject } from '../../lib/core/checks';

const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, 'node_modules', '.cache', 'ceres-test');
/** The file of this run's synthesis (set by globalSetup, read by the workers). */
const FILE = 'CERES_TEST_SYNTHESIS';
/** The run's render cache folder and code version (set by globalSetup, read by withRenderCache). */
export const RENDER_CACHE_ENV = { dir: 'CERES_TEST_RENDER_CACHE', build: 'CERES_TEST_RENDER_BUILD' } as const;
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

type Stored = Omit<SynthesisResult, 'files' | 'environments' | 'catalog'> & { files: [string, string][] };

/**
 * The rendered environments, stored apart (only the tests that read objects parse them): each
 * environment's files are the synthesis's own under `<env>/`, and a cluster's objects are indices
 * into the environment's objects where they are the same record (else the record itself).
 */
type StoredEnvironments = (Omit<RenderedEnvironment, 'files' | 'view'> & { files: string[]; clusters: [string, (number | RenderedObject)[]][] })[];

/** Where the environments of a stored synthesis are. */
const environmentsFile = (target: string) => target.replace(/\.json$/, '.environments.json');

/** A digest of everything the default synthesis depends on. */
export function synthesisKey(): string {
  const hash = createHash('sha256');
  hash.update(`${process.version}\0`);
  for (const [k, v] of Object.entries(process.env)
    // CERES_TEST_* steer the test harness (this file), not what is synthesized.
    .filter(([k]) => k.startsWith('CERES_') && !k.startsWith('CERES_TEST_'))
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
 * matches, or else `synthesize(renderCache)`'s, stored (the render cache, given as the launcher's
 * environment variables, is empty then and filled by that synthesis). Returns whether it was synthesized.
 */
export function prepareSynthesis(synthesize: (renderCache: { CERES_RENDER_CACHE: string; CERES_BUILD_ID: string }) => SynthesisResult): boolean {
  mkdirSync(DIR, { recursive: true });
  const now = Date.now();
  for (const name of readdirSync(DIR)) {
    const p = join(DIR, name);
    try {
      if (now - statSync(p).mtimeMs > KEEP_MS) rmSync(p, { recursive: true, force: true });
    } catch {
      // removed by a concurrent run
    }
  }
  const key = synthesisKey();
  const target = join(DIR, `synthesis-${key}.json`);
  const renderCache = { CERES_RENDER_CACHE: join(DIR, `render-${key}`), CERES_BUILD_ID: `test-${key}` };
  process.env[FILE] = target;
  process.env[RENDER_CACHE_ENV.dir] = renderCache.CERES_RENDER_CACHE;
  process.env[RENDER_CACHE_ENV.build] = renderCache.CERES_BUILD_ID;
  if (!process.env.CERES_TEST_FRESH && existsSync(target) && existsSync(environmentsFile(target))) {
    for (const p of [target, environmentsFile(target), renderCache.CERES_RENDER_CACHE]) if (existsSync(p)) utimesSync(p, new Date(now), new Date(now));
    return false;
  }
  rmSync(renderCache.CERES_RENDER_CACHE, { recursive: true, force: true });
  storeSynthesis(synthesize(renderCache), target);
  return true;
}

/** Writes a synthesis for the workers of this run to read (globalSetup). */
export function storeSynthesis(result: SynthesisResult, target = join(DIR, `synthesis-run-${process.pid}.json`)): void {
  writeSynthesis(result, target);
  process.env[FILE] = target;
}

/** Writes a synthesis where {@link readSynthesis} reads it: `target`, and its environments beside it. */
function writeSynthesis(result: SynthesisResult, target: string): void {
  mkdirSync(DIR, { recursive: true });
  const { catalog: _catalog, environments: _environments, ...rest } = result;
  const stored: Stored = { ...rest, files: [...result.files] };
  const environments: StoredEnvironments = result.environments.map((e) => {
    const index = new Map(e.objects.map((o, i) => [o, i]));
    for (const [path, content] of e.files)
      if (result.files.get(path) !== content) throw new Error(`storeSynthesis: ${path} of ${e.name} is not the synthesis's`);
    return {
      name: e.name,
      objects: e.objects,
      objectsByKind: e.objectsByKind,
      timings: e.timings,
      files: [...e.files.keys()],
      clusters: [...e.view.clusters].map(([c, objects]) => [c, objects.map((o) => index.get(o) ?? o)]),
    };
  });
  const write = (file: string, value: unknown) => {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, file);
  };
  // The environments first: a synthesis file is complete once it exists.
  write(environmentsFile(target), environments);
  write(target, stored);
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
  cached = readSynthesis(file);
  return cached;
}

/** A synthesis {@link writeSynthesis} wrote (its environments parsed on first use: most readers read files only). */
function readSynthesis(file: string): SynthesisResult {
  const stored = JSON.parse(readFileSync(file, 'utf8')) as Stored;
  const files = new Map(stored.files);
  let environments: RenderedEnvironment[] | undefined;
  const readEnvironments = (): RenderedEnvironment[] =>
    (JSON.parse(readFileSync(environmentsFile(file), 'utf8')) as StoredEnvironments).map((e) => ({
      name: e.name,
      objects: e.objects,
      objectsByKind: e.objectsByKind,
      timings: e.timings,
      files: new Map(e.files.map((path) => [path, files.get(path)!])),
      view: { clusters: new Map(e.clusters.map(([c, objects]) => [c, objects.map((o) => (typeof o === 'number' ? e.objects[o] : o))])) },
    }));
  const result = { ...stored, files } as unknown as SynthesisResult;
  // Parsed on first use: most test files read files only.
  Object.defineProperty(result, 'environments', { enumerable: true, get: () => (environments ??= readEnvironments()) });
  return result;
}

/**
 * The synthesis of a fixture (`synthesize` over a fixture platform or tenant input), for test files
 * that check what it rendered rather than the rendering: synthesized by the first run of the code
 * that asks for it, stored beside the run's own synthesis under a key of the run's code (the shared
 * synthesis's key) and of `parts` (everything the fixture is made of: the platform, the documents),
 * and read back by later runs, which then load neither cdk8s nor the add-ons for it. Without the run's
 * cache (no globalSetup), synthesized every time. The stored result has no `catalog`.
 */
export function fixtureSynthesis(parts: unknown, synthesize: () => SynthesisResult): SynthesisResult {
  const build = process.env[RENDER_CACHE_ENV.build];
  if (!build) return synthesize();
  const key = createHash('sha256').update(build).update('\0').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
  const target = join(DIR, `fixture-synthesis-${key}.json`);
  if (existsSync(target) && existsSync(environmentsFile(target))) {
    // Kept while used (the run's setup removes what was not used for a day).
    const now = new Date();
    for (const p of [target, environmentsFile(target)]) utimesSync(p, now, now);
    return readSynthesis(target);
  }
  const result = synthesize();
  writeSynthesis(result, target);
  return result;
}
