import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentConfig, PlatformConfig } from './model';
import { DNS1123_LABEL, standardLabels } from './names';

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
   * Only the hub cluster gets the folder, never the clusters the app of apps fans out to (the
   * Karpenter capacity names the hub's node role and discovery tags).
   * @default false
   */
  readonly hubOnly?: boolean;
}

/** Options of one rendered file. */
export interface ManifestFileOptions {
  /** Namespace given to objects that do not set one. */
  readonly namespace?: string;
}

/**
 * One folder of `dist/<env>/`, normally one Argo CD Application. Kubernetes objects go in charts
 * (each chart is one `<file>.yaml`); other files (Markdown, Helm values) are added as text.
 */
export class OutputFolder extends Construct {
  private readonly _charts = new Map<string, Chart>();
  private readonly _files = new Map<string, string>();

  constructor(
    scope: Construct,
    public readonly name: string,
    public readonly environment: EnvironmentConfig,
    public readonly options: FolderOptions,
  ) {
    super(scope, name);
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
    if (this._files.has(name)) throw new Error(`file ${this.name}/${name} is added twice`);
    if (name.includes('..') || name.startsWith('/')) throw new Error(`file name ${name} must stay inside its folder`);
    this._files.set(name, content);
  }

  /** Charts by file name (without extension), in creation order. */
  public get charts(): ReadonlyMap<string, Chart> {
    return this._charts;
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

  constructor(public readonly platform: PlatformConfig, public readonly environment: EnvironmentConfig) {
    this.app = new App({ outdir: '.unused-cdk8s-outdir' });
  }

  public get name(): string {
    return this.environment.name;
  }

  /**
   * The folder `dist/<env>/<name>/`, created on first use. Asking again with different options is
   * an error (two owners would disagree on how the folder is delivered).
   */
  public folder(name: string, options: FolderOptions = {}): OutputFolder {
    const existing = this._folders.get(name);
    if (existing) {
      if (Object.keys(options).length && JSON.stringify(options) !== JSON.stringify(existing.options)) {
        throw new Error(`folder ${this.name}/${name} is declared twice with different options`);
      }
      return existing;
    }
    if (!DNS1123_LABEL.test(name)) throw new Error(`folder name "${name}" must be a DNS-1123 label`);
    const folder = new OutputFolder(this.app, name, this.environment, options);
    this._folders.set(name, folder);
    return folder;
  }

  /** Folders in creation order. */
  public get folders(): readonly OutputFolder[] {
    return [...this._folders.values()];
  }
}

/**
 * `dist/<env>/argocd/`: what the environment's root Application syncs (child Applications, AppProjects,
 * the ApplicationSet, Helm add-on Applications). It has no child Application of its own.
 */
export function appOfAppsFolder(output: EnvironmentOutput): OutputFolder {
  return output.folder('argocd', {
    synced: false,
    description: 'Argo CD Applications, AppProjects and ApplicationSet; synced by the root Application',
  });
}
