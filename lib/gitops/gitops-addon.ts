import { BootstrapStep, HelmChart, NamespaceDeclaration, PlatformAddOn, PlatformContext } from '../core/addon';
import { SyncWave } from '../core/argocd';
import { TenantFolders } from '../core/capabilities';
import { ManifestCheck } from '../core/checks';
import { ClusterConfig } from '../core/model';
import { applicationName, Labels } from '../core/names';
import { PlatformNamespaces } from '../core/namespaces';
import { appOfAppsFolder, EnvironmentOutput, OutputFolder } from '../core/output';
import { placementApplies } from '../core/topology';
import { toYamlDocument } from '../core/yaml';
import { FolderApplication, folderInventory, HelmApplication, InventoryEntry, PlatformProject, RootApplication, statefulProtectionCheck } from '../argocd';
import { TenantProject } from '../tenants';
import { ARGOCD_OIDC, argoCd, PLATFORM_REALM } from './argo-cd';
import { controllerOwnedFields } from './controller-owned-fields';

/** A cluster's folder of what is applied by hand once (not synced). */
export const BOOTSTRAP_FOLDER = 'bootstrap';

/** A folder the app of apps delivers, with what was learnt from its objects. */
interface DeliveredFolder {
  readonly folder: OutputFolder;
  readonly entries: readonly InventoryEntry[];
}

/**
 * The app of apps, one per cluster: every cluster runs its own Argo CD, which pulls what is routed
 * to it (see topology.ts for why). It deploys after every other add-on and derives from what they
 * declared and rendered. Per cluster, in `dist/<env>/clusters/<cluster>/`:
 * - `bootstrap/root-app.yaml`: the root Application over the cluster's `argocd/` folder (applied by
 *   hand once), and `README.md` with the commands (Argo CD's Helm values for this cluster inline);
 * - `argocd/applications.yaml`: a child Application per synced folder routed to the cluster: the
 *   environment-wide folders whose placement matches the cluster's profile and whose custom
 *   resources come from charts the cluster runs, and the cluster's own folders;
 * - `argocd/<file>.yaml`: one Application per Helm chart placed on the cluster (`addons.yaml`,
 *   Istio's in `istio.yaml`), with the values computed for this cluster;
 * - `argocd/projects.yaml`: the `platform` AppProject (the manifests repository and the repository
 *   of every chart the cluster runs) and the tenants' AppProjects.
 */
export class GitOpsAddOn implements PlatformAddOn {
  public readonly name = 'gitops';
  public readonly charts = [argoCd];
  public readonly namespaces: readonly NamespaceDeclaration[] = [{ name: PlatformNamespaces.argocd, podSecurity: 'restricted', thirdPartyImages: true }];
  public readonly requires = [TenantFolders];
  public readonly after = 'all';
  public readonly checks: readonly ManifestCheck[];
  private readonly statefulFolders = new Map<string, Set<string>>();

  constructor() {
    this.checks = [statefulProtectionCheck((env) => this.statefulFolders.get(env) ?? new Set())];
  }

  public deploy(ctx: PlatformContext): void {
    const { environment: env, output } = ctx;

    const delivered: DeliveredFolder[] = [];
    for (const folder of output.folders) {
      if (!folder.synced) continue;
      const entries = folderInventory(folder);
      // A folder without objects has no file for Argo CD to read.
      if (entries.length) delivered.push({ folder, entries });
    }
    this.statefulFolders.set(env.name, new Set(delivered.filter((d) => d.folder.options.stateful).map((d) => d.folder.path)));

    for (const cluster of env.clusters) {
      const charts = ctx.catalog.charts.filter((c) => placementApplies(c.placement, cluster));
      const folders = delivered.filter((d) => routedTo(d, cluster, charts, ctx.catalog.charts));
      this.clusterAppOfApps(ctx, cluster, charts, folders);
    }
  }

