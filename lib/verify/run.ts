import { ClusterState, Finding, VerifyCheck, VerifyContext } from './types';

/** The outcome of `npm run verify` over some clusters. */
export interface VerifyReport {
  /** Every finding of every check, errors and warnings. */
  readonly findings: readonly Finding[];
  /** Per cluster: how many releases were rendered and why the others were not. */
  readonly clusters: readonly {
    readonly environment: string;
    readonly cluster: string;
    readonly objects: number;
    readonly releases: number;
    readonly rendered: number;
    readonly skipped: readonly string[];
  }[];
  /** Checks run, in order. */
  readonly checks: readonly string[];
}

/** Runs every check over every cluster state; findings sorted by environment, cluster, check, file, object. */
export function runChecks(checks: readonly VerifyCheck[], ctx: VerifyContext): VerifyReport {
  const findings: Finding[] = [];
  for (const state of ctx.clusters) {
    for (const check of checks) findings.push(...check.run(state, ctx));
  }
  const key = (f: Finding) => [f.environment, f.cluster ?? '', f.check, f.file ?? '', f.object ?? '', f.message].join('\u0000');
  const unique = new Map(findings.map((f) => [key(f), f]));
  return {
    findings: [...unique.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)),
    clusters: ctx.clusters.map((s: ClusterState) => ({
      environment: s.environment.name,
      cluster: s.cluster.name,
      objects: s.objects.length,
      releases: s.releases.length,
      rendered: s.releases.filter((r) => r.rendered).length,
      skipped: [...new Set(s.releases.filter((r) => r.skipped).map((r) => `${r.chart}@${r.version}: ${r.skipped}`))],
    })),
    checks: checks.map((c) => c.name),
  };
}
