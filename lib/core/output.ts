import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { CheckedObject, KubeManifest } from './checks';
import { ClusterConfig, EnvironmentConfig, PlatformConfig } from './model';
import { DNS1123_LABEL, standardLabels } from './names';
import { ClusterPlacement } from './topology';

/** How a dist/ folder is delivered. */
export interface FolderOptions {
  /**
   * Whether an Argo CD Application syncs this folder. Unsynced folders hold material for humans or
   * other tools (istioctl files, reports, audit policies for edge API servers).
   * @default true
   */
  readonly synced?: boolean;
  /**
   * Sync wave of the folder's Application in the app of apps (lower first).
   * @default 0
   */
  readonly syncWave?: number;
  /**
   * Argo CD AppProject the folder's Application belongs to.
   * @default 'platform'
   */
  readonly project?: string;
  /** One line on what the folder holds (shown on its Application). */
  readonly description?: string;
  /** Labels added to every object of the folder (for example tenant and cost-allocation labels). */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Objects whose loss means data loss live here (namespaces of tenants, databases, PVCs): the
   * folder's Application never prunes and never cascades deletion.
   * @default false
   */
  readonly stateful?: boolean;
  /**
   * The folder holds objects too large for client-side apply's last-applied annotation (Grafana
   * dashboards): its Application applies server-side. Folders with CRDs get it without asking.
   * @default false
   */
  readonly serverSideApply?: boolean;
  /**
   * Which clusters of the environment sync an environment-wide folder (a cluster's own folders go to
   * that cluster only). Folders whose objects need a chart's CRDs also go only where that chart runs.
   * @default every cluster
   */
  readonly placement?: ClusterPlacement;
}

/** Options of one rendered file. */
export interface ManifestFileOptions {
  /** Namespace given to objects that do not set one. */
  readonly namespace?: string;
}

/**
 * A manifest file rendered outside the environment's App (a tenant's own output, lib/core/tenant-render.ts,
 * possibly read from the render cache): its objects as checked (identities and check results, in
 * file order), their YAML, and, when rendered now, the objects themselves.
 */
export interface RenderedFile {
  /** File name without extension (`namespace`: `namespace.yaml`). */
  readonly file: string;
  /** The file's objects as the checks saw them, in file order (what the checks and the app of apps read). */
  readonly checked: readonly CheckedObject[];
  /** The names of the checks that gave `checked` (lib/core/checks.ts, checkSignature). */
  readonly checkedBy: string;
  /** The objects, in file order, when rendered now; absent when read from the render cache. */
  readonly manifests?: readonly KubeManifest[];
  /** The file's content (read from the render cache when asked for, if it was read from there). */
  readonly yaml: string;
  /**
   * Names `yaml`'s bytes when read from the render cache (its entry's key and the text's place): the
   * same key is the same bytes, so a tree that holds them already need not read them
   * (TreeWriter.writeKnown). Absent when rendered now.
   */
  readonly key?: string;
}

/**
 * One folder of `dist/<env>/`, normally one Argo CD Application. Environment-wide folders
 * (`dist/<env>/<name>/`) hold what is the same on every cluster that syncs them; a cluster's own
 * folders (`dist/<env>/clusters/<cluster>/<name>/`) hold what differs per cluster (its add-on
 * values, its backup targets and identities). Kubernetes objects go in charts (each chart is one
 * `<file>.yaml`); other files (Markdown, Helm values) are added as text.
 */
export class OutputFolder extends Construct {
  private readonly _charts = new Map<string, Chart>();
  private readonly _files = new Map<string, string>();
  private readonly _rendered = new Map<string, RenderedFile>();

  constructor(
    scope: Construct,
    public readonly name: string,
    public readonly environment: EnvironmentConfig,
    public readonly options: FolderOptions,
    /** The cluster whose own folder this is; undefined for an environment-wide folder. */
    public readonly cluster?: ClusterConfig,
  ) {
    super(scope, cluster ? `clusters/${cluster.name}/${name}` : name);
  }

