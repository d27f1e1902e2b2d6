import { ClusterIssuers, SyncWave } from '../../lib/core/argocd';
import { RenderedObject } from '../../lib/core/checks';
import { applicationName } from '../../lib/core/names';
import { platform } from '../../apps/platform/platform';
import { serviceCatalog } from '../../apps/platform/services';
import { composePlatform } from '../../lib/core/composition';
import { platformAddOns } from '../../apps/platform/main';
import { APPLICATION_HEALTH_LUA } from '../../lib/argocd/application-health';
import { carriesProtection, statefulProtectionCheck, statefulReason } from '../../lib/argocd/stateful-protection-check';
import { kindIs, LooseObject, renderedPlatform } from './support';

const ENVS = platform.environments.map((e) => e.name);
const PLATFORM_CHARTS = composePlatform(platformAddOns()).catalog.charts;
const ADDON_CHARTS = PLATFORM_CHARTS.filter((c) => (c.file ?? 'addons') === 'addons');
const group = (o: LooseObject) => (o.manifest.apiVersion.includes('/') ? o.manifest.apiVersion.split('/')[0] : '');
const wave = (o: LooseObject) => Number(o.manifest.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);

function childApps(env: string): LooseObject[] {
  return renderedPlatform().envs.get(env)!.objects.filter((o) => o.file === `${env}/argocd/applications.yaml` && o.manifest.kind === 'Application');
}

