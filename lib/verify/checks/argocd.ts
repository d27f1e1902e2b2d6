import { cloudProvidedCrdGroups } from '../../core/cloud';
import { KubeManifest } from '../../core/checks';
import { groupOf, isCustomKind, KindScopes } from '../scope';
import { allObjects } from '../state';
import { ClusterState, describeManifest, Finding, findingAt, StateObject, VerifyCheck, VerifyContext } from '../types';

/**
 * Argo CD's own rules, applied to the desired state of one cluster: does every Application name an
 * AppProject that exists, read a repository, target a destination and apply kinds its project
 * permits, and does the app of apps order projects, CRDs and namespaces before what needs them?
 *
 * The semantics are Argo CD's at the release the platform installs (chart argo-cd 10.1.1 = Argo CD
 * v3.4.4), read from github.com/argoproj/argo-cd at tag v3.4.4:
 * - pkg/apis/application/v1alpha1/app_project_types.go: IsSourcePermitted, isDestinationMatched,
 *   IsGroupKindNamePermitted, globMatch, isDenyPattern;
 * - pkg/apis/application/v1alpha1/types.go: isResourceInList / isNamedResourceInList (Go
 *   filepath.Match on group and kind);
 * - util/glob/glob.go (github.com/gobwas/glob), util/git/git.go NormalizeGitURL;
 * - controller/sync.go validateSyncPermissions (what a sync refuses);
 * - server/server.go initializeDefaultProject (the `default` project every Argo CD has);
 * - util/argo/argo.go (a destination naming both `name` and `server` is refused).
 */

export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
export const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';

/** Argo CD's built-in cluster (`in-cluster`), always registered. */
export const IN_CLUSTER = { name: 'in-cluster', server: 'https://kubernetes.default.svc' } as const;

/** `default`, created by the API server when missing (server/server.go initializeDefaultProject). */
const DEFAULT_PROJECT: KubeManifest = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AppProject',
  metadata: { name: 'default', namespace: 'argocd' },
  spec: { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }], clusterResourceWhitelist: [{ group: '*', kind: '*' }] },
};

// ---------------------------------------------------------------------------------------------
// Matching primitives
// ---------------------------------------------------------------------------------------------

