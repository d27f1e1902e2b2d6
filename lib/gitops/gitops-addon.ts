import { chartApplies, HelmChart, PlatformAddOn, PlatformContext } from '../core/addon';
import { SyncWave } from '../core/argocd';
import { ManifestCheck } from '../core/checks';
import { ClusterConfig } from '../core/model';
import { applicationName, Labels } from '../core/names';
import { PlatformNamespaces } from '../core/namespaces';
import { appOfAppsFolder, OutputFolder } from '../core/output';
import { ClusterLabels, clusterProfile, clusterRegistrationLabels, destinationName, hubCluster, IN_CLUSTER, remoteClusters } from '../core/topology';
import { toYamlDocument } from '../core/yaml';
import { ClusterFanOut, ClusterGroup, FannedOutFolder } from '../argocd';
import { FolderApplication } from '../argocd';
import { folderInventory, InventoryEntry } from '../argocd';
import { HelmApplication } from '../argocd';
import { PlatformProject } from '../argocd';
import { RootApplication } from '../argocd';
import { statefulProtectionCheck } from '../argocd';
import { argoCd } from './argo-cd';
import { controllerOwnedFields } from './controller-owned-fields';

/** Folder holding what is applied by hand once per environment (not synced). */
export const BOOTSTRAP_FOLDER = 'bootstrap';

/** A folder the app of apps delivers, with what was learnt from its objects. */
interface DeliveredFolder {
  readonly folder: OutputFolder;
  readonly entries: readonly InventoryEntry[];
}

/**
 * The app of apps; it deploys after every other add-on and derives from what they declared and
 * rendered. Per environment:
 * - dist/<env>/bootstrap/root-app.yaml: the root Application over dist/<env>/argocd/ (applied by hand),
 *   and README.md with the commands (Argo CD's Helm values inline);
 * - dist/<env>/argocd/applications.yaml: a child Application per synced folder, targeting the hub;
 * - dist/<env>/argocd/<file>.yaml: one Application per Helm chart of the platform and cluster that
 *   matches the chart's placement (`addons.yaml`, Istio's in `istio.yaml`);
 * - dist/<env>/argocd/projects.yaml: the `platform` AppProject, admitting the manifests repository
 *   and every chart's repository;
 * - dist/<env>/argocd/applicationsets.yaml: ApplicationSets fanning the folders out to remote clusters.
 * It also installs Argo CD itself (self-managed on the hub).
 */
export class GitOpsAddOn implements PlatformAddOn {
  public readonly name = 'gitops';
  public readonly charts = [argoCd];
  public readonly namespaces = [
    { name: PlatformNamespaces.argocd, podSecurity: 'baseline', reason: 'redis and repo-server init containers do not drop every capability', thirdPartyImages: true },
  ] as const;
  public readonly after = 'all';
  public readonly checks: readonly ManifestCheck[];
  private readonly statefulFolders = new Map<string, Set<string>>();

  constructor() {
    this.checks = [statefulProtectionCheck((env) => this.statefulFolders.get(env) ?? new Set())];
  }