describe('app of apps', () => {
  it.each(ENVS)('points every Application of %s at a folder that exists in dist/', (env) => {
    const { result, envs } = renderedPlatform();
    const paths = new Set([...result.files.keys()].filter((p) => p.endsWith('.yaml')).map((p) => `dist/${p.split('/').slice(0, 2).join('/')}`));
    const apps = envs.get(env)!.objects.filter(kindIs('Application', 'argoproj.io'));
    const withPath = apps.filter((a) => a.manifest.spec.source?.path);
    expect(withPath.length).toBeGreaterThan(3);
    for (const a of withPath) expect(paths).toContain(a.manifest.spec.source.path);
  });

  it.each(ENVS)('gives %s one child Application per synced folder, none for unsynced ones', (env) => {
    const { envs } = renderedPlatform();
    const rendered = envs.get(env)!;
    const foldersWithObjects = new Set(rendered.objects.map((o) => o.folder));
    const names = childApps(env).map((a) => a.manifest.metadata.name).sort();
    for (const f of ['core', 'observability', 'rightsizing', 'operator-config']) expect(names).toContain(applicationName(env, f));
    for (const f of ['argocd', 'bootstrap', 'reports']) expect(names).not.toContain(applicationName(env, f));
    for (const n of names) expect(foldersWithObjects).toContain(n.slice(env.length + 1));
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(ENVS)('writes the root Application of %s to bootstrap/, over argocd/, from platform.gitops', (env) => {
    const root = renderedPlatform().envs.get(env)!.objects.filter((o) => o.file === `${env}/bootstrap/root-app.yaml`);
    expect(root).toHaveLength(1);
    const spec = root[0].manifest.spec;
    expect(spec.source).toEqual({ repoURL: platform.gitops.repoURL, targetRevision: platform.gitops.targetRevision, path: `dist/${env}/argocd`, directory: { recurse: false } });
    expect(spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    // Deleting the root must never cascade into the platform.
    expect(root[0].manifest.metadata.finalizers).toBeUndefined();
    for (const a of childApps(env)) {
      expect(a.manifest.spec.source.repoURL).toBe(platform.gitops.repoURL);
      expect(a.manifest.spec.source.targetRevision).toBe(platform.gitops.targetRevision);
      expect(a.manifest.spec.source.directory).toEqual({ recurse: false });
      expect(a.manifest.spec.syncPolicy.retry.backoff.factor).toBe(2);
    }
  });

  it('makes sync waves follow dependencies: namespaces before what lives in them, operators before their objects', () => {
    const providerGroups = new Set(PLATFORM_CHARTS.flatMap((a) => a.crdGroups));
    for (const env of ENVS) {
      const objects = renderedPlatform().envs.get(env)!.objects;
      const appWave = new Map(childApps(env).map((a) => [a.manifest.metadata.name.slice(env.length + 1), wave(a)]));
      const namespaceFolder = new Map(objects.filter(kindIs('Namespace', '')).map((o) => [o.manifest.metadata.name!, o.folder]));
      for (const o of objects) {
        const w = appWave.get(o.folder);
        if (w === undefined) continue;
        const nsFolder = namespaceFolder.get(o.manifest.metadata.namespace ?? '');
        // The folder creating a namespace syncs no later than any folder putting objects in it.
        if (nsFolder && nsFolder !== o.folder && appWave.has(nsFolder)) expect({ folder: o.folder, wave: w, after: Math.min(w, appWave.get(nsFolder)!) }).toEqual({ folder: o.folder, wave: w, after: appWave.get(nsFolder) });
        if (providerGroups.has(group(o))) expect(w).toBeGreaterThan(SyncWave.operators);
      }
      const addOnWaves = objects.filter((o) => o.file === `${env}/argocd/addons.yaml`).map(wave);
      expect(new Set(addOnWaves)).toEqual(new Set([SyncWave.operators]));
      const projects = objects.filter(kindIs('AppProject', 'argoproj.io')).filter((o) => o.manifest.metadata.name === 'platform');
      expect(wave(projects[0])).toBeLessThan(Math.min(...addOnWaves, ...appWave.values()));
    }
  });

  it('never prunes nor cascades the deletion of a stateful folder', () => {
    for (const env of ENVS) {
      const apps = childApps(env);
      const core = apps.find((a) => a.manifest.metadata.name === applicationName(env, 'core'))!;
      expect(core.manifest.spec.syncPolicy.automated.prune).toBe(false);
      expect(core.manifest.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
      expect(core.manifest.metadata.finalizers).toBeUndefined();
      const rules = apps.find((a) => a.manifest.metadata.name === applicationName(env, 'observability'))!;
      expect(rules.manifest.spec.syncPolicy.automated.prune).toBe(true);
      expect(rules.manifest.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    }
  });

  it('protects every stateful object of every environment', () => {
    for (const env of ENVS) {
      const objects = renderedPlatform().envs.get(env)!.objects;
      const stateful = objects.filter((o) => statefulReason(o));
      expect(stateful.length).toBeGreaterThan(0);
      const statefulFolders = new Set(childApps(env).filter((a) => a.manifest.spec.syncPolicy.automated.prune === false).map((a) => a.manifest.metadata.name.slice(env.length + 1)));
      for (const o of stateful) expect(statefulFolders.has(o.folder) || carriesProtection(o)).toBe(true);
    }
  });

  it('flags an unprotected PersistentVolumeClaim outside stateful folders', () => {
    const pvc = (annotations?: Record<string, string>): RenderedObject => ({
      environment: 'prod',
      folder: 'observability',
      file: 'prod/observability/x.yaml',
      manifest: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'monitoring', annotations } },
    });
    const check = statefulProtectionCheck(() => new Set(['core']));
    expect(check.check([pvc()])).toEqual([expect.stringContaining('PersistentVolumeClaim monitoring/data')]);
    expect(check.check([pvc({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' })])).toEqual([]);
    expect(statefulProtectionCheck(() => new Set(['observability'])).check([pvc()])).toEqual([]);
  });

  it('ignores only fields controllers own: replicas of HPA-scaled Deployments and Flagger-managed objects', () => {
    const flaggerNames = new Set(serviceCatalog.services.filter((s) => s.rollout === 'flagger').flatMap((s) => [s.name, `${s.name}-canary`, `${s.name}-primary`]));
    let ignored = 0;
    for (const env of ENVS) {
      const objects = renderedPlatform().envs.get(env)!.objects;
      const hpas = new Set(objects.filter(kindIs('HorizontalPodAutoscaler')).map((o) => `${o.manifest.metadata.namespace}/${o.manifest.spec.scaleTargetRef.name}`));
      for (const app of objects.filter(kindIs('Application', 'argoproj.io'))) {
        for (const d of app.manifest.spec.ignoreDifferences ?? []) {
          // Webhook configurations whose CA bundle (and failure policy) istiod patches at runtime.
          if (d.group === 'admissionregistration.k8s.io' && d.kind.endsWith('WebhookConfiguration')) {
            for (const p of d.jsonPointers) expect(p).toMatch(/^\/webhooks\/\d+\/(clientConfig\/caBundle|failurePolicy)$/);
            continue;
          }
          ignored++;
          const id = `${d.namespace}/${d.name}`;
          const byHpa = d.kind === 'Deployment' && hpas.has(id) && d.jsonPointers.includes('/spec/replicas');
          expect(byHpa || flaggerNames.has(d.name)).toBe(true);
          if (!flaggerNames.has(d.name)) expect(d.jsonPointers).toEqual(['/spec/replicas']);
          expect(app.manifest.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
        }
      }
      // And every HPA-scaled Deployment rendered in a synced folder is covered.
      const covered = new Set(childApps(env).flatMap((a) => (a.manifest.spec.ignoreDifferences ?? []).map((d: { namespace: string; name: string }) => `${d.namespace}/${d.name}`)));
      for (const h of hpas) expect(covered).toContain(h);
    }
    expect(ignored).toBeGreaterThan(0);
  });

  it('fans folders out to remote clusters by label, lighter on edge sites, never the hub-only capacity', () => {
    const sets = renderedPlatform().envs.get('prod')!.objects.filter(kindIs('ApplicationSet', 'argoproj.io'));
    expect(sets.map((s) => s.manifest.metadata.name).sort()).toEqual(['prod-remote-clusters', 'prod-remote-clusters-stateful']);
    const foldersFor = (profile: string, cloud: string) =>
      sets.flatMap((s) =>
        s.manifest.spec.generators
          .filter((g: any) => g.matrix.generators[0].clusters.selector.matchLabels['ceres.io/profile'] === profile && g.matrix.generators[0].clusters.selector.matchLabels['ceres.io/cloud'] === cloud)
          .flatMap((g: any) => g.matrix.generators[1].list.elements.map((e: { folder: string }) => e.folder)),
      );
    for (const s of sets) {
      for (const g of s.manifest.spec.generators) expect(g.matrix.generators[0].clusters.selector.matchLabels['ceres.io/environment']).toBe('prod');
      expect(s.manifest.spec.template.spec.destination).toEqual({ name: '{{.name}}' });
    }
    const azure = foldersFor('full', 'azure');
    const edge = foldersFor('edge', 'edge');
    expect(azure).toEqual(expect.arrayContaining(['core', 'observability', 'operator-config']));
    expect(edge).toContain('operator-config');
    expect(edge).not.toContain('observability');
    expect(edge.length).toBeLessThan(azure.length);
    expect([...azure, ...edge]).not.toContain('capacity');
    expect(renderedPlatform().envs.get('dev')!.objects.filter(kindIs('ApplicationSet'))).toEqual([]);
  });

  it('installs pinned add-ons per cluster: Karpenter on AWS only, the light set on edge, Argo CD on the hub', () => {
    const apps = renderedPlatform().envs.get('prod')!.objects.filter((o) => o.file === 'prod/argocd/addons.yaml');
    const byCluster = (cluster: string) => apps.filter((a) => a.manifest.metadata.labels['ceres.io/cluster'] === cluster).map((a) => a.manifest.metadata.labels['ceres.io/addon']).sort();
    expect(byCluster('ceres-prod-aws')).toEqual(ADDON_CHARTS.map((a) => a.name).sort());
    expect(byCluster('ceres-prod-azure')).not.toContain('karpenter');
    expect(byCluster('ceres-prod-azure')).not.toContain('argo-cd');
    expect(byCluster('ceres-prod-edge-lyon')).toEqual(['cert-manager', 'falco', 'kyverno', 'sealed-secrets']);
    for (const a of apps) {
      expect(a.manifest.spec.source.targetRevision).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(a.manifest.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    }
    const argo = apps.find((a) => a.manifest.metadata.name === 'ceres-prod-aws-argo-cd')!;
    expect(argo.manifest.spec.destination.name).toBe('in-cluster');
    expect(argo.manifest.spec.source.helm.valuesObject.configs.cm['resource.customizations.health.argoproj.io_Application']).toBe(APPLICATION_HEALTH_LUA);
  });

  it('issues certificates from the ClusterIssuers the gateways reference', () => {
    const issuers = renderedPlatform().envs.get('prod')!.objects.filter(kindIs('ClusterIssuer', 'cert-manager.io'));
    expect(issuers.map((i) => i.manifest.metadata.name).sort()).toEqual([ClusterIssuers.production, ClusterIssuers.staging].sort());
    for (const i of issuers) {
      expect(i.manifest.spec.acme.email).toBe('certificates@ceres.io');
      expect(i.manifest.spec.acme.solvers).toEqual([{ http01: { ingress: { ingressClassName: 'istio' } } }]);
    }
  });

  it('declares a Velero location for every backup URI, with the plugin of its scheme and encrypted uploads', () => {
    const { result, envs } = renderedPlatform();
    const velero = envs.get('prod')!.objects.find((o) => o.manifest.metadata.name === 'ceres-prod-aws-velero')!;
    const values = velero.manifest.spec.source.helm.valuesObject;
    const names = values.configuration.backupStorageLocation.map((l: { name: string }) => l.name);
    const { backupLocationName } = require('../../lib/core/input/rules');
    expect(names.sort()).toEqual([...new Set(result.input.backups.map((b) => backupLocationName(b.storageLocation) as string))].sort());
    expect(values.configuration.uploaderType).toBe('kopia');
    expect(values.credentials.useSecret).toBe(false);
    const schedules = envs.get('prod')!.objects.filter(kindIs('Schedule', 'velero.io'));
    for (const s of schedules) expect(names).toContain(s.manifest.spec.template.storageLocation);
  });
});

describe.each(['docs/gitops.md', 'README.md'])('%s', (file) => {
  it('lists every add-on with the version the code pins', () => {
    const doc = require('node:fs').readFileSync(require('node:path').join(__dirname, '../..', file), 'utf8') as string;
    for (const a of ADDON_CHARTS) expect(doc).toMatch(new RegExp(`\\| ${a.name} \\| ${a.chart.chart} \\(.*\\) \\| ${a.chart.version.replace(/\./g, '\\.')} \\|`));
  });
});
