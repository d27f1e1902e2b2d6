/**
 * Profiling aid (not part of `npm run bench`): one synth of N generated tenants after a 10-tenant warm-up, as
 * bench/run-one.ts's first synth; run it under `node --cpu-prof` or `--heap-prof` (`node --import tsx bench/profile-one.ts 1000 /tmp/out`).
 */
import { rmSync } from 'node:fs';
import { buildEnvironment, platformAddOns } from '../apps/platform/main';
import { platform } from '../apps/platform/platform';
import { parseTenantInput } from '../lib/core/input/documents';
import { composePlatform } from '../lib/core/composition';
import { renderEnvironment } from '../lib/core/render';
import { TreeWriter } from '../lib/core/writer';
import { frugalHeap } from '../lib/core/heap';
import { generatedTenants } from './generate';

frugalHeap();
const n = Number(process.argv[2] ?? '100');
const out = process.argv[3] ?? '/tmp/ceres-profile-one';
for (const [count, dir] of [
  [10, `${out}-warmup`],
  [n, out],
] as const) {
  rmSync(dir, { recursive: true, force: true });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const input = parseTenantInput(generatedTenants(count));
  const composed = composePlatform(platformAddOns());
  const writer = new TreeWriter(dir, { background: process.env.CERES_BENCH_BACKGROUND === '1' });
  const phases = { build: 0, resolve: 0, checks: 0, yamlAndWrite: 0, write: 0 };
  for (const env of platform.environments) {
    const b0 = performance.now();
    const output = buildEnvironment(platform, input, env.name, composed);
    phases.build += performance.now() - b0;
    let w = 0;
    let hand = 0;
    const r = renderEnvironment(output, composed.checks, {
      release: true,
      objectSink:
        process.env.CERES_BENCH_BACKGROUND !== '1'
          ? undefined
          : (p, objects) => {
              const w0 = performance.now();
              writer.writeObjects(p, objects);
              hand += performance.now() - w0;
            },
      sink: (p, c) => {
        const w0 = performance.now();
        writer.write(p, c);
        w += performance.now() - w0;
      },
    });
    phases.resolve += r.timings.resolveMs - hand;
    phases.checks += r.timings.checkMs;
    phases.yamlAndWrite += r.timings.serializeMs + hand;
    phases.write += w + hand;
  }
  const c1 = performance.now();
  writer.commit();
  phases.write += performance.now() - c1;
  const cpu = process.cpuUsage(c0);
  console.log(
    JSON.stringify({
      tenants: count,
      wallMs: Math.round(performance.now() - t0),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      ...Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v)])),
      rssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}