  public deploy(ctx: PlatformContext): void {
    const { platform, environment: env, output } = ctx;
    const { repoURL, targetRevision } = platform.gitops;
    const argocd = appOfAppsFolder(output);
    const charts = ctx.catalog.charts;

    const hub = hubCluster(env);
    for (const cluster of env.clusters) {
      const isHub = cluster === hub;
      const profile = clusterProfile(cluster);
      for (const chart of charts) {
        if (!chartApplies(chart, cluster, profile, isHub)) continue;
        const name = `${cluster.name}-${chart.name}`;
        new HelmApplication(argocd.manifest(chart.file ?? 'addons'), name, {
          name,
          chart: chart.chart,
          namespace: chart.namespace,
          releaseName: chart.releaseName ?? chart.name,
          values: chart.values({ platform, environment: env, cluster, hub: isHub, backups: ctx.backups, services: ctx.services }) as Record<string, unknown>,
          syncWave: chart.syncWave ?? SyncWave.operators,
          destinationName: destinationName(env, cluster),
          ignoreDifferences: chart.ignoreDifferences,
          labels: { [Labels.costCenter]: 'platform', 'ceres.io/cluster': cluster.name, 'ceres.io/addon': chart.name },
        });
      }
    }

    const delivered: DeliveredFolder[] = [];
    for (const folder of output.folders) {
      if (!folder.synced) continue;
      const entries = folderInventory(folder);
      // A folder without objects has no file for Argo CD to read.
      if (entries.length) delivered.push({ folder, entries });
    }
    const stateful = new Set(delivered.filter((d) => d.folder.options.stateful).map((d) => d.folder.name));
    this.statefulFolders.set(env.name, stateful);

    const apps = argocd.manifest('applications');
    for (const { folder, entries } of delivered) {
      const o = folder.options;
      new FolderApplication(apps, folder.name, {
        name: applicationName(env.name, folder.name),
        path: folderPath(env.name, folder.name),
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

    const remotes = remoteClusters(env);
    new PlatformProject(argocd.manifest('projects'), 'platform', {
      sourceRepos: [repoURL, ...charts.map((c) => c.chart.repoURL)],
      clusters: [IN_CLUSTER, ...remotes.map((c) => c.name)],
    });

    if (remotes.length) {
      const sets = argocd.manifest('applicationsets');
      const groups = clusterGroups(remotes, env.name, (c) => clusterRegistrationLabels(env, c));
      const fanOut = (statefulFolders: boolean): ClusterGroup[] =>
        groups.map((g) => ({
          labels: g.labels,
          folders: delivered
            .filter((d) => !d.folder.options.hubOnly && (d.folder.options.stateful ?? false) === statefulFolders && fitsClusters(d.entries, g.clusters, charts))
            .map((d): FannedOutFolder => ({ folder: d.folder.name, path: folderPath(env.name, d.folder.name), project: d.folder.options.project ?? 'platform' })),
        }));
      for (const statefulSet of [false, true]) {
        const fanned = fanOut(statefulSet);
        if (!fanned.some((g) => g.folders.length)) continue;
        const suffix = statefulSet ? '-stateful' : '';
        new ClusterFanOut(sets, `remote${suffix}`, { name: `${env.name}-remote-clusters${suffix}`, groups: fanned, repoURL, targetRevision, stateful: statefulSet });
      }
    }

    const bootstrap = output.folder(BOOTSTRAP_FOLDER, {
      synced: false,
      description: 'Applied by hand once per environment: the root Application and the bootstrap commands',
    });
    new RootApplication(bootstrap.manifest('root-app'), 'root', {
      name: `${env.name}-root`,
      path: folderPath(env.name, argocd.name),
      repoURL,
      targetRevision,
    });
    const argoValues = toYamlDocument(argoCd.values({ platform, environment: env, cluster: hub, hub: true, backups: ctx.backups, services: ctx.services }));
    bootstrap.addFile('README.md', bootstrapReadme(env.name, hub, remotes, (c) => clusterRegistrationLabels(env, c), destinationName(env, hub), argoValues));
  }
}

/** Repository path of a dist folder. */
export function folderPath(env: string, folder: string): string {
  return `dist/${env}/${folder}`;
}

interface RemoteGroup {
  readonly labels: Record<string, string>;
  readonly clusters: ClusterConfig[];
}

/** Remote clusters grouped by their registration labels (environment, profile, cloud). */
function clusterGroups(remotes: readonly ClusterConfig[], env: string, labelsOf: (c: ClusterConfig) => Record<string, string>): RemoteGroup[] {
  const groups = new Map<string, RemoteGroup>();
  for (const c of remotes) {
    const labels = labelsOf(c);
    const k = `${labels[ClusterLabels.environment] ?? env}|${labels[ClusterLabels.profile]}|${labels[ClusterLabels.cloud]}`;
    const g = groups.get(k) ?? { labels, clusters: [] };
    g.clusters.push(c);
    groups.set(k, g);
  }
  return [...groups.values()];
}

/**
 * Whether every cluster of a group can take a folder: each API group the folder uses that one of our
 * add-ons provides must come from an add-on installed on those clusters (an edge site has no
 * Prometheus Operator, so it gets no folder of PrometheusRules; only AWS clusters run Karpenter).
 */
function fitsClusters(entries: readonly InventoryEntry[], clusters: readonly ClusterConfig[], charts: readonly HelmChart[]): boolean {
  const groups = new Set(entries.map((e) => e.group));
  for (const group of groups) {
    const providers = charts.filter((a) => a.crdGroups.includes(group));
    if (!providers.length) continue;
    for (const c of clusters) {
      if (!providers.some((a) => chartApplies(a, c, clusterProfile(c), false))) return false;
    }
  }
  return true;
}

function bootstrapReadme(
  env: string,
  hub: ClusterConfig,
  remotes: readonly ClusterConfig[],
  labelsOf: (c: ClusterConfig) => Record<string, string>,
  hubDestination: string,
  argoValues: string,
): string {
  const lines = [
    `# Bootstrapping ${env}`,
    '',
    'Generated by `npm run synth`; see docs/gitops.md. Everything else in dist/' + env + '/ is delivered by Argo CD.',
    '',
    `1. Install Argo CD on the hub cluster \`${hub.name}\` (destination \`${hubDestination}\`) with the values its self-managed Application uses (the same as \`${hub.name}-argo-cd\` in dist/${env}/argocd/addons.yaml):`,
    '',
    '   ```sh',
    '   helm repo add argo https://argoproj.github.io/argo-helm',
    `   helm install argocd argo/argo-cd --version ${argoCd.chart.version} --namespace argocd --create-namespace -f - <<'VALUES'`,
    ...argoValues.replace(/\n$/, '').split('\n').map((l) => `   ${l}`.trimEnd()),
    '   VALUES',
    '   ```',
    '',
  ];
  if (remotes.length) {
    lines.push('2. Register the other clusters with the labels the ApplicationSets select on:', '', '   ```sh');
    for (const c of remotes) {
      const labels = Object.entries(labelsOf(c))
        .map(([k, v]) => `--label ${k}=${v}`)
        .join(' ');
      lines.push(`   argocd cluster add <kube-context-of-${c.name}> --name ${c.name} ${labels}`);
    }
    lines.push('   ```', '');
  } else {
    lines.push('2. No other cluster to register: the environment runs on the hub only.', '');
  }
  lines.push('3. Apply the root Application once; it syncs dist/' + env + '/argocd/ and, through it, everything else:', '', '   ```sh', `   kubectl apply -n argocd -f dist/${env}/bootstrap/root-app.yaml`, '   ```', '');
  return lines.join('\n');
}