const escapeRe = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * github.com/gobwas/glob as Argo CD compiles it (util/glob/glob.go): `*` any run of non-separator
 * characters, `**` any run, `?` one non-separator character, `[abc]` `[a-z]` `[!a]` classes, `{a,b}`
 * alternatives, `\` escapes. Undefined when the pattern does not compile (Argo CD then refuses).
 */
export function compileGlob(pattern: string, separators: readonly string[] = []): RegExp | undefined {
  const notSep = separators.length ? `[^${separators.map(escapeRe).join('')}]` : '[\\s\\S]';
  let i = 0;
  const parse = (inAlternative: boolean): string | undefined => {
    let out = '';
    while (i < pattern.length) {
      const c = pattern[i];
      if (inAlternative && (c === ',' || c === '}')) return out;
      i++;
      if (c === '\\') {
        if (i >= pattern.length) return undefined;
        out += escapeRe(pattern[i++]);
      } else if (c === '*') {
        if (pattern[i] === '*') {
          while (pattern[i] === '*') i++;
          out += '[\\s\\S]*';
        } else out += `${notSep}*`;
      } else if (c === '?') {
        out += notSep;
      } else if (c === '[') {
        let cls = '';
        let negate = false;
        if (pattern[i] === '!') {
          negate = true;
          i++;
        }
        let closed = false;
        while (i < pattern.length) {
          const d = pattern[i++];
          if (d === ']') {
            closed = true;
            break;
          }
          if (d === '\\' && i < pattern.length) cls += escapeRe(pattern[i++]);
          else if (d === '-' && cls) cls += '-';
          else cls += escapeRe(d);
        }
        if (!closed || !cls) return undefined;
        out += `[${negate ? '^' : ''}${cls}]`;
      } else if (c === '{') {
        const alternatives: string[] = [];
        for (;;) {
          const alt = parse(true);
          if (alt === undefined || i >= pattern.length) return undefined;
          alternatives.push(alt);
          if (pattern[i++] === '}') break;
        }
        out += `(?:${alternatives.join('|')})`;
      } else {
        out += escapeRe(c);
      }
    }
    return inAlternative ? undefined : out;
  };
  const source = parse(false);
  return source === undefined ? undefined : new RegExp(`^${source}$`);
}

/** util/glob Match: false when the pattern does not compile. */
export function globMatches(pattern: string, text: string, separators: readonly string[] = []): boolean {
  const key = `${separators.join('')}\u0000${pattern}`;
  let compiled = compiledGlobs.get(key);
  if (compiled === undefined) compiledGlobs.set(key, (compiled = compileGlob(pattern, separators) ?? null));
  return compiled?.test(text) ?? false;
}
/** The patterns of the projects, compiled once (verify matches each against every Application and object); null: does not compile. */
const compiledGlobs = new Map<string, RegExp | null>();

/**
 * app_project_types.go globMatch: a `!pattern` denies what it matches when negation is allowed
 * (returns whether the value is NOT matched); `*` matches everything.
 */
function globMatch(pattern: string, value: string, allowNegation: boolean, separators: readonly string[] = []): boolean {
  if (allowNegation && isDenyPattern(pattern)) return !globMatches(pattern.slice(1), value, separators);
  if (pattern === '*') return true;
  return globMatches(pattern, value, separators);
}

const isDenyPattern = (p: string | undefined) => (p ?? '').startsWith('!');

/** Go path/filepath.Match (group and kind in project resource lists): `*`, `?`, `[...]` (`^` negates), `\` escapes. */
export function filepathMatch(pattern: string, name: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      if (++i >= pattern.length) return false;
      re += escapeRe(pattern[i]);
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return false;
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      if (!body) return false;
      re += `[${negate ? '^' : ''}${body.replace(/[\]\\]/g, '\\$&')}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`).test(name);
}

/**
 * util/git/git.go NormalizeGitURL: lower-cased, trimmed, an scp-like `git@host:org/repo` turned
 * into `git@host/org/repo` (through `ssh://`), a trailing `.git` dropped; net/url re-serialises the
 * rest unchanged (it keeps a path's `*` as written).
 */
export function normalizeGitURL(repo: string): string {
  let r = repo.trim().toLowerCase();
  if (/^(ssh:\/\/)?([^/:]*?)@[^@]+$/.test(r) && !r.startsWith('ssh://')) r = `ssh://${r.replace(':', '/')}`;
  if (r.endsWith('.git')) r = r.slice(0, -4);
  return r.startsWith('ssh://') ? r.slice('ssh://'.length) : r;
}

/** AppProject.IsSourcePermitted: any sourceRepos entry matches, and no `!` entry excludes it. */
export function isSourcePermitted(project: KubeManifest, repoURL: string): boolean {
  const src = normalizeGitURL(repoURL);
  let any = false;
  for (const entry of (project.spec?.sourceRepos ?? []) as string[]) {
    const normalized = isDenyPattern(entry) ? `!${normalizeGitURL(entry.slice(1))}` : normalizeGitURL(entry);
    const matched = globMatch(normalized, src, true, ['/']);
    if (matched) any = true;
    else if (isDenyPattern(normalized)) return false;
  }
  return any;
}

export interface Destination {
  /** Cluster name as registered in Argo CD (`in-cluster`). */
  readonly name?: string;
  /** Cluster API server URL (`https://kubernetes.default.svc`). */
  readonly server?: string;
  /** Target namespace; glob patterns allowed in an AppProject. */
  readonly namespace?: string;
}

/** The cluster a destination resolves to (Argo CD fills in both name and server); only in-cluster is known here. */
export function resolveCluster(dest: Destination): { name?: string; server?: string } {
  if (dest.name === IN_CLUSTER.name || (!dest.name && dest.server === IN_CLUSTER.server)) return { ...IN_CLUSTER };
  return { name: dest.name, server: dest.server };
}

/** AppProject.isDestinationMatched with the resolved cluster and a namespace. */
export function isDestinationPermitted(project: KubeManifest, cluster: { name?: string; server?: string }, namespace: string): boolean {
  let any = false;
  for (const item of (project.spec?.destinations ?? []) as Destination[]) {
    const nameMatched = !!cluster.name && globMatch(item.name ?? '', cluster.name, true);
    const serverMatched = !!cluster.server && globMatch(item.server ?? '', cluster.server, true);
    const namespaceMatched = globMatch(item.namespace ?? '', namespace, true);
    if ((serverMatched || nameMatched) && namespaceMatched) any = true;
    else if ((!nameMatched && isDenyPattern(item.name)) || (!serverMatched && isDenyPattern(item.server) && namespaceMatched)) return false;
    else if (!namespaceMatched && isDenyPattern(item.namespace) && serverMatched) return false;
  }
  return any;
}

interface GroupKind {
  readonly group?: string;
  readonly kind?: string;
  readonly name?: string;
}

const inList = (group: string, kind: string, list: readonly GroupKind[]) =>
  list.some((item) => filepathMatch(item.kind ?? '', kind) && filepathMatch(item.group ?? '', group));

const inNamedList = (group: string, kind: string, name: string, list: readonly GroupKind[]) =>
  list.some((item) => filepathMatch(item.kind ?? '', kind) && filepathMatch(item.group ?? '', group) && (!item.name || filepathMatch(item.name, name)));

/**
 * AppProject.IsGroupKindNamePermitted: namespaced kinds pass a missing namespaceResourceWhitelist
 * (an empty one admits nothing) unless blacklisted; cluster-scoped kinds need the
 * clusterResourceWhitelist (missing or empty admits nothing) and no blacklist entry.
 */
export function isGroupKindPermitted(project: KubeManifest, group: string, kind: string, name: string, namespaced: boolean): boolean {
  const spec = project.spec ?? {};
  if (namespaced) {
    const white = spec.namespaceResourceWhitelist as GroupKind[] | undefined;
    const black = (spec.namespaceResourceBlacklist ?? []) as GroupKind[];
    const whitelisted = white === undefined || white === null || (white.length !== 0 && inList(group, kind, white));
    return whitelisted && !(black.length !== 0 && inList(group, kind, black));
  }
  const white = (spec.clusterResourceWhitelist ?? []) as GroupKind[];
  const black = (spec.clusterResourceBlacklist ?? []) as GroupKind[];
  return white.length !== 0 && inNamedList(group, kind, name, white) && !(black.length !== 0 && inNamedList(group, kind, name, black));
}

// ---------------------------------------------------------------------------------------------
// Kinds: API groups Kubernetes serves itself, and which kinds are cluster-scoped
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Applications of a cluster
// ---------------------------------------------------------------------------------------------

/** Sync wave of an object (Argo CD reads the annotation as an integer; anything else is wave 0). */
export function waveOf(m: KubeManifest): number {
  const raw = m.metadata.annotations?.[SYNC_WAVE];
  if (raw === undefined || !/^\s*[-+]?\d+\s*$/.test(raw)) return 0;
  return Number.parseInt(raw, 10);
}

/** `argocd.argoproj.io/sync-options` of an object, split. */
export function objectSyncOptions(m: KubeManifest): string[] {
  return (m.metadata.annotations?.[SYNC_OPTIONS] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export interface AppInfo {
  /** The Application object in the cluster's state. */
  readonly object: StateObject;
  /** Its manifest. */
  readonly manifest: KubeManifest;
  /** Application name. */
  readonly name: string;
  /** The AppProject it belongs to ('' when unset). */
  readonly project: string;
  /** Its sync wave in the app of apps (0 when unset or not an integer). */
  readonly wave: number;
  /** Where it deploys. */
  readonly destination: Destination;
  /** Its sources (`source` or `sources`): repository, chart or path. */
  readonly sources: readonly { readonly repoURL: string; readonly chart?: string; readonly path?: string }[];
  /** Its `syncPolicy.syncOptions` (`ServerSideApply=true`, `PruneLast=true`). */
  readonly syncOptions: readonly string[];
}

const isArgo = (m: KubeManifest, kind: string) => m.kind === kind && groupOf(m) === 'argoproj.io';

/** The Applications of the cluster's state (its app of apps). */
export function applicationsOf(state: ClusterState): AppInfo[] {
  return state.objects
    .filter((o) => isArgo(o.manifest, 'Application'))
    .map((o) => {
      const m = o.manifest;
      const spec = m.spec ?? {};
      const sources = spec.sources?.length ? spec.sources : spec.source ? [spec.source] : [];
      return {
        object: o,
        manifest: m,
        name: m.metadata.name ?? '',
        project: spec.project ?? '',
        wave: waveOf(m),
        destination: spec.destination ?? {},
        sources: sources.map((s: any) => ({ repoURL: s.repoURL ?? '', chart: s.chart, path: s.path })),
        syncOptions: (spec.syncPolicy?.syncOptions ?? []) as string[],
      };
    });
}

/** The AppProjects of the state by name, with `default` (which every Argo CD has) when the state has none. */
export function projectsOf(state: ClusterState): Map<string, { readonly manifest: KubeManifest; readonly object?: StateObject }> {
  const out = new Map<string, { manifest: KubeManifest; object?: StateObject }>();
  out.set('default', { manifest: DEFAULT_PROJECT });
  for (const o of state.objects)
    if (isArgo(o.manifest, 'AppProject') && o.manifest.metadata.name) out.set(o.manifest.metadata.name, { manifest: o.manifest, object: o });
  return out;
}

/** What an Application applies: its dist/ objects and the objects of its rendered Helm release. Helm test hooks are not applied by Argo CD. */
export function objectsOfApplication(state: ClusterState, app: string): StateObject[] {
  const seen = new Set<StateObject>();
  const out: StateObject[] = [];
  const add = (o: StateObject) => {
    if (seen.has(o) || isIgnoredHook(o)) return;
    seen.add(o);
    out.push(o);
  };
  for (const o of state.objects) if (o.application === app) add(o);
  for (const r of state.releases) if (r.application.metadata.name === app) for (const o of r.rendered ?? []) add(o);
  return out;
}

/** Helm hooks Argo CD does not run (`test*`, the Helm 2 `crd-install`). */
export function isIgnoredHook(o: StateObject): boolean {
  return (o.hook ?? '')
    .split(',')
    .map((h) => h.trim())
    .some((h) => h.startsWith('test') || h === 'crd-install');
}

/** Namespaces that exist in every cluster without a Namespace object. */
export const BUILT_IN_NAMESPACES: ReadonlySet<string> = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

/** Namespaces that exist without anyone rendering them: Kubernetes' own, and those the catalog declares `renderedBy: cluster`. */
export function preexistingNamespaces(ctx: VerifyContext | undefined): Set<string> {
  const out = new Set(BUILT_IN_NAMESPACES);
  for (const n of ctx?.catalog?.namespaces ?? []) if (n.renderedBy === 'cluster') out.add(n.name);
  return out;
}

function finding(check: string, state: ClusterState, message: string, fix: string, o?: StateObject): Finding {
  return findingAt(check, state, o, message, fix);
}

const PROJECT_CODE = 'lib/gitops/gitops-addon.ts (PlatformProject, lib/argocd/platform-project.ts; TenantProject, lib/tenants/tenant-project.ts)';

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

export const projectExists: VerifyCheck = {
  name: 'argocd/project-exists',
  description: "Every Application's spec.project names an AppProject of the cluster's app of apps (or Argo CD's built-in `default`).",
  run(state) {
    const projects = projectsOf(state);
    const out: Finding[] = [];
    for (const app of applicationsOf(state)) {
      if (!app.project) {
        out.push(
          finding(
            this.name,
            state,
            `Application ${app.name} has no spec.project; Argo CD refuses it`,
            'set spec.project (FolderApplication / HelmApplication in lib/argocd/ default to `platform`)',
            app.object,
          ),
        );
      } else if (!projects.has(app.project)) {
        out.push(
          finding(
            this.name,
            state,
            `Application ${app.name} uses AppProject ${app.project}, which is not in the cluster's state (projects: ${[...projects.keys()].sort().join(', ')}); Argo CD will not reconcile it`,
            `render AppProject ${app.project} in the cluster's app of apps (${PROJECT_CODE}) or point the Application at an existing project`,
            app.object,
          ),
        );
      }
    }
    return out;
  },
};

export const sourcePermitted: VerifyCheck = {
  name: 'argocd/source-permitted',
  description: "Every source repoURL of an Application matches its AppProject's sourceRepos (Argo CD's URL normalisation, globs and `!` denials).",
  run(state) {
    const projects = projectsOf(state);
    const out: Finding[] = [];
    for (const app of applicationsOf(state)) {
      const project = projects.get(app.project);
      if (!project) continue;
      if (!app.sources.length) {
        out.push(finding(this.name, state, `Application ${app.name} has no source`, 'give the Application a spec.source', app.object));
        continue;
      }
      for (const s of app.sources) {
        if (isSourcePermitted(project.manifest, s.repoURL)) continue;
        const repos = ((project.manifest.spec?.sourceRepos ?? []) as string[]).join(', ') || 'none';
        out.push(
          finding(
            this.name,
            state,
            `Application ${app.name} reads ${s.repoURL || '(no repoURL)'}${s.chart ? ` (chart ${s.chart})` : ''}, which AppProject ${app.project} does not permit (sourceRepos: ${repos}); Argo CD refuses to sync it`,
            `add ${s.repoURL} to the sourceRepos of AppProject ${app.project} (${PROJECT_CODE}; PlatformProject lists the gitops repository and every chart's repoURL) or correct the chart's repoURL`,
            app.object,
          ),
        );
      }
    }
    return out;
  },
};

const describeDestination = (d: Destination) =>
  `${d.name ? `name ${d.name}` : ''}${d.name && d.server ? ', ' : ''}${d.server ? `server ${d.server}` : ''}${d.name || d.server ? '' : 'no cluster'}, namespace ${d.namespace || '(none)'}`;

const describeDestinations = (project: KubeManifest) =>
  ((project.spec?.destinations ?? []) as Destination[]).map((d) => `{${describeDestination(d)}}`).join(', ') || 'none';

export const destinationPermitted: VerifyCheck = {
  name: 'argocd/destination-permitted',
  description: "Every Application's destination (cluster and namespace) is among its AppProject's destinations (globs, `!` denials).",
  run(state) {
    const projects = projectsOf(state);
    const out: Finding[] = [];
    for (const app of applicationsOf(state)) {
      const d = app.destination;
      if (d.name && d.server) {
        out.push(
          finding(
            this.name,
            state,
            `Application ${app.name}'s destination names both a cluster name (${d.name}) and a server (${d.server}); Argo CD refuses it`,
            'keep only destination.name (in-cluster) or destination.server',
            app.object,
          ),
        );
        continue;
      }
      if (!d.name && !d.server) {
        out.push(finding(this.name, state, `Application ${app.name} has no destination cluster`, `set destination.name: ${IN_CLUSTER.name}`, app.object));
        continue;
      }
      const project = projects.get(app.project);
      if (!project) continue;
      if (!isDestinationPermitted(project.manifest, resolveCluster(d), d.namespace ?? '')) {
        out.push(
          finding(
            this.name,
            state,
            `Application ${app.name} deploys to ${describeDestination(d)}, which AppProject ${app.project} does not permit (destinations: ${describeDestinations(project.manifest)})`,
            `add the destination to AppProject ${app.project} (${PROJECT_CODE}) or change the Application's destination`,
            app.object,
          ),
        );
      }
    }
    return out;
  },
};

export const resourcePermitted: VerifyCheck = {
  name: 'argocd/resource-permitted',
  description:
    "Every object an Application applies (its dist/ objects and rendered chart) is a kind its AppProject permits (cluster-scoped kinds need clusterResourceWhitelist; namespaced kinds the namespace white/blacklists) in a namespace among the project's destinations.",
  run(state) {
    const projects = projectsOf(state);
    const scopes = new KindScopes(allObjects(state));
    const out: Finding[] = [];
    for (const app of applicationsOf(state)) {
      const project = projects.get(app.project);
      if (!project) continue;
      const cluster = resolveCluster(app.destination);
      for (const o of objectsOfApplication(state, app.name)) {
        const m = o.manifest;
        const group = groupOf(m);
        const { namespaced, source } = scopes.scope(group, m.kind, m);
        const gk = `${group || 'core'}/${m.kind}`;
        if (!isGroupKindPermitted(project.manifest, group, m.kind, m.metadata.name ?? '', namespaced)) {
          const list = namespaced ? 'namespaceResourceWhitelist/namespaceResourceBlacklist' : 'clusterResourceWhitelist';
          out.push(
            finding(
              this.name,
              state,
              `${namespaced ? 'namespaced' : 'cluster-scoped'} kind ${gk}${source === 'inferred' ? ' (scope inferred: its CRD is not in the state)' : ''} is not permitted by AppProject ${app.project} (${list}), so Application ${app.name} cannot sync it`,
              `permit ${gk} in the ${list} of AppProject ${app.project} (${PROJECT_CODE}) or move the object to an Application of a project that permits it`,
              o,
            ),
          );
          continue;
        }
        if (!namespaced) continue;
        const namespace = m.metadata.namespace ?? app.destination.namespace ?? '';
        if (!isDestinationPermitted(project.manifest, cluster, namespace)) {
          out.push(
            finding(
              this.name,
              state,
              `Application ${app.name} applies it in namespace ${namespace || '(none)'}, which AppProject ${app.project} does not permit (destinations: ${describeDestinations(project.manifest)})`,
              `add namespace ${namespace || '(none)'} to the destinations of AppProject ${app.project} (${PROJECT_CODE}) or set the object's namespace to a permitted one`,
              o,
            ),
          );
        }
      }
    }
    return out;
  },
};

/** Which Application provides the CRD of a group/kind: a CRD object of the state, else a chart of the catalog declaring the group. */
function crdProviders(
  state: ClusterState,
  ctx: VerifyContext | undefined,
  apps: readonly AppInfo[],
): (group: string, kind: string) => { readonly app?: string; readonly via: string } | undefined {
  const fromObjects = new Map<string, { app: string; via: string }>();
  for (const r of state.releases) {
    for (const o of r.rendered ?? []) {
      const m = o.manifest;
      if (m.kind === 'CustomResourceDefinition' && m.spec?.group && m.spec?.names?.kind)
        fromObjects.set(`${m.spec.group}/${m.spec.names.kind}`, {
          app: r.application.metadata.name ?? o.application,
          via: `CRD ${m.metadata.name} in ${o.file}`,
        });
    }
  }
  for (const o of state.objects) {
    const m = o.manifest;
    if (m.kind === 'CustomResourceDefinition' && m.spec?.group && m.spec?.names?.kind)
      fromObjects.set(`${m.spec.group}/${m.spec.names.kind}`, { app: o.application, via: `CRD ${m.metadata.name} in ${o.file}` });
  }
  const charts = ctx?.catalog?.charts ?? [];
  return (group, kind) => {
    const direct = fromObjects.get(`${group}/${kind}`);
    if (direct) return direct;
    for (const c of charts) {
      if (!c.crdGroups.includes(group)) continue;
      const app = apps.find((a) => a.sources.some((s) => s.chart === c.chart.chart && normalizeGitURL(s.repoURL) === normalizeGitURL(c.chart.repoURL)));
      if (app) return { app: app.name, via: `chart ${c.chart.chart}@${c.chart.version} (declares CRD group ${group})` };
      return { via: `chart ${c.chart.chart} (declares CRD group ${group}), which this cluster does not install` };
    }
    for (const m of ctx?.catalog?.manifests ?? []) {
      if (!m.crdGroups.includes(group)) continue;
      const app = apps.find((a) => a.sources.some((s) => s.path === m.source.path && normalizeGitURL(s.repoURL) === normalizeGitURL(m.source.repoURL)));
      const where = `${m.source.repoURL} ${m.source.path}@${m.source.tag}`;
      if (app) return { app: app.name, via: `manifests ${where} (declare CRD group ${group})` };
      return { via: `manifests ${where} (declare CRD group ${group}), which this cluster does not install` };
    }
    return undefined;
  };
}

const SKIP_DRY_RUN = 'SkipDryRunOnMissingResource=true';
const WAVE_CODE = 'the sync waves of lib/core/argocd.ts SyncWave (HelmChart.syncWave, folder options.syncWave in lib/gitops/gitops-addon.ts)';

export const syncOrder: VerifyCheck = {
  name: 'argocd/sync-order',
  description:
    'In the app of apps, AppProjects come before the Applications using them, CRDs before the custom resources of other Applications (or those skip the dry run), and Namespaces no later than the Applications deploying into them.',
  run(state, ctx) {
    const apps = applicationsOf(state);
    const byName = new Map(apps.map((a) => [a.name, a]));
    const projects = projectsOf(state);
    const objects = allObjects(state);
    const scopes = new KindScopes(objects);
    const provider = crdProviders(state, ctx, apps);
    const preexisting = preexistingNamespaces(ctx);
    const namespaces = new Map<string, StateObject>();
    for (const o of objects)
      if (o.manifest.kind === 'Namespace' && groupOf(o.manifest) === '' && o.manifest.metadata.name) namespaces.set(o.manifest.metadata.name, o);
    const out: Finding[] = [];

    // 1. Projects before the Applications that use them.
    for (const app of apps) {
      const p = projects.get(app.project)?.object;
      if (!p) continue;
      const pw = waveOf(p.manifest);
      if (pw >= app.wave) {
        out.push(
          finding(
            this.name,
            state,
            `AppProject ${app.project} is synced in wave ${pw}, not before Application ${app.name} (wave ${app.wave}) that uses it: the Application may be created before its project exists`,
            `give AppProject ${app.project} a lower sync wave than ${app.wave} (lib/argocd/platform-project.ts, lib/tenants/tenant-project.ts) or raise the Application's wave`,
            p,
          ),
        );
      }
    }

    for (const app of apps) {
      const skipAll = app.syncOptions.includes(SKIP_DRY_RUN);
      const reported = new Set<string>();
      const owned = objectsOfApplication(state, app.name);
      for (const o of owned) {
        const m = o.manifest;
        const group = groupOf(m);
        // 2. Custom resources after the Application that installs their CRD.
        if (isCustomKind(group) && !(m.kind === 'CustomResourceDefinition')) {
          const key = `${group}/${m.kind}`;
          const p = provider(group, m.kind);
          const skip = skipAll || objectSyncOptions(m).includes(SKIP_DRY_RUN);
          // CRDs the cluster has before Argo CD starts (the cloud's own, or its Terraform stack's add-ons).
          if (!p && cloudProvidedCrdGroups(state.cluster).includes(group)) continue;
          if (!p) {
            if (!reported.has(key)) {
              reported.add(key);
              out.push(
                finding(
                  this.name,
                  state,
                  `no Application of the cluster installs the CRD of ${key} (no CustomResourceDefinition in the state, no chart of the catalog declaring group ${group}); Application ${app.name} cannot sync it`,
                  `install the chart that provides ${group} on this cluster (declare it in the chart's crdGroups) or stop routing this object to ${state.cluster.name}`,
                  o,
                ),
              );
            }
          } else if (!p.app) {
            if (!reported.has(key)) {
              reported.add(key);
              out.push(
                finding(
                  this.name,
                  state,
                  `the CRD of ${key} comes from ${p.via}; Application ${app.name} cannot sync it`,
                  `install that chart on ${state.cluster.name} (its placement) or stop routing the object to this cluster`,
                  o,
                ),
              );
            }
          } else if (p.app !== app.name && !skip) {
            const pa = byName.get(p.app);
            if (pa && pa.wave >= app.wave && !reported.has(key)) {
              reported.add(key);
              out.push(
                finding(
                  this.name,
                  state,
                  `${key} is a custom resource whose CRD comes from Application ${p.app} (wave ${pa.wave}, ${p.via}), but Application ${app.name} syncs in wave ${app.wave}, not after it: its dry run fails until the CRD exists`,
                  `sync Application ${app.name} in a wave after ${pa.wave} (${WAVE_CODE}) or annotate the object with ${SYNC_OPTIONS}: ${SKIP_DRY_RUN}`,
                  o,
                ),
              );
            }
          }
        }
      }

      // 3. Namespaces exist before the Application deploys into them.
      const createNamespace = app.syncOptions.includes('CreateNamespace=true');
      const needed = new Map<string, StateObject | undefined>();
      if (app.destination.namespace && !createNamespace) needed.set(app.destination.namespace, undefined);
      for (const o of owned) {
        const m = o.manifest;
        if (m.kind === 'Namespace' || !m.metadata.namespace) continue;
        if (!scopes.scope(groupOf(m), m.kind, m).namespaced) continue;
        if (m.metadata.namespace === app.destination.namespace && createNamespace) continue;
        if (!needed.has(m.metadata.namespace)) needed.set(m.metadata.namespace, o);
      }
      for (const [ns, user] of needed) {
        if (preexisting.has(ns)) continue;
        const nsObject = namespaces.get(ns);
        const where = user
          ? `${describeManifest(user.manifest)} of Application ${app.name}`
          : `Application ${app.name} (destination namespace, CreateNamespace not set)`;
        if (!nsObject) {
          out.push(
            finding(
              this.name,
              state,
              `namespace ${ns} is used by ${where}, but no Namespace object in the cluster's state creates it${createNamespace ? '' : ' and the Application does not set CreateNamespace=true'}`,
              `render Namespace ${ns} (lib/core/namespaces.ts / the add-on's NamespaceDeclaration) in an Application synced no later than wave ${app.wave}`,
              user ?? app.object,
            ),
          );
          continue;
        }
        if (nsObject.application === app.name) {
          if (user && waveOf(nsObject.manifest) > waveOf(user.manifest)) {
            out.push(
              finding(
                this.name,
                state,
                `Namespace ${ns} has sync wave ${waveOf(nsObject.manifest)} in Application ${app.name}, after ${describeManifest(user.manifest)} (wave ${waveOf(user.manifest)}) that lives in it`,
                `lower the Namespace's sync wave to ${waveOf(user.manifest)} or less`,
                nsObject,
              ),
            );
          }
          continue;
        }
        const creator = byName.get(nsObject.application);
        if (!creator) continue; // created by the root Application, before every child
        if (creator.wave > app.wave) {
          out.push(
            finding(
              this.name,
              state,
              `namespace ${ns} is created by Application ${creator.name} in wave ${creator.wave}, after ${where} in wave ${app.wave}`,
              `sync ${creator.name} no later than wave ${app.wave} or ${app.name} later (${WAVE_CODE})`,
              user ?? app.object,
            ),
          );
        }
      }
    }
    return out;
  },
};

export const argocdChecks: readonly VerifyCheck[] = [projectExists, sourcePermitted, destinationPermitted, resourcePermitted, syncOrder];
