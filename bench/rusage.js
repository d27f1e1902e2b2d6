/**
 * Preloaded (`node --require`) into a `ceres` process the benchmark runs: at exit, writes the
 * process's own peak RSS and CPU time as JSON to the file CERES_BENCH_RUSAGE names.
 */
'use strict';
process.on('exit', () => {
  const u = process.resourceUsage();
  const file = process.env.CERES_BENCH_RUSAGE;
  if (file)
    require('node:fs').writeFileSync(
      file,
      JSON.stringify({ peakRssMb: Math.round(u.maxRSS / 1024), cpuMs: Math.round((u.userCPUTime + u.systemCPUTime) / 1000) }),
    );
});
