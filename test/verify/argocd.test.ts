import { HelmChart } from '../../lib/core/addon';
import {
  compileGlob,
  destinationPermitted,
  filepathMatch,
  isDestinationPermitted,
  isGroupKindPermitted,
  isSourcePermitted,
  normalizeGitURL,
  projectExists,
  resourcePermitted,
  sourcePermitted,
  syncOrder,
} from '../../lib/verify/checks/argocd';
import { appProject, application, crd, GITOPS_REPO, namespace, obj, platformProject, release, rendered, root, run, stateOf } from './fixtures';

const chartDeclaring = (chart: string, repoURL: string, groups: string[]) =>
  ({ name: chart, chart: { repoURL, chart, version: '1.0.0' }, crdGroups: groups }) as unknown as HelmChart;

describe('Argo CD matching primitives (Argo CD v3.4.4)', () => {
  it('normalises repository URLs as util/git NormalizeGitURL does', () => {
    expect(normalizeGitURL(' https://GitHub.com/Org/Repo.git ')).toBe('https://github.com/org/repo');
    expect(normalizeGitURL('git@github.com:org/repo.git')).toBe('git@github.com/org/repo');
    expect(normalizeGitURL('public.ecr.aws/karpenter')).toBe('public.ecr.aws/karpenter');
  });

  it('compiles gobwas globs: `*` stops at separators, `**` does not, alternatives and classes', () => {
    expect(compileGlob('https://github.com/org/*', ['/'])!.test('https://github.com/org/repo')).toBe(true);
    expect(compileGlob('https://github.com/org/*', ['/'])!.test('https://github.com/org/team/repo')).toBe(false);
    expect(compileGlob('https://github.com/org/**', ['/'])!.test('https://github.com/org/team/repo')).toBe(true);
    expect(compileGlob('tenant-{acme,globex}-*')!.test('tenant-globex-002')).toBe(true);
    expect(compileGlob('ns-[!a]*')!.test('ns-abc')).toBe(false);
    expect(compileGlob('unclosed-[')).toBeUndefined();
  });

  it('matches project group/kind lists with Go filepath.Match', () => {
    expect(filepathMatch('*', 'ClusterRole')).toBe(true);
    expect(filepathMatch('rbac.*', 'rbac.authorization.k8s.io')).toBe(true);
    expect(filepathMatch('Cluster?', 'ClusterRole')).toBe(false);
  });

  it('applies `!` denials to sources and destinations', () => {
    const p = appProject({
      name: 'p',
      sourceRepos: ['https://github.com/org/*', '!https://github.com/org/secret'],
      destinations: [
        { server: '*', namespace: '*' },
        { server: '*', namespace: '!kube-system' },
      ],
    });
    expect(isSourcePermitted(p, 'https://github.com/org/app.git')).toBe(true);
    expect(isSourcePermitted(p, 'https://github.com/org/secret')).toBe(false);
    expect(isDestinationPermitted(p, { name: 'in-cluster', server: 'https://kubernetes.default.svc' }, 'apps')).toBe(true);
    expect(isDestinationPermitted(p, { name: 'in-cluster', server: 'https://kubernetes.default.svc' }, 'kube-system')).toBe(false);
  });

  it('treats a missing namespace whitelist as everything and an empty cluster whitelist as nothing', () => {
    const p = appProject({ name: 'p', clusterResourceWhitelist: [] });
    expect(isGroupKindPermitted(p, 'apps', 'Deployment', 'x', true)).toBe(true);
    expect(isGroupKindPermitted(p, 'rbac.authorization.k8s.io', 'ClusterRole', 'x', false)).toBe(false);
    expect(isGroupKindPermitted(appProject({ name: 'q', namespaceResourceWhitelist: [] }), 'apps', 'Deployment', 'x', true)).toBe(false);
  });
});

describe('argocd/project-exists', () => {
  it('reports an Application naming a project the cluster does not have', () => {
    const state = stateOf({ objects: [root(platformProject()), root(application({ name: 'dev-core', project: 'core' }))] });
    const findings = run(projectExists, state);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: 'argocd/project-exists', object: 'Application argocd/dev-core', cluster: 'ceres-test-aws' });
    expect(findings[0].message).toContain('AppProject core');
    expect(findings[0].fix).toMatch(/AppProject core/);
  });

  it("accepts a project of the app of apps, and Argo CD's built-in default project", () => {
    const state = stateOf({
      objects: [
        root(platformProject()),
        root(application({ name: 'dev-core', project: 'platform' })),
        root(application({ name: 'dev-x', project: 'default' })),
      ],
    });
    expect(run(projectExists, state)).toEqual([]);
  });
});

