/**
 * `ceres verify` (`npm run verify`): proves that what synth renders converges on real clusters,
 * before Argo CD applies it. For every cluster it builds the desired state — the objects of the
 * dist/ folders its Argo CD syncs, plus the objects of every Helm release rendered with the real
 * `helm template` of the pinned chart when `--charts` names a folder of pulled charts — and runs
 * the checks of lib/verify/checks over it: Argo CD admits every Application and object, every pod
 * passes its namespace's Pod Security level and the Kyverno policies (sidecars included), every flow
 * the add-ons declare is allowed, every identity and bucket Kubernetes names exists in Terraform.
 * Nothing is written. Exit 1 on findings.
 */
import { resolve } from 'node:path';
import { composePlatform } from '../lib/core/composition';
import { Flow } from '../lib/core/flows';
import { ClusterConfig, EnvironmentConfig, PlatformConfig } from '../lib/core/model';
import type { Finding, ReleaseRenderer, VerifyCheck, VerifyReport } from '../lib/verify';
import { Command, EXIT, UsageError } from './cli';
import { platform } from './platform/platform';
import { serviceCatalog } from './platform/services';
import { synthesize, SynthesisResult } from './synthesize';

/**
 * lib/verify, loaded when verify runs: it reads the Terraform stacks (cdktf and the providers), which
 * every other command (`ceres synth` above all) would otherwise load just to list this one.
 */
const verifyLib = () => require('../lib/verify') as typeof import('../lib/verify');

export interface VerifyOptions {
  readonly environments?: readonly string[];
  /** Folder of pulled charts; without it releases are checked by their values only. */
  readonly chartsDir?: string;
  readonly helm?: string;
  /** Folder of git mirrors (`<owner>+<name>`) to render the Applications of upstream manifests from; without it they are not rendered. */
  readonly manifestsDir?: string;
  /** Day support windows are judged on. @default today (UTC) */
  readonly asOf?: string;
}

/** Synthesizes in memory and verifies; returns the report and the synthesis. */
export function verifyPlatform(options: VerifyOptions = {}, synthesis?: SynthesisResult): { report: VerifyReport; result: SynthesisResult; rendering: string } {
  const version = options.chartsDir ? verifyLib().helmAvailable(options.helm) : undefined;
  if (options.chartsDir && !version) throw new UsageError(`--charts given but no helm binary answers (${options.helm ?? 'helm on PATH'}); pass --helm PATH`);
  const result = synthesis ?? synthesize({ environments: options.environments });
  let helm: ReleaseRenderer | undefined;
  let manifests: ReleaseRenderer | undefined;
  let rendering: string;
  const scopes = () => new (verifyLib().KindScopes)(result.environments.flatMap((e) => e.objects));
  if (options.chartsDir) {
    const s = scopes();
    helm = verifyLib().helmRenderer({ chartsDir: options.chartsDir, helm: options.helm }, (m) => s.clusterScoped(m));
    rendering = `Helm releases rendered with ${version} from ${options.chartsDir}`;
  } else {
    rendering =
      "Helm releases not rendered (no --charts): checked by their Application values only; pass --charts DIR (helm pull --untar of the pinned versions) to check the upstream charts' own objects";
  }
  if (options.manifestsDir) {
    const s = scopes();
    manifests = verifyLib().manifestsRenderer({ manifestsDir: options.manifestsDir }, (m) => s.clusterScoped(m));
    rendering += `; upstream manifests rendered from the git mirrors in ${options.manifestsDir}`;
  } else {
    rendering += '; upstream manifests not rendered (no --manifests DIR of git mirrors)';
  }
  // Each release goes to its own renderer: a chart to helm, a directory of manifests to git.
  const render: ReleaseRenderer | undefined =
    helm || manifests
      ? (release, cluster) =>
          release.manifests ? (manifests?.(release, cluster) ?? { skipped: 'no --manifests' }) : (helm?.(release, cluster) ?? { skipped: 'no Helm renderer' })
      : undefined;
  const report = verifySynthesis(result, { render, asOf: options.asOf ?? new Date().toISOString().slice(0, 10) });
  return { report, result, rendering };
}

/**
 * Runs every check over a synthesis (as rendered, or as a test altered it): builds each cluster's
 * state from its routed objects, the flows its add-ons declare and the Terraform stacks.
 */