  /** Path relative to `dist/<env>/`: `<name>` or `clusters/<cluster>/<name>`. */
  public get path(): string {
    return this.cluster ? `clusters/${this.cluster.name}/${this.name}` : this.name;
  }

  /** Whether an Argo CD Application syncs this folder. */
  public get synced(): boolean {
    return this.options.synced ?? true;
  }

  /**
   * The chart rendered to `<file>.yaml` in this folder, created on first use. Objects in it get the
   * platform's standard labels and the folder's labels.
   */
  public manifest(file: string, options: ManifestFileOptions = {}): Chart {
    const existing = this._charts.get(file);
    if (existing) return existing;
    if (this._rendered.has(file)) throw new Error(`file ${this.path}/${file}.yaml is a tenant's own (rendered per tenant); it cannot also be a chart`);
    if (!DNS1123_LABEL.test(file)) throw new Error(`manifest file name "${file}" must be a DNS-1123 label (it becomes ${file}.yaml)`);
    const chart = new Chart(this, file, {
      namespace: options.namespace,
      disableResourceNameHashes: true,
      labels: { ...standardLabels(this.environment.name), ...this.options.labels },
    });
    this._charts.set(file, chart);
    return chart;
  }

  /** Adds a file that is not a Kubernetes manifest (a report, Helm values, an audit policy). */
  public addFile(name: string, content: string): void {
    if (this._files.has(name)) throw new Error(`file ${this.path}/${name} is added twice`);
    if (name.includes('..') || name.startsWith('/')) throw new Error(`file name ${name} must stay inside its folder`);
    this._files.set(name, content);
  }

  /**
   * Adds a manifest file rendered elsewhere (a tenant's own, lib/core/tenant-render.ts): it is written
   * and checked with the folder's charts, and the app of apps reads its objects.
   */
  public addRendered(rendered: RenderedFile): void {
    if (this._charts.has(rendered.file) || this._rendered.has(rendered.file)) throw new Error(`file ${this.path}/${rendered.file}.yaml is rendered twice`);
    this._rendered.set(rendered.file, rendered);
  }

  /** Manifest files rendered elsewhere, by file name (without extension), in the order added. */
  public get rendered(): ReadonlyMap<string, RenderedFile> {
    return this._rendered;
  }

  /** Forgets a file rendered elsewhere once written (as {@link releaseChart}). */
  public releaseRendered(file: string): void {
    this._rendered.delete(file);
  }

  /** Charts by file name (without extension), in creation order. */
  public get charts(): ReadonlyMap<string, Chart> {
    return this._charts;
  }

  /**
   * Forgets the chart of `file` (its constructs become garbage): rendering calls it once the chart's
   * objects are resolved, so that memory holds the constructs or the objects of a chart, not both.
   * Nothing may read the chart afterwards (folder inventories are taken while add-ons deploy).
   */
  public releaseChart(file: string): void {
    this._charts.delete(file);
    this.node.tryRemoveChild(file);
  }

  /** Non-manifest files by name. */
  public get files(): ReadonlyMap<string, string> {
    return this._files;
  }
}

/**
 * Everything rendered for one environment: `dist/<env>/<folder>/...`. Each environment is its own
 * cdk8s App, so rendering one never resolves another.
 */
export class EnvironmentOutput {
  public readonly app: App;
  private readonly _folders = new Map<string, OutputFolder>();
  private readonly _routes = new Map<ClusterConfig, Set<OutputFolder>>();
  /**
   * How many of the environment's tenants were rendered now, how many read from the render cache, and
   * the milliseconds spent on both (lib/core/tenant-render.ts).
   */
  public readonly tenantRenders = { rendered: 0, cached: 0, ms: 0 };

