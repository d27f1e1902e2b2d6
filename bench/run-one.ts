/**
 * One benchmark run in a fresh process (so peak memory is this run's): synthesizes N generated
 * tenants and writes them (as `npm run synth` renders, without the Terraform part, which grows with
 * tenants' secret readers and database sites too: README, Benchmark; each environment's files go to the new tree as soon as they are rendered, where
 * `ceres synth` holds them for its review of destructive changes), then edits one tenant's displayName and synthesizes again into the
 * same folder; three times (REPEAT), the best of each compared; peak memory is read after them. Then
 * it renders the same objects once more, keeping them, and measures the floors on them (best of
 * three). Wall and CPU time both: on a shared machine the CPU ratio is the steadier one. Prints one
 * JSON line. Used by bench/bench.ts.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildEnvironment, platformAddOns } from '../apps/platform/main';
import { platform } from '../apps/platform/platform';
import { InputFile, parseTenantInput } from '../lib/core/input/documents';
import { composePlatform } from '../lib/core/composition';
import { renderEnvironment } from '../lib/core/render';
import { oldTreesLeft, TreeWriter } from '../lib/core/writer';
import { frugalHeap } from '../lib/core/heap';
import { toYamlStream } from '../lib/core/yaml';
import { generatedTenants, withFirstTenantRenamed } from './generate';
import { RenderCache } from '../lib/core/render-cache';
import { serviceCatalog } from '../apps/platform/services';

/**
 * `CERES_BENCH_BACKGROUND=1`: the charts are serialized and written by the writer's thread, on the
 * other core (`objectSink`, `TreeWriter`'s `background`); by default all in this thread, as synth
 * does (measured slower and heavier on this machine: README, Benchmark).
 */
const BACKGROUND = process.env.CERES_BENCH_BACKGROUND === '1';

/** Synthesizes `files` into `out` as `npm run synth` does; with `keep`, also returns every object by file (for the floors). */
function synth(files: InputFile[], out: string, keep = false, cache?: RenderCache) {
  const tenantStore = cache?.tenants();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  // With the cache, files parsed before are not parsed again (as `ceres synth` reads them).
  const input = parseTenantInput(files, { memo: cache?.inputMemo() });
  const composed = composePlatform(platformAddOns());
  // Each environment's files go to the new tree as soon as they are rendered (nothing of them is held).
  // With the cache, the writer keeps its index of the tree there (files given by key linked unread).
  const writer = new TreeWriter(out, { background: BACKGROUND, removeOld: 'background', index: cache?.treeIndex(out) });
  let fileCount = 0;
  let bytes = 0;
  const perFile = new Map<string, unknown[]>();
  // Where the time goes (wall ms): input, add-ons building constructs, resolving objects, checks, YAML.
  const phases = { input: performance.now() - t0, tenants: 0, build: 0, resolve: 0, checks: 0, yaml: 0, write: 0 };
  let objects = 0;
  const tenants = { rendered: 0, cached: 0 };
  for (const env of platform.environments) {
    const b0 = performance.now();
    const output = buildEnvironment(platform, input, env.name, composed, serviceCatalog, tenantStore);
    tenants.rendered += output.tenantRenders.rendered;
    tenants.cached += output.tenantRenders.cached;
    phases.build += performance.now() - b0 - output.tenantRenders.ms;
    phases.tenants += output.tenantRenders.ms;
    // As synth renders: each chart's constructs dropped once resolved, its objects once written (unless kept for the floors).
    // Each file goes to the new tree as soon as it is serialized.
    let writeMs = 0;
    // Text, or (bytesSink) a file put together from the memo tables' bytes, written as bytes (not decoded and encoded again).
    const sink = (p: string, c: string | Buffer) => {
      const w0 = performance.now();
      writer.write(p, c);
      writeMs += performance.now() - w0;
      fileCount++;
    };
    // The charts' objects go to the writer's thread, which serializes and writes them (the other core).
    // (handed over as each chart is resolved: resolving and serializing overlap)
    let handMs = 0;
    const objectSink = (p: string, objects: readonly unknown[]) => {
      const w0 = performance.now();
      writer.writeObjects(p, objects);
      handMs += performance.now() - w0;
      fileCount++;
    };
    // Files read from the render cache go by key: the writer links those the tree has without reading them.
    const keyedSink = (p: string, key: string, content: () => string) => {
      const w0 = performance.now();
      writer.writeKnown(p, key, content);
      writeMs += performance.now() - w0;
      fileCount++;
    };
    const r = renderEnvironment(output, composed.checks, { release: !keep, sink, keyedSink, bytesSink: sink, objectSink: BACKGROUND ? objectSink : undefined });
    phases.resolve += r.timings.resolveMs - handMs;
    phases.checks += r.timings.checkMs;
    phases.yaml += r.timings.serializeMs - writeMs;
    phases.write += writeMs + handMs;
    if (keep) {
      for (const o of r.objects) {
        const list = perFile.get(o.file) ?? [];
        list.push(o.manifest);
        perFile.set(o.file, list);
      }
    }
    for (const n of Object.values(r.objectsByKind)) objects += n;
  }
  const t1 = performance.now();
  const written = writer.commit();
  const t2 = performance.now();
  phases.write += t2 - t1;
  const cpu = process.cpuUsage(c0);
  // The YAML was serialized in the writer's thread: the bytes are read back from the tree (not timed).
  bytes += treeBytes(out);
  const rounded = Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v)]));
  return {
    memoryMs: t1 - t0 - (phases.write - (t2 - t1)),
    writeMs: phases.write,
    totalMs: t2 - t0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    files: fileCount,
    written: written.written,
    objects,
    bytes,
    perFile,
    phases: rounded,
    tenants,
  };
}