  private clusterAppOfApps(ctx: PlatformContext, cluster: ClusterConfig, charts: readonly HelmChart[], folders: readonly DeliveredFolder[]): void {
    const { platform, environment: env, output } = ctx;
    const { repoURL, targetRevision } = platform.gitops;
    const argocd = appOfAppsFolder(output, cluster);
    const target = { platform, environment: env, cluster, backups: ctx.backups, services: ctx.services };

    for (const chart of charts) {
      new HelmApplication(argocd.manifest(chart.file ?? 'addons'), chart.name, {
        name: chart.name,
        chart: chart.chart,
        namespace: chart.namespace,
        releaseName: chart.releaseName ?? chart.name,
        values: chart.values(target) as Record<string, unknown>,
        syncWave: chart.syncWave ?? SyncWave.operators,
        ignoreDifferences: chart.ignoreDifferences,
        labels: { [Labels.costCenter]: 'platform', 'ceres.io/cluster': cluster.name, 'ceres.io/addon': chart.name },
      });
    }

    output.route(cluster, argocd);
    const apps = argocd.manifest('applications');
    for (const { folder, entries } of folders) {
      output.route(cluster, folder);
      const o = folder.options;
      new FolderApplication(apps, folder.path, {
        name: applicationName(env.name, folder.name),
        path: folderPath(env.name, folder.path),
        repoURL,
        targetRevision,
        project: o.project ?? 'platform',
        syncWave: o.syncWave ?? 0,
        stateful: o.stateful ?? false,
        serverSideApply: (o.serverSideApply ?? false) || entries.some((e) => e.large),
        controllerOwnedFields: controllerOwnedFields(entries, ctx.services),
        description: o.description,
        labels: { [Labels.costCenter]: o.labels?.[Labels.costCenter] ?? 'platform', 'ceres.io/folder': folder.name },
      });
    }

    const projects = argocd.manifest('projects');
    new PlatformProject(projects, 'platform', { sourceRepos: [repoURL, ...charts.map((c) => c.chart.repoURL)] });
    const routed = new Set(folders.map((f) => f.folder));
    for (const tenant of ctx.use(TenantFolders).values()) {
      if (!routed.has(tenant.folder)) continue;
      new TenantProject(projects, `Project-${tenant.spec.tenantId}`, {
        name: tenant.folder.name,
        namespaces: [tenant.namespace],
        sourceRepos: [repoURL],
        keycloakRealm: tenant.spec.keycloakRealm,
        description: `${tenant.spec.displayName}: the tenant's own Applications, confined to ${tenant.namespace}`,
      });
    }

    const bootstrap = output.clusterFolder(cluster, BOOTSTRAP_FOLDER, {
      synced: false,
      description: 'Applied by hand once per cluster: the root Application and the bootstrap commands',
    });
    new RootApplication(bootstrap.manifest('root-app'), 'root', {
      name: `${env.name}-root`,
      path: folderPath(env.name, argocd.path),
      repoURL,
      targetRevision,
    });
    // Argo CD's own step first, then each chart's the cluster runs (declared by the add-on that owns it).
    const steps: BootstrapStep[] = [
      argoCdBootstrapStep(),
      ...ctx.catalog.charts.filter((c) => c !== argoCd && placementApplies(c.placement, cluster)).flatMap((c) => c.bootstrap?.(target) ?? []),
    ];
    bootstrap.addFile('README.md', bootstrapReadme(output, cluster, toYamlDocument(argoCd.values(target)), steps));
  }
}

/** Repository path of a dist folder (`path` relative to `dist/<env>/`). */
export function folderPath(env: string, path: string): string {
  return `dist/${env}/${path}`;
}

/**
 * Whether a cluster syncs a folder: its own folders, and the environment-wide folders whose
 * placement matches the cluster and whose custom resources all come from charts the cluster runs
 * (an edge site has no Prometheus Operator, so it gets no folder of PrometheusRules).
 */
function routedTo(d: DeliveredFolder, cluster: ClusterConfig, clusterCharts: readonly HelmChart[], allCharts: readonly HelmChart[]): boolean {
  if (d.folder.cluster) return d.folder.cluster === cluster;
  if (!placementApplies(d.folder.options.placement ?? {}, cluster)) return false;
  for (const group of new Set(d.entries.map((e) => e.group))) {
    const provided = allCharts.some((c) => c.crdGroups.includes(group));
    if (provided && !clusterCharts.some((c) => c.crdGroups.includes(group))) return false;
  }
  return true;
}

/** Argo CD's OIDC client secret, before the root Application (sign-in; never in git). */
function argoCdBootstrapStep(): BootstrapStep {
  return [
    `Give Argo CD the secret of its OIDC client \`${ARGOCD_OIDC.clientID}\` in the \`${PLATFORM_REALM}\` Keycloak realm (sign-in; groups map to roles, the admin login is off):`,
    '',
    '   ```sh',
    `   kubectl -n ${PlatformNamespaces.argocd} patch secret argocd-secret --type merge -p '{"stringData":{"${ARGOCD_OIDC.secretKey}":"'"$ARGOCD_OIDC_CLIENT_SECRET"'"}}'`,
    '   ```',
  ];
}

function bootstrapReadme(output: EnvironmentOutput, cluster: ClusterConfig, argoValues: string, steps: readonly BootstrapStep[]): string {
  const env = output.name;
  const dir = `dist/${env}/clusters/${cluster.name}`;
  return [
    `# Bootstrapping ${cluster.name} (${env})`,
    '',
    `Generated by \`npm run synth\`; see docs/gitops.md. This cluster runs its own Argo CD, which pulls \`${dir}/argocd/\` and through it everything routed to the cluster; nothing outside needs to reach its API server.`,
    '',
    `1. Install Argo CD on \`${cluster.name}\` with the values its self-managed Application uses (\`argo-cd\` in ${dir}/argocd/addons.yaml):`,
    '',
    '   ```sh',
    '   helm repo add argo https://argoproj.github.io/argo-helm',
    `   helm install argocd argo/argo-cd --version ${argoCd.chart.version} --namespace argocd --create-namespace -f - <<'VALUES'`,
    ...argoValues
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => `   ${l}`.trimEnd()),
    '   VALUES',
    '   ```',
    '',
    ...steps.flatMap((lines, i) => [`${i + 2}. ${lines[0]}`, ...lines.slice(1), '']),
    `${steps.length + 2}. Apply the root Application once; it syncs the cluster's app of apps and, through it, everything else:`,
    '',
    '   ```sh',
    `   kubectl apply -n argocd -f ${dir}/bootstrap/root-app.yaml`,
    '   ```',
    '',
  ].join('\n');
}