  constructor(
    public readonly platform: PlatformConfig,
    public readonly environment: EnvironmentConfig,
  ) {
    this.app = new App({ outdir: '.unused-cdk8s-outdir' });
  }

  public get name(): string {
    return this.environment.name;
  }

  /**
   * The environment-wide folder `dist/<env>/<name>/`, created on first use. Asking again with
   * different options is an error (two owners would disagree on how the folder is delivered).
   */
  public folder(name: string, options: FolderOptions = {}): OutputFolder {
    return this.getOrCreate(name, options, undefined);
  }

  /**
   * A cluster's own folder `dist/<env>/clusters/<cluster>/<name>/`, synced by that cluster only.
   * Its name must not be the name of an environment-wide folder the cluster also syncs (both would
   * be the Application `<env>-<name>` in the cluster's Argo CD).
   */
  public clusterFolder(cluster: ClusterConfig, name: string, options: Omit<FolderOptions, 'placement'> = {}): OutputFolder {
    if (!this.environment.clusters.includes(cluster)) throw new Error(`cluster ${cluster.name} is not a cluster of environment ${this.name}`);
    return this.getOrCreate(name, options, cluster);
  }

  private getOrCreate(name: string, options: FolderOptions, cluster: ClusterConfig | undefined): OutputFolder {
    const key = cluster ? `clusters/${cluster.name}/${name}` : name;
    const existing = this._folders.get(key);
    if (existing) {
      if (Object.keys(options).length && JSON.stringify(options) !== JSON.stringify(existing.options)) {
        throw new Error(`folder ${this.name}/${key} is declared twice with different options`);
      }
      return existing;
    }
    if (!DNS1123_LABEL.test(name)) throw new Error(`folder name "${name}" must be a DNS-1123 label`);
    if (name === CLUSTERS_FOLDER && !cluster) throw new Error(`folder name "${CLUSTERS_FOLDER}" is reserved for the clusters' own folders`);
    const folder = new OutputFolder(this.app, name, this.environment, options, cluster);
    this._folders.set(key, folder);
    return folder;
  }

  /**
   * Records that a cluster's Argo CD syncs a folder (the app of apps decides; checks and
   * `npm run verify` read it to know what each cluster converges to).
   */
  public route(cluster: ClusterConfig, folder: OutputFolder): void {
    if (!folder.synced && folder.name !== APP_OF_APPS) throw new Error(`folder ${folder.path} is not synced; no cluster can sync it`);
    if (folder.cluster && folder.cluster !== cluster)
      throw new Error(`folder ${folder.path} belongs to ${folder.cluster.name}; ${cluster.name} cannot sync it`);
    const set = this._routes.get(cluster) ?? new Set<OutputFolder>();
    set.add(folder);
    this._routes.set(cluster, set);
  }

  /** The folders a cluster syncs (its app of apps included), in creation order. */
  public routedFolders(cluster: ClusterConfig): OutputFolder[] {
    const set = this._routes.get(cluster) ?? new Set<OutputFolder>();
    return this.folders.filter((f) => set.has(f));
  }

  /** Folders in creation order. */
  public get folders(): readonly OutputFolder[] {
    return [...this._folders.values()];
  }
}

/** Parent of the clusters' own folders: `dist/<env>/clusters/<cluster>/`. */
export const CLUSTERS_FOLDER = 'clusters';

/** The folder of a cluster's app of apps (its root Application syncs it). */
export const APP_OF_APPS = 'argocd';

/**
 * `dist/<env>/clusters/<cluster>/argocd/`: what the cluster's root Application syncs (child
 * Applications, AppProjects, Helm add-on Applications). It has no child Application of its own.
 */
export function appOfAppsFolder(output: EnvironmentOutput, cluster: ClusterConfig): OutputFolder {
  return output.clusterFolder(cluster, APP_OF_APPS, {
    synced: false,
    description: `Argo CD Applications and AppProjects of ${cluster.name}; synced by its root Application`,
  });
}