/** Bytes of every file under `dir`. */
function treeBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n += statSync(join(e.parentPath ?? e.path, e.name)).size;
  return n;
}

/** Serializing exactly the same objects into the same files (one file per output file) and writing them. */
function floor(perFile: Map<string, unknown[]>, out: string, serialize: (manifests: unknown[]) => string): { ms: number; cpuMs: number } {
  rmSync(out, { recursive: true, force: true });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const dirs = new Set<string>();
  for (const [file, manifests] of perFile) {
    const path = join(out, file);
    const dir = dirname(path);
    if (!dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      dirs.add(dir);
    }
    writeFileSync(path, serialize(manifests));
  }
  const cpu = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Best of three, by wall time and by CPU time (each on its own: the machine may be shared). */
function best(f: () => { ms: number; cpuMs: number }) {
  const runs = [f(), f(), f()];
  return { ms: Math.min(...runs.map((r) => r.ms)), cpuMs: Math.min(...runs.map((r) => r.cpuMs)) };
}

/**
 * How many times the full synth and the edit are measured (`CERES_BENCH_REPEAT`, default 3): each
 * time into an empty folder with an empty render cache of its own, then one edit there (another name
 * each time, so each edit renders the tenant anew). The best of them is compared with the floors,
 * which are the best of three too: on this VM a single run moves by a third between runs minutes apart.
 */
const REPEAT = Math.max(1, Number(process.env.CERES_BENCH_REPEAT ?? '3') || 3);

// As `ceres synth` does.
frugalHeap();
const count = Number(process.argv[2] ?? '100');
const work = mkdtempSync(join(tmpdir(), 'ceres-bench-'));
try {
  synth(generatedTenants(10), join(work, 'warmup')); // JIT warm-up, not measured
  const input = generatedTenants(count);
  let peakRssMb = 0;
  const runs: ReturnType<typeof synth>[] = [];
  const edits: ReturnType<typeof synth>[] = [];
  for (let i = 0; i < REPEAT; i++) {
    // Synth as `npm run synth` does it, holding nothing else: its peak memory is the process's so far.
    // With the render cache `ceres synth` keeps (its tenant entries; empty here, so the full synth renders and stores every tenant).
    // The trees and caches of earlier runs stay until the end (removing 23,000 files slows the next writes on this disk).
    const dist = join(work, `dist-${i}`);
    const cache = new RenderCache(join(work, `cache-${i}`), 'bench');
    runs.push(synth(input, dist, false, cache));
    // One tenant's displayName changes (a label and annotations in its folders, and the cost report).
    edits.push(synth(withFirstTenantRenamed(input, i), dist, false, cache));
    // The edit left the old tree to a background removal (as `ceres synth` does): the next run and the floors wait for it.
    for (let waited = 0; oldTreesLeft(dist) && waited < 60_000; waited += 50) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    // The peak of a synth and its edit is the first run's: the later ones start from what the process
    // kept of the earlier (V8 and malloc keep freed pages a while: 47 MB of heap, 360 MB resident).
    if (i === 0) peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  }
  const peakRssAllMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const fastest = <T extends { totalMs: number }>(list: T[]) => list.reduce((a, b) => (b.totalMs < a.totalMs ? b : a));
  const run = fastest(runs);
  const edit = fastest(edits);
  // The floors serialize the very same objects: rendered once more, kept this time.
  const { perFile } = synth(input, join(work, 'again'), true);
  const jsonFloor = best(() => floor(perFile, join(work, 'floor'), (m) => JSON.stringify(m)));
  const yamlFloor = best(() => floor(perFile, join(work, 'floor'), (m) => toYamlStream(m)));
  console.log(
    JSON.stringify({
      tenants: count,
      background: BACKGROUND,
      repeat: REPEAT,
      synthMs: Math.round(run.totalMs),
      synthRunsMs: runs.map((r) => Math.round(r.totalMs)),
      synthCpuMs: Math.round(Math.min(...runs.map((r) => r.cpuMs))),
      memoryMs: Math.round(run.memoryMs),
      writeMs: Math.round(run.writeMs),
      jsonFloorMs: Math.round(jsonFloor.ms),
      jsonFloorCpuMs: Math.round(jsonFloor.cpuMs),
      yamlFloorMs: Math.round(yamlFloor.ms),
      ratio: Number((run.totalMs / jsonFloor.ms).toFixed(2)),
      cpuRatio: Number((Math.min(...runs.map((r) => r.cpuMs)) / jsonFloor.cpuMs).toFixed(2)),
      firstRatio: Number((runs[0].totalMs / jsonFloor.ms).toFixed(2)),
      editMs: Math.round(edit.totalMs),
      editRunsMs: edits.map((r) => Math.round(r.totalMs)),
      editCpuMs: Math.round(edit.cpuMs),
      editWritten: edit.written,
      editTenants: edit.tenants,
      phases: run.phases,
      editPhases: edit.phases,
      editShare: Number((edit.totalMs / run.totalMs).toFixed(2)),
      firstEditShare: Number((edits[0].totalMs / runs[0].totalMs).toFixed(2)),
      objects: run.objects,
      files: run.files,
      bytes: run.bytes,
      peakRssMb,
      peakRssAllMb,
    }),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