describe('argocd/source-permitted', () => {
  it("reports a chart repository missing from the project's sourceRepos", () => {
    const app = application({ name: 'kyverno', chart: 'kyverno', repoURL: 'https://kyverno.github.io/kyverno/', wave: -30 });
    const state = stateOf({ objects: [root(platformProject()), root(app)] });
    const findings = run(sourcePermitted, state);
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('https://kyverno.github.io/kyverno/');
    expect(findings[0].fix).toContain('sourceRepos of AppProject platform');
  });

  it('accepts the repository once listed, whatever its case and `.git` suffix', () => {
    const app = application({ name: 'dev-core', repoURL: 'https://GitHub.com/ceres-platform/platform-manifests' });
    const state = stateOf({ objects: [root(platformProject({ sourceRepos: [GITOPS_REPO] })), root(app)] });
    expect(run(sourcePermitted, state)).toEqual([]);
  });
});

describe('argocd/destination-permitted', () => {
  const tenantProject = appProject({
    name: 'tenant-acme-001',
    destinations: [{ name: '*', server: '*', namespace: 'tenant-acme-001' }],
    clusterResourceWhitelist: [],
  });

  it("reports a destination namespace outside the project's destinations", () => {
    const app = application({ name: 'acme-web', project: 'tenant-acme-001', destination: { name: 'in-cluster', namespace: 'ceres' } });
    const findings = run(destinationPermitted, stateOf({ objects: [root(tenantProject), root(app)] }));
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('namespace ceres');
    expect(findings[0].message).toContain('tenant-acme-001');
  });

  it('reports a destination naming both a cluster name and a server', () => {
    const app = application({ name: 'x', destination: { name: 'in-cluster', server: 'https://kubernetes.default.svc', namespace: 'ceres' } });
    expect(run(destinationPermitted, stateOf({ objects: [root(platformProject()), root(app)] }))[0].message).toContain('both');
  });

  it('accepts the tenant namespace, and a server-only destination of the in-cluster', () => {
    const a = application({ name: 'acme-web', project: 'tenant-acme-001', destination: { name: 'in-cluster', namespace: 'tenant-acme-001' } });
    const b = application({ name: 'dev-core', project: 'platform', destination: { server: 'https://kubernetes.default.svc', namespace: 'ceres' } });
    const state = stateOf({
      objects: [root(tenantProject), root(platformProject({ destinations: [{ server: 'https://kubernetes.default.svc', namespace: '*' }] })), root(a), root(b)],
    });
    expect(run(destinationPermitted, state)).toEqual([]);
  });
});

describe('argocd/resource-permitted', () => {
  const tenantProject = appProject({
    name: 'tenant-acme-001',
    destinations: [{ name: '*', server: '*', namespace: 'tenant-acme-001' }],
    clusterResourceWhitelist: [],
    namespaceResourceBlacklist: [{ group: 'networking.k8s.io', kind: 'NetworkPolicy' }],
  });
  const app = application({ name: 'dev-tenant-acme-001', project: 'tenant-acme-001', path: 'dist/dev/tenant-acme-001' });
  const clusterRole = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'acme-reader' }, rules: [] };
  const netpol = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-all', namespace: 'tenant-acme-001' }, spec: {} };
  const cm = (ns: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: {} });

  it('reports a cluster-scoped kind the project does not whitelist (empty whitelist = none)', () => {
    const findings = run(resourcePermitted, stateOf({ objects: [root(tenantProject), root(app), obj(clusterRole, 'dev-tenant-acme-001')] }));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ object: 'ClusterRole acme-reader', file: 'dev/tenant-acme-001/objects.yaml' });
    expect(findings[0].message).toContain('cluster-scoped kind rbac.authorization.k8s.io/ClusterRole');
  });

  it('reports a blacklisted namespaced kind and an object outside the destinations', () => {
    const findings = run(
      resourcePermitted,
      stateOf({ objects: [root(tenantProject), root(app), obj(netpol, 'dev-tenant-acme-001'), obj(cm('ceres'), 'dev-tenant-acme-001')] }),
    );
    expect(findings.map((f) => f.object).sort()).toEqual(['ConfigMap ceres/settings', 'NetworkPolicy tenant-acme-001/allow-all']);
    expect(findings.find((f) => f.object === 'ConfigMap ceres/settings')!.message).toContain('namespace ceres');
  });

  it('knows a custom kind is cluster-scoped from its CRD in the state, and checks rendered chart objects', () => {
    const gadget = { apiVersion: 'example.io/v1', kind: 'Gadget', metadata: { name: 'g' } };
    const { release: r, appObject } = release({
      chart: 'gadgets',
      version: '1.0.0',
      namespace: 'tenant-acme-001',
      rendered: [rendered(crd('example.io', 'Gadget', 'Cluster'), 'gadgets'), rendered(gadget, 'gadgets')],
    });
    const chartApp = { ...appObject, manifest: { ...appObject.manifest, spec: { ...appObject.manifest.spec, project: 'tenant-acme-001' } } };
    const findings = run(resourcePermitted, stateOf({ objects: [root(tenantProject), chartApp], releases: [r] }));
    expect(findings.map((f) => f.object).sort()).toEqual(['CustomResourceDefinition gadgets.example.io', 'Gadget g']);
    expect(findings.every((f) => f.file!.startsWith('helm:'))).toBe(true);
  });

  it('accepts namespaced objects in the tenant namespace', () => {
    expect(run(resourcePermitted, stateOf({ objects: [root(tenantProject), root(app), obj(cm('tenant-acme-001'), 'dev-tenant-acme-001')] }))).toEqual([]);
  });
});