export function verifySynthesis(
  result: Pick<SynthesisResult, 'environments' | 'files' | 'input'>,
  options: { readonly render?: ReleaseRenderer; readonly asOf: string; readonly platform?: PlatformConfig; readonly checks?: readonly VerifyCheck[] },
): VerifyReport {
  const config = options.platform ?? platform;
  // Loaded here: the command line registers verify without loading every add-on (and cdk8s).
  const { platformAddOns } = require('./platform/main') as typeof import('./platform/main');
  const composed = composePlatform(platformAddOns());
  const flows = (environment: EnvironmentConfig, cluster: ClusterConfig): Flow[] => {
    const rendered = result.environments.find((e) => e.name === environment.name);
    const folders = new Set((rendered?.view.clusters.get(cluster.name) ?? []).map((o) => o.folder));
    const tenants = result.input.tenants.filter((t) => folders.has(`tenant-${t.tenantId}`));
    const ids = new Set(tenants.map((t) => t.tenantId));
    const databases = result.input.databases.filter((d) => ids.has(d.tenantId));
    return [...composed.catalog.flows({ platform: config, environment, cluster, tenants, databases, services: serviceCatalog })];
  };
  const clusters = verifyLib().buildClusterStates({ platform: config, environments: result.environments, flows, render: options.render });
  const terraform = new Map<string, unknown>();
  for (const [path, content] of result.files) if (/^terraform\/[^/]+\/cdk\.tf\.json$/.test(path)) terraform.set(path, JSON.parse(content));
  return verifyLib().runChecks(options.checks ?? verifyLib().verifyChecks(), {
    platform: config,
    catalog: composed.catalog,
    clusters,
    terraform,
    asOf: options.asOf,
  });
}

function formatFinding(f: Finding): string[] {
  const where = [f.object, f.file ? `(${/^(helm|git):/.test(f.file) ? f.file : `dist/${f.file}`})` : ''].filter(Boolean).join(' ');
  return [`  ${f.severity === 'warning' ? 'warning ' : ''}[${f.check}] ${where}`, `      ${f.message}`, `      fix: ${f.fix}`];
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'prove the rendered platform converges: Argo CD admits it, pods are admitted, flows allowed, identities and buckets exist',
  usage: ['ceres verify [--charts DIR] [--helm PATH] [--manifests DIR] [--env NAME] [--json]'],
  description: [
    "Synthesizes in memory (nothing is written) and checks every cluster's desired state: the dist/ folders its Argo CD syncs and, with --charts, the objects of every Helm release rendered by `helm template` of the pinned upstream chart with our values and the cluster's Kubernetes version.",
    'Checks: Argo CD project rules (sources, destinations, resource kinds, sync order), Pod Security and Kyverno admission of every pod (injected sidecars included), the network flows the add-ons declare (NetworkPolicies, Istio authorization, Sidecar egress, tenant isolation), and Terraform ↔ Kubernetes names (workload identities, object stores, endpoints). See docs/verify.md.',
    'Exit 0 when nothing is found, 1 on findings.',
  ],
  options: [
    { name: '--charts', value: 'DIR', help: 'folder of pulled charts (<chart>-<version>/ or .tgz) to render the Helm releases with (also CERES_CHARTS)' },
    { name: '--helm', value: 'PATH', help: 'the helm binary (also HELM; default: helm on PATH)' },
    {
      name: '--manifests',
      value: 'DIR',
      help: 'folder of git mirrors (<owner>+<name>, bare) to render the Applications of upstream manifests with, at their pinned tag (also CERES_MANIFESTS)',
    },
  ],
  examples: ['npm run verify', 'npm run verify -- --charts ~/charts --env prod'],
  run(ctx) {
    const charts = (ctx.options.get('--charts') as string | undefined) ?? process.env.CERES_CHARTS;
    const mirrors = (ctx.options.get('--manifests') as string | undefined) ?? process.env.CERES_MANIFESTS;
    ctx.step('synthesizing');
    const { report, rendering } = verifyPlatform({
      environments: ctx.env ? [ctx.env] : undefined,
      chartsDir: charts ? resolve(charts) : undefined,
      helm: (ctx.options.get('--helm') as string | undefined) ?? process.env.HELM,
      manifestsDir: mirrors ? resolve(mirrors) : undefined,
    });
    ctx.io.status?.(undefined);
    const errors = report.findings.filter((f) => f.severity !== 'warning');
    const warnings = report.findings.length - errors.length;
    if (ctx.json) {
      ctx.printJson({ ok: errors.length === 0, command: 'verify', rendering, checks: report.checks, clusters: report.clusters, findings: report.findings });
      return errors.length ? EXIT.problems : EXIT.ok;
    }
    const s = ctx.style;
    ctx.io.out(rendering);
    for (const c of report.clusters) {
      const mine = report.findings.filter((f) => f.environment === c.environment && f.cluster === c.cluster);
      const releases = c.rendered ? `${c.releases} releases (${c.rendered} rendered)` : `${c.releases} releases`;
      const failing = mine.filter((f) => f.severity !== 'warning').length;
      const warned = mine.length - failing;
      ctx.io.out(
        `${failing ? s.red('✗') : s.green('✓')} ${c.environment}/${c.cluster}: ${c.objects} objects, ${releases}, ${failing} findings${warned ? `, ${warned} warnings` : ''}`,
      );
      for (const f of mine) for (const l of formatFinding(f)) ctx.io.out(l);
      if (charts || mirrors) for (const skipped of c.skipped) ctx.io.out(s.dim(`    not rendered: ${skipped}`));
    }
    const global = report.findings.filter((f) => !f.cluster);
    for (const f of global) for (const l of formatFinding(f)) ctx.io.out(l);
    const tally = `${errors.length} findings${warnings ? ` and ${warnings} warnings` : ''} from ${report.checks.length} checks`;
    ctx.io.out(errors.length ? s.red(tally) : s.green(tally));
    return errors.length ? EXIT.problems : EXIT.ok;
  },
};
