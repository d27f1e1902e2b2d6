/**
 * The default platform synthesized once per `jest` run and shared by every test file that only reads
 * it: jest's globalSetup (test/support/global-setup.ts) synthesizes it in the parent process and
 * writes it here; each worker reads it back (a JSON parse instead of a 3-5 s synthesis per file).
 * Tests that must synthesize themselves (determinism, writing, variants) still call synthesize().
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SynthesisResult } from '../../apps/synthesize';
import type { RenderedEnvironment } from '../../lib/core/render';

const DIR = join(__dirname, '..', '..', 'node_modules', '.cache', 'ceres-test');
/** One file per jest run (the parent's pid), so concurrent runs do not read each other's. */
const file = (runId: string) => join(DIR, `synthesis-${runId}.json`);
const RUN_ID = 'CERES_TEST_RUN_ID';

type Stored = Omit<SynthesisResult, 'files' | 'environments' | 'catalog'> & {
  files: [string, string][];
  environments: (Omit<RenderedEnvironment, 'files' | 'view'> & { files: [string, string][]; clusters: [string, RenderedEnvironment['objects']][] })[];
};

/** Writes the synthesis for this run (globalSetup). */
export function storeSynthesis(result: SynthesisResult): void {
  mkdirSync(DIR, { recursive: true });
  const { catalog: _catalog, ...rest } = result;
  const stored: Stored = {
    ...rest,
    files: [...result.files],
    environments: result.environments.map((e) => ({ name: e.name, objects: e.objects, timings: e.timings, files: [...e.files], clusters: [...e.view.clusters] })),
  };
  process.env[RUN_ID] = String(process.pid);
  const target = file(process.env[RUN_ID]!);
  writeFileSync(`${target}.tmp`, JSON.stringify(stored));
  renameSync(`${target}.tmp`, target);
}

let cached: SynthesisResult | undefined;

/** The default platform's synthesis (`synthesize()` with no options), from this run's cache when there is one. */
export function defaultSynthesis(): SynthesisResult {
  if (cached) return cached;
  const runId = process.env[RUN_ID];
  if (!runId || !existsSync(file(runId))) {
    cached = (require('../../apps/synthesize') as typeof import('../../apps/synthesize')).synthesize();
    return cached;
  }
  const stored = JSON.parse(readFileSync(file(runId), 'utf8')) as Stored;
  cached = {
    ...stored,
    files: new Map(stored.files),
    environments: stored.environments.map((e) => ({ name: e.name, objects: e.objects, timings: e.timings, files: new Map(e.files), view: { clusters: new Map(e.clusters) } })),
  } as SynthesisResult;
  return cached;
}
