import { HelmChart, NamespaceDeclaration, PlatformAddOn, PlatformContext } from '../core/addon';
import { SyncWave } from '../core/argocd';
import { TenantFolders } from '../core/capabilities';
import { ManifestCheck } from '../core/checks';
import { BootstrapFacts } from '../core/cloud';
import { ALERT_RECEIVER_KEYS, KIALI_OIDC } from '../observability';
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
  public readonly namespaces: readonly NamespaceDeclaration[] = [
    { name: PlatformNamespaces.argocd, podSecurity: 'restricted', thirdPartyImages: true },
  ];
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
    const runs = (name: string) => ctx.catalog.charts.some((c) => c.name === name && placementApplies(c.placement, cluster));
    const steps = bootstrapSteps(env.name, cluster, { velero: runs('velero'), sealedSecrets: runs('sealed-secrets'), alertmanager: runs('kube-prometheus-stack'), kiali: runs('kiali'), primary: env.clusters.find((c) => c.role === 'primary') });
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

/**
 * Facts that exist only once the cluster's Terraform stack is applied, or that must never be in git
 * or Terraform state, put in place before the root Application: the names come from the platform
 * model (lib/core/cloud.ts BootstrapFacts), which the charts' values read too.
 */
function bootstrapSteps(env: string, cluster: ClusterConfig, runs: { velero: boolean; sealedSecrets: boolean; alertmanager: boolean; kiali: boolean; primary?: ClusterConfig }): string[][] {
  const steps: string[][] = [
    [
      `Give Argo CD the secret of its OIDC client \`${ARGOCD_OIDC.clientID}\` in the \`${PLATFORM_REALM}\` Keycloak realm (sign-in; groups map to roles, the admin login is off):`,
      '',
      '   ```sh',
      `   kubectl -n ${PlatformNamespaces.argocd} patch secret argocd-secret --type merge -p '{"stringData":{"${ARGOCD_OIDC.secretKey}":"'"$ARGOCD_OIDC_CLIENT_SECRET"'"}}'`,
      '   ```',
    ],
  ];
  if (runs.velero) {
    const lines = [
      `Create Velero's Kopia repository password (it encrypts every backup; Velero would otherwise use its built-in default) before Velero first starts, and keep a copy in the environment's secret store: backups cannot be restored without it.`,
      '',
      '   ```sh',
      `   kubectl create namespace ${PlatformNamespaces.velero}`,
      `   kubectl -n ${PlatformNamespaces.velero} create secret generic ${BootstrapFacts.veleroRepositorySecret} --from-literal=${BootstrapFacts.veleroRepositoryKey}="$(openssl rand -base64 32)"`,
      '   ```',
    ];
    if (cluster.cloud === 'azure') {
      lines.push(
        '',
        `   Azure Workload Identity needs the client id of Velero's identity, an output of the \`${env}-azure\` stack:`,
        '',
        '   ```sh',
        `   kubectl -n ${PlatformNamespaces.velero} create configmap ${BootstrapFacts.azureIdentityConfigMap} --from-literal=${BootstrapFacts.azureClientIdKey}="$(terraform -chdir=dist/terraform/${env}-azure output -json ${BootstrapFacts.azureClientIdsOutput} | jq -r .velero)"`,
        '   ```',
      );
    }
    steps.push(lines);
  }
  if (runs.alertmanager) {
    steps.push([
      'Give Alertmanager its receivers\' credentials (paging routing key, chat and tenant webhook URLs); it reads them as files, they never enter git:',
      '',
      '   ```sh',
      `   kubectl create namespace ${PlatformNamespaces.monitoring}`,
      `   kubectl -n ${PlatformNamespaces.monitoring} create secret generic ${BootstrapFacts.alertmanagerReceiversSecret} \\`,
      ...Object.values(ALERT_RECEIVER_KEYS).map((k, i, all) => `     --from-literal=${k}="$${k.toUpperCase().replace(/-/g, '_')}"${i < all.length - 1 ? ' \\' : ''}`),
      '   ```',
    ]);
  }
  if (runs.kiali) {
    steps.push([
      `Give Kiali the secret of its OIDC client \`${KIALI_OIDC.clientId}\` in the \`${PLATFORM_REALM}\` realm (sign-in to the read-only mesh view):`,
      '',
      '   ```sh',
      `   kubectl create namespace ${PlatformNamespaces.kiali}`,
      `   kubectl -n ${PlatformNamespaces.kiali} create secret generic ${KIALI_OIDC.secret} --from-literal=${KIALI_OIDC.secretKey}="$KIALI_OIDC_CLIENT_SECRET"`,
      '   ```',
    ]);
  }
  if (runs.sealedSecrets && runs.primary && runs.primary !== cluster) {
    steps.push([
      `Give sealed-secrets the environment's sealing key (SealedSecrets in dist/${env}/ are sealed once for every cluster of the environment; key renewal is off, see docs/gitops.md): copy it from ${runs.primary.name} before the controller first starts.`,
      '',
      '   ```sh',
      `   kubectl create namespace ${PlatformNamespaces.sealedSecrets}`,
      `   kubectl --context ${runs.primary.name} -n ${PlatformNamespaces.sealedSecrets} get secret -l sealedsecrets.bitnami.com/sealed-secrets-key=active -o yaml | kubectl -n ${PlatformNamespaces.sealedSecrets} apply -f -`,
      '   ```',
    ]);
  }
  return steps;
}

function bootstrapReadme(output: EnvironmentOutput, cluster: ClusterConfig, argoValues: string, steps: readonly string[][]): string {
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
    ...argoValues.replace(/\n$/, '').split('\n').map((l) => `   ${l}`.trimEnd()),
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
