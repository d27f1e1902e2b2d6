/**
 * One benchmark run in a fresh process (so peak memory is this run's): synthesizes N generated
 * tenants to a temporary folder and measures the YAML-serialization floor of the same objects.
 * Prints one JSON line. Used by bench/bench.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEnvironment, platformAddOns } from '../apps/platform/main';
import { platform } from '../apps/platform/platform';
import { parseTenantInput } from '../lib/core/input/documents';
import { composePlatform } from '../lib/core/composition';
import { renderEnvironment } from '../lib/core/render';
import { writeTreeAtomically } from '../lib/core/writer';
import { toYamlStream } from '../lib/core/yaml';
import { generatedTenants } from './generate';

function synth(count: number, out: string) {
  const t0 = performance.now();
  const input = parseTenantInput(generatedTenants(count));
  const t1 = performance.now();
  const composed = composePlatform(platformAddOns());
  const files = new Map<string, string>();
  const perFile = new Map<string, unknown[]>();
  let objects = 0;
  for (const env of platform.environments) {
    const rendered = renderEnvironment(buildEnvironment(platform, input, env.name, composed), composed.checks);
    for (const [p, c] of rendered.files) files.set(p, c);
    for (const o of rendered.objects) {
      const list = perFile.get(o.file) ?? [];
      list.push(o.manifest);
      perFile.set(o.file, list);
    }
    objects += rendered.objects.length;
  }
  const t2 = performance.now();
  writeTreeAtomically(out, files);
  const t3 = performance.now();
  let bytes = 0;
  for (const c of files.values()) bytes += Buffer.byteLength(c);
  return { input: t1 - t0, render: t2 - t1, write: t3 - t2, total: t3 - t0, files: files.size, objects, bytes, perFile };
}

/** The floor: serializing exactly the same objects into the same files, and nothing else. */
function floor(perFile: Map<string, unknown[]>): number {
  const t0 = performance.now();
  let n = 0;
  for (const manifests of perFile.values()) n += toYamlStream(manifests).length;
  if (n < 0) throw new Error('unreachable');
  return performance.now() - t0;
}

const count = Number(process.argv[2] ?? '100');
const work = mkdtempSync(join(tmpdir(), 'ceres-bench-'));
try {
  synth(10, join(work, 'warmup')); // JIT warm-up, not measured
  const run = synth(count, join(work, 'dist'));
  const floorMs = Math.min(floor(run.perFile), floor(run.perFile));
  const synthMs = run.input + run.render; // in memory, what the floor is compared with
  console.log(
    JSON.stringify({
      tenants: count,
      synthMs: Math.round(synthMs),
      writeMs: Math.round(run.write),
      totalMs: Math.round(run.total),
      floorMs: Math.round(floorMs),
      ratio: Number((synthMs / floorMs).toFixed(2)),
      objects: run.objects,
      files: run.files,
      bytes: run.bytes,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