describe('argocd/sync-order', () => {
  const repo = 'https://charts.example.com';
  const catalog = { charts: [chartDeclaring('widgets', repo, ['example.io'])] };
  const widget = { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'ceres' } };
  const operator = (wave: number) =>
    root(application({ name: 'widgets', chart: 'widgets', repoURL: repo, wave, destination: { name: 'in-cluster', namespace: 'widgets' } }));
  const ns = [obj(namespace('widgets', 'restricted'), 'dev-platform-namespaces'), obj(namespace('ceres', 'restricted'), 'dev-platform-namespaces')];
  const nsApp = root(application({ name: 'dev-platform-namespaces', wave: -40 }));

  it('reports an AppProject synced after an Application using it', () => {
    const findings = run(syncOrder, stateOf({ objects: [root(platformProject({ wave: 10 })), root(application({ name: 'dev-core', wave: 0 }))] }));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ object: 'AppProject argocd/platform' });
    expect(findings[0].message).toContain('wave 10');
  });

  it('reports a custom resource synced in the same wave as the Application installing its CRD', () => {
    const state = stateOf({
      objects: [root(platformProject()), nsApp, ...ns, operator(-30), root(application({ name: 'dev-core', wave: -30 })), obj(widget, 'dev-core')],
    });
    const findings = run(syncOrder, state, catalog);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ object: 'Widget ceres/w' });
    expect(findings[0].message).toContain('Application widgets');
    expect(findings[0].fix).toContain('SkipDryRunOnMissingResource=true');
  });

  it('reports a custom resource whose CRD no Application installs', () => {
    const state = stateOf({ objects: [root(platformProject()), nsApp, ...ns, root(application({ name: 'dev-core', wave: 0 })), obj(widget, 'dev-core')] });
    expect(run(syncOrder, state)[0].message).toContain('no Application of the cluster installs the CRD of example.io/Widget');
  });

  it('accepts the custom resource in a later wave, or with SkipDryRunOnMissingResource', () => {
    const later = stateOf({
      objects: [root(platformProject()), nsApp, ...ns, operator(-30), root(application({ name: 'dev-core', wave: 0 })), obj(widget, 'dev-core')],
    });
    expect(run(syncOrder, later, catalog)).toEqual([]);
    const skipping = { ...widget, metadata: { ...widget.metadata, annotations: { 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' } } };
    const same = stateOf({
      objects: [root(platformProject()), nsApp, ...ns, operator(-30), root(application({ name: 'dev-core', wave: -30 })), obj(skipping, 'dev-core')],
    });
    expect(run(syncOrder, same, catalog)).toEqual([]);
  });

  it('reports a destination namespace nobody creates, and one created in a later wave', () => {
    const missing = stateOf({ objects: [root(platformProject()), operator(-30)] });
    const f1 = run(syncOrder, missing, catalog);
    expect(f1).toHaveLength(1);
    expect(f1[0].message).toContain('namespace widgets');
    expect(f1[0].message).toContain('CreateNamespace');
    const late = stateOf({ objects: [root(platformProject()), operator(-30), root(application({ name: 'dev-platform-namespaces', wave: 0 })), ...ns] });
    const f2 = run(syncOrder, late, catalog);
    expect(f2).toHaveLength(1);
    expect(f2[0].message).toContain('created by Application dev-platform-namespaces in wave 0');
  });

  it('accepts CreateNamespace=true and namespaces created earlier', () => {
    const creating = root(
      application({
        name: 'widgets',
        chart: 'widgets',
        repoURL: repo,
        wave: -30,
        destination: { name: 'in-cluster', namespace: 'widgets' },
        syncOptions: ['CreateNamespace=true'],
      }),
    );
    expect(run(syncOrder, stateOf({ objects: [root(platformProject()), creating] }), catalog)).toEqual([]);
    expect(run(syncOrder, stateOf({ objects: [root(platformProject()), nsApp, ...ns, operator(-30)] }), catalog)).toEqual([]);
  });
});
