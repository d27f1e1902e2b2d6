/**
 * `npm run bench`: synthesizes 10, 100 and 1000 generated tenants (each in its own process; the full
 * synth and a one-tenant edit three times each, the best of each compared) and prints wall time,
 * peak memory, objects, bytes and the ratio to the JSON floor of the same objects, measured in the
 * same run (best of three); then times the Terraform stacks (own process). `npm run bench -- 10 100`
 * picks the sizes; `CERES_BENCH_REPEAT=1` measures each once.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { InputFile } from '../lib/core/input/documents';
import { generatedTenants, withFirstTenantRenamed } from './generate';

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const root = join(__dirname, '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

/**
 * How fast the host is right now: a fixed arithmetic loop and a fixed loop that allocates small
 * objects and serializes them (as rendering does), in ms. The VM's speed moves by a third within an
 * hour; printed at the start and the end, so that runs can be compared by more than their floors.
 */
function hostSpeed(): string {
  let t = performance.now();
  let x = 0;
  for (let i = 0; i < 3e8; i++) x += i;
  const add = performance.now() - t;
  t = performance.now();
  let kept: string[] = [];
  for (let i = 0; i < 1e6; i++) {
    kept.push(JSON.stringify({ a: i, b: `x${i}`, c: [i, i + 1] }));
    if (kept.length > 1e5) kept = [];
  }
  const alloc = performance.now() - t;
  // The loops' results are read, so the compiler cannot drop the loops.
  if (!(x > 0) || !kept.length) throw new Error('the host speed loops computed nothing');
  return `adding ${Math.round(add)} ms, allocating ${Math.round(alloc)} ms`;
}
const speedBefore = hostSpeed();
const rows: Record<string, number>[] = [];
for (const n of sizes.length ? sizes : [10, 100, 1000]) {
  const out = execFileSync(tsx, [join(__dirname, 'run-one.ts'), String(n)], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  rows.push(JSON.parse(out.trim().split('\n').pop()!));
}
console.log(
  'Kubernetes manifests, all environments (synth = parse input, build, resolve, check, serialize, write; floor = JSON.stringify of the same objects into the same files, written, best of 3):',
);
console.log(
  'tenants  synth ms  (memory + write)  JSON floor ms  ratio  synth CPU ms  floor CPU ms  CPU ratio  YAML floor ms  1-tenant edit ms  edit/full  objects   files      bytes  peak RSS MB',
);
for (const r of rows) {
  console.log(
    `${String(r.tenants).padStart(7)}  ${String(r.synthMs).padStart(8)}  ${`(${r.memoryMs} + ${r.writeMs})`.padStart(16)}  ${String(r.jsonFloorMs).padStart(13)}  ${r.ratio.toFixed(2).padStart(5)}  ${String(r.synthCpuMs).padStart(12)}  ${String(r.jsonFloorCpuMs).padStart(12)}  ${r.cpuRatio.toFixed(2).padStart(9)}  ${String(r.yamlFloorMs).padStart(13)}  ${String(r.editMs).padStart(16)}  ${r.editShare.toFixed(2).padStart(9)}  ${String(r.objects).padStart(7)}  ${String(r.files).padStart(6)}  ${String(r.bytes).padStart(9)}  ${String(r.peakRssMb).padStart(11)}`,
  );
}
console.log(
  `Each synth and edit above is the best of ${rows[0]?.repeat ?? 1} (each into an empty folder with an empty render cache, then the edit there), as the floors are the best of 3; every run (ms), and the first run's ratios:`,
);
for (const r of rows) {
  const list = (v: unknown) => (v as number[]).join(', ');
  console.log(
    `${String(r.tenants).padStart(7)}  synth ${list(r.synthRunsMs)}; edit ${list(r.editRunsMs)}; first run: ratio ${r.firstRatio.toFixed(2)}, edit/full ${r.firstEditShare.toFixed(2)}; peak RSS above is the first run's, ${r.peakRssAllMb} MB after all`,
  );
}
console.log(
  rows[0]?.background
    ? "Where the time goes (wall ms of the main thread; tenants = rendering each tenant's own files or reading them from the render cache, build = add-ons over the environment creating constructs, resolve = toJson, yaml = serializing the folders' other files; the charts are serialized and written by the writer's thread while the next are resolved, so write = handing them over and waiting for it at the end), full synth | one-tenant edit:"
    : "Where the time goes (wall ms; tenants = rendering each tenant's own files or reading them from the render cache, build = the add-ons over the environment creating constructs, resolve = toJson, yaml = serializing), full synth | one-tenant edit:",
);
for (const r of rows) {
  const p = r.phases as unknown as Record<string, number>;
  const e = r.editPhases as unknown as Record<string, number>;
  const keys = Object.keys(p);
  console.log(
    `${String(r.tenants).padStart(7)}  ${keys.map((k) => `${k} ${p[k]}`).join(', ')} | ${keys.map((k) => `${k} ${e[k]}`).join(', ')}; the edit wrote ${r.editWritten} of ${r.files} files (the others are unchanged and linked), rendered ${(r.editTenants as unknown as { rendered: number }).rendered} tenant-environments and read ${(r.editTenants as unknown as { cached: number }).cached} from the render cache, edit CPU ${r.editCpuMs} ms`,
  );
}
const tf = JSON.parse(
  execFileSync(tsx, [join(__dirname, 'run-terraform.ts')], { cwd: root, encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()!,
);
console.log(
  `Terraform: ${tf.stacks} stacks, load ${tf.loadMs} ms (provider bindings, deep imports), first render ${tf.firstRenderMs} ms, second ${tf.secondRenderMs} ms, ${tf.bytes} bytes, peak RSS ${tf.peakRssMb} MB`,
);
// The default platform as a user runs it: `ceres synth` (launcher, compiled build cached), best of 3, into a scratch folder.
{
  const out = join(tmpdir(), `ceres-bench-default-${process.pid}`);
  const ceres = join(root, 'bin', 'ceres.js');
  execFileSync(process.execPath, [ceres, 'synth', '--out', out, '--allow-destructive'], { cwd: root, stdio: 'ignore' }); // builds the cache if needed
  const walls: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, [ceres, 'synth', '--out', out], { cwd: root, stdio: 'ignore' });
    walls.push(performance.now() - t0);
  }
  rmSync(out, { recursive: true, force: true });
  console.log(`default platform: \`ceres synth\` ${Math.round(Math.min(...walls))} ms wall (best of 3; process start to exit, Terraform included)`);
}
// `ceres synth` as users run it at the largest size: the review of the change against dist/ and the
// Terraform stacks included, with a render cache of its own. A first synth into an empty folder, then
// the same one-tenant edit as above, then one tenant added (which renders the Terraform stacks again).
{
  const n = Math.max(...rows.map((r) => r.tenants));
  const work = mkdtempSync(join(tmpdir(), 'ceres-bench-cli-'));
  try {
    const tenants = join(work, 'tenants');
    mkdirSync(tenants);
    const writeInput = (files: InputFile[]) => files.forEach((f) => writeFileSync(join(tenants, basename(f.path)), f.content));
    const run = (label: string) => {
      const rusage = join(work, 'rusage.json');
      const t0 = performance.now();
      execFileSync(
        process.execPath,
        ['--require', join(__dirname, 'rusage.js'), join(root, 'bin', 'ceres.js'), 'synth', '--tenants', tenants, '--out', join(work, 'dist')],
        {
          cwd: root,
          stdio: 'ignore',
          env: { ...process.env, CERES_CACHE_DIR: join(work, 'cache'), CERES_BENCH_RUSAGE: rusage },
        },
      );
      const wall = performance.now() - t0;
      const u = JSON.parse(readFileSync(rusage, 'utf8')) as { peakRssMb: number; cpuMs: number };
      console.log(`  ${label}: ${(wall / 1000).toFixed(1)} s wall, ${(u.cpuMs / 1000).toFixed(1)} s CPU, peak RSS ${u.peakRssMb} MB`);
      return wall;
    };
    // The compiled build lives beside the render cache (CERES_CACHE_DIR): compiled here first, not timed.
    spawnSync(process.execPath, [join(root, 'bin', 'ceres.js'), 'schema', '--check'], {
      cwd: root,
      stdio: 'ignore',
      env: { ...process.env, CERES_CACHE_DIR: join(work, 'cache') },
    });
    console.log(`\`ceres synth\` at ${n} tenants (process start to exit; the review against dist/ and Terraform included):`);
    const files = generatedTenants(n);
    writeInput(files);
    const full = run('first synth into an empty folder');
    writeInput(withFirstTenantRenamed(files));
    const edit = run('one-tenant edit');
    // A tenant added (the platform team's most common change): its folders, the shared files that list
    // tenants, and the Terraform stacks, which its database and secret readers change.
    writeInput(generatedTenants(n + 1).slice(n, n + 1));
    const added = run('one tenant added');
    console.log(`  edit/full ${(edit / full).toFixed(2)}, added/full ${(added / full).toFixed(2)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
if (rows.length >= 2) {
  const a = rows[rows.length - 2];
  const b = rows[rows.length - 1];
  const growth = b.synthMs / a.synthMs;
  console.log(
    `growth ${a.tenants} → ${b.tenants} tenants: ×${growth.toFixed(1)} time for ×${(b.tenants / a.tenants).toFixed(0)} tenants (linear would be ×${(b.tenants / a.tenants).toFixed(0)})`,
  );
}
console.log(`host speed (fixed loops; lower is faster): ${speedBefore} at the start, ${hostSpeed()} at the end`);
