import { platformAddOns } from '../../apps/platform/main';
import { SyncWave } from '../../lib/core/argocd';
import { RenderedObject } from '../../lib/core/checks';
import { composePlatform } from '../../lib/core/composition';
import { applicationName } from '../../lib/core/names';
import { placementApplies, traitsOf } from '../../lib/core/topology';
import { servesConsoles } from '../../lib/core/traffic-failover';
import { APPLICATION_HEALTH_LUA } from '../../lib/argocd/application-health';
import { carriesProtection, statefulProtectionCheck, statefulReason } from '../../lib/argocd/stateful-protection-check';
import { FIXTURE_SERVICES, FixtureClusters, fixturePlatform, kindIs, LooseObject, renderAddOns, TENANT_PER_TIER, yamlFiles } from '../support/harness';

/**
 * The GitOps add-on (one app of apps per cluster) over every add-on of the platform, on a fixture
 * environment with an EKS cluster, a GKE Autopilot cluster and an edge site, and a tenant of each tier.
 */
const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.gcp, FixtureClusters.edge] });
const out = renderAddOns(platformAddOns(), { platform, input: TENANT_PER_TIER });
const ENV = out.environment.name;
const PLATFORM_CHARTS = composePlatform(platformAddOns()).catalog.charts;
const PLATFORM_MANIFESTS = composePlatform(platformAddOns()).catalog.manifests;
const group = (o: LooseObject) => (o.manifest.apiVersion.includes('/') ? o.manifest.apiVersion.split('/')[0] : '');
const wave = (o: LooseObject) => Number(o.manifest.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);

/** The clusters with the objects each one's Argo CD applies. */
const clusters = (): [string, readonly LooseObject[]][] => [...out.view.clusters.entries()];
const argocdFile = (cluster: string, file: string) => `${ENV}/clusters/${cluster}/argocd/${file}`;

/** The child Applications (one per synced folder) of one cluster's app of apps. */
function childApps(cluster: string): LooseObject[] {
  return out.view.clusters.get(cluster)!.filter((o) => o.file === argocdFile(cluster, 'applications.yaml') && o.manifest.kind === 'Application');
}
const allChildApps = () => clusters().flatMap(([c]) => childApps(c));
/** The folder (relative to dist/<env>/) an Application syncs. */
const folderOf = (app: LooseObject) => String(app.manifest.spec.source.path).slice(`dist/${ENV}/`.length);

describe('app of apps', () => {
  it('points every Application at a folder that exists in dist/', () => {
    const folders = new Set([...out.files.keys()].filter((p) => p.endsWith('.yaml')).map((p) => `dist/${p.slice(0, p.lastIndexOf('/'))}`));
    for (const [, objects] of clusters()) {
      const withPath = objects.filter(kindIs('Application', 'argoproj.io')).filter((a) => a.manifest.spec.source?.path);
      const own = withPath.filter((a) => a.manifest.spec.source.repoURL === platform.gitops.repoURL);
      expect(own.length).toBeGreaterThan(3);
      for (const a of own) expect(folders).toContain(a.manifest.spec.source.path);
      // The others apply an upstream directory an add-on declares, at its pinned tag.
      for (const a of withPath.filter((x) => !own.includes(x)))
        expect(PLATFORM_MANIFESTS.map((m) => m.source)).toContainEqual({
          repoURL: a.manifest.spec.source.repoURL,
          tag: a.manifest.spec.source.targetRevision,
          path: a.manifest.spec.source.path,
        });
    }
  });

  it('gives each cluster one child Application per folder it syncs, none for unsynced ones', () => {
    for (const [cluster, objects] of clusters()) {
      const synced = new Set(objects.map((o) => o.folder));
      const apps = childApps(cluster);
      const folders = apps.map((a) => folderOf(a));
      expect(folders).toContain(`clusters/${cluster}/platform-namespaces`);
      for (const f of ['argocd', 'bootstrap', 'reports']) expect(folders.some((x) => x === f || x.endsWith(`/${f}`))).toBe(false);
      // Every folder the cluster receives (other than its app of apps) is synced by exactly one Application.
      for (const f of synced) if (!f.endsWith('/argocd')) expect(folders.filter((x) => x === f)).toHaveLength(1);
      for (const f of folders) expect(synced).toContain(f);
      const names = apps.map((a) => a.manifest.metadata.name);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('writes one root Application per cluster to its bootstrap/, over its own argocd/, from platform.gitops', () => {
    for (const [cluster] of clusters()) {
      const root = out.objects.filter((o) => o.file === `${ENV}/clusters/${cluster}/bootstrap/root-app.yaml`);
      expect(root).toHaveLength(1);
      const spec = root[0].manifest.spec;
      expect(spec.source).toEqual({
        repoURL: platform.gitops.repoURL,
        targetRevision: platform.gitops.targetRevision,
        path: `dist/${ENV}/clusters/${cluster}/argocd`,
        directory: { recurse: false },
      });
      expect(spec.destination.name).toBe('in-cluster');
      expect(spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      // Deleting the root must never cascade into the platform.
      expect(root[0].manifest.metadata.finalizers).toBeUndefined();
      for (const a of childApps(cluster)) {
        expect(a.manifest.spec.source.repoURL).toBe(platform.gitops.repoURL);
        expect(a.manifest.spec.source.targetRevision).toBe(platform.gitops.targetRevision);
        expect(a.manifest.spec.source.directory).toEqual({ recurse: false });
        expect(a.manifest.spec.syncPolicy.retry.backoff.factor).toBe(2);
        // Pull model: each cluster's Argo CD applies only to itself.
        expect(a.manifest.spec.destination).toEqual({ name: 'in-cluster' });
      }
    }
  });

  it('makes sync waves follow dependencies: namespaces before what lives in them, operators before their objects', () => {
    const providerGroups = new Set([...PLATFORM_CHARTS, ...PLATFORM_MANIFESTS].flatMap((a) => a.crdGroups));
    {
      for (const [cluster, objects] of clusters()) {
        const appWave = new Map(childApps(cluster).map((a) => [folderOf(a), wave(a)]));
        const namespaceFolder = new Map(objects.filter(kindIs('Namespace', '')).map((o) => [o.manifest.metadata.name!, o.folder]));
        for (const o of objects) {
          const w = appWave.get(o.folder);
          if (w === undefined) continue;
          const nsFolder = namespaceFolder.get(o.manifest.metadata.namespace ?? '');
          // The folder creating a namespace syncs no later than any folder putting objects in it.
          if (nsFolder && nsFolder !== o.folder && appWave.has(nsFolder))
            expect({ folder: o.folder, wave: w, after: Math.min(w, appWave.get(nsFolder)!) }).toEqual({
              folder: o.folder,
              wave: w,
              after: appWave.get(nsFolder),
            });
          if (providerGroups.has(group(o))) expect(w).toBeGreaterThan(SyncWave.operators);
        }
        const addOns = objects.filter((o) => o.file === argocdFile(cluster, 'addons.yaml'));
        // Operators sync in the operators' wave (one later when their chart uses another add-on's CRDs).
        for (const a of addOns) expect(wave(a)).toBeLessThanOrEqual(SyncWave.operators + 1);
        // Each add-on's namespace exists before the add-on: created by the platform-namespaces folder.
        for (const a of addOns) {
          const ns = a.manifest.spec.destination.namespace;
          if (['kube-system', 'default'].includes(ns)) continue; // built in to every cluster
          expect([ns, namespaceFolder.get(ns)]).toEqual([ns, `clusters/${cluster}/platform-namespaces`]);
          expect(wave(a)).toBeGreaterThan(appWave.get(`clusters/${cluster}/platform-namespaces`)!);
        }
        const project = objects.filter(kindIs('AppProject', 'argoproj.io')).find((o) => o.manifest.metadata.name === 'platform')!;
        expect(wave(project)).toBeLessThan(Math.min(...addOns.map(wave), ...appWave.values()));
      }
    }
  });

  it('never prunes nor cascades the deletion of a stateful folder', () => {
    {
      const apps = allChildApps();
      const core = apps.filter((a) => a.manifest.metadata.name === applicationName(ENV, 'core'));
      expect(core.length).toBeGreaterThan(0);
      for (const c of core) {
        expect(c.manifest.spec.syncPolicy.automated.prune).toBe(false);
        expect(c.manifest.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
        expect(c.manifest.metadata.finalizers).toBeUndefined();
      }
      for (const rules of apps.filter((a) => a.manifest.metadata.name === applicationName(ENV, 'observability'))) {
        expect(rules.manifest.spec.syncPolicy.automated.prune).toBe(true);
        expect(rules.manifest.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
      }
    }
  });

  it('protects every stateful object', () => {
    {
      const stateful = out.objects.filter((o) => statefulReason(o));
      expect(stateful.length).toBeGreaterThan(0);
      const statefulFolders = new Set(
        allChildApps()
          .filter((a) => a.manifest.spec.syncPolicy.automated.prune === false)
          .map((a) => folderOf(a)),
      );
      for (const o of stateful) expect(statefulFolders.has(o.folder) || carriesProtection(o)).toBe(true);
    }
  });

  it('flags an unprotected PersistentVolumeClaim outside stateful folders', () => {
    const pvc = (annotations?: Record<string, string>): RenderedObject => ({
      environment: ENV,
      folder: 'observability',
      file: `${ENV}/observability/x.yaml`,
      manifest: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'monitoring', annotations } },
    });
    const check = statefulProtectionCheck(() => new Set(['core']));
    expect(check.check([pvc()])).toEqual([expect.stringContaining('PersistentVolumeClaim monitoring/data')]);
    expect(check.check([pvc({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' })])).toEqual([]);
    expect(statefulProtectionCheck(() => new Set(['observability'])).check([pvc()])).toEqual([]);
  });

  it('ignores only fields controllers own: replicas of HPA-scaled Deployments and Flagger-managed objects', () => {
    const flaggerNames = new Set(
      FIXTURE_SERVICES.services.filter((s) => s.rollout === 'flagger').flatMap((s) => [s.name, `${s.name}-canary`, `${s.name}-primary`]),
    );
    let ignored = 0;
    {
      const objects = out.objects;
      const hpas = new Set(
        objects.filter(kindIs('HorizontalPodAutoscaler')).map((o) => `${o.manifest.metadata.namespace}/${o.manifest.spec.scaleTargetRef.name}`),
      );
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
      const covered = new Set(
        allChildApps().flatMap((a) => (a.manifest.spec.ignoreDifferences ?? []).map((d: { namespace: string; name: string }) => `${d.namespace}/${d.name}`)),
      );
      for (const h of hpas) expect(covered).toContain(h);
    }
    expect(ignored).toBeGreaterThan(0);
  });

  it('installs pinned add-ons per cluster: Karpenter where the cluster runs it, node agents only where admitted, Argo CD on every cluster', () => {
    for (const env of platform.environments) {
      for (const cluster of env.clusters) {
        const objects = out.view.clusters.get(cluster.name)!;
        const apps = objects.filter((o) => o.file === argocdFile(cluster.name, 'addons.yaml'));
        const installed = apps.map((a) => a.manifest.metadata.labels!['ceres.io/addon']);
        const traits = traitsOf(cluster);
        expect(installed).toContain('argo-cd');
        expect(installed.includes('karpenter')).toBe(Boolean(traits.karpenter));
        if (!traits.nodeAgents) {
          // Node agents (DaemonSets with host access) are refused by GKE Autopilot: none is installed.
          for (const a of apps) expect(['falco', 'promtail']).not.toContain(a.manifest.metadata.labels!['ceres.io/addon']);
        }
        for (const a of apps) {
          expect(a.manifest.spec.source.targetRevision).toMatch(/^v?\d+\.\d+\.\d+$/);
          expect(a.manifest.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
          expect(a.manifest.spec.destination.name).toBe('in-cluster');
        }
        const argo = apps.find((a) => a.manifest.metadata.labels!['ceres.io/addon'] === 'argo-cd')!;
        expect(argo.manifest.spec.source.helm.valuesObject.configs.cm['resource.customizations.health.argoproj.io_Application']).toBe(APPLICATION_HEALTH_LUA);
      }
    }
  });

  it('matches the reviewed app of apps and bootstrap of the EKS cluster', () => {
    expect(yamlFiles(out, new RegExp(`^${ENV}/clusters/${FixtureClusters.aws.name}/(argocd/(applications|projects)\\.yaml|bootstrap/)`))).toMatchSnapshot();
  });
});

describe('bootstrap README', () => {
  const readme = (cluster: string) => out.files.get(`${ENV}/clusters/${cluster}/bootstrap/README.md`)!;
  const steps = (cluster: string) =>
    readme(cluster)
      .split('\n')
      .filter((l) => /^\d+\. /.test(l));

  it("numbers each chart's steps where the cluster runs the chart, in add-on order, Argo CD's first", () => {
    // Every chart's step, for the clusters its placement admits, and nowhere else.
    for (const cluster of platform.environments[0].clusters) {
      const target = { platform, environment: platform.environments[0], cluster, backups: TENANT_PER_TIER.backups, services: FIXTURE_SERVICES };
      const expected = [
        ...PLATFORM_CHARTS.filter((c) => c.name !== 'argo-cd' && placementApplies(c.placement, cluster)),
        ...PLATFORM_MANIFESTS.filter((m) => placementApplies(m.placement, cluster)),
      ]
        .flatMap((c) => c.bootstrap?.(target) ?? [])
        .map((step) => step[0]);
      const listed = steps(cluster.name).map((l) => l.replace(/^\d+\. /, ''));
      // 1. install Argo CD, 2. its OIDC secret where its console is published (browser sign-in), then
      // the charts' steps, then the root Application.
      const oidc = servesConsoles(platform.environments[0], cluster) ? 1 : 0;
      expect(listed.slice(1 + oidc, 1 + oidc + expected.length)).toEqual(expected);
      expect(listed.filter((l) => /^Give Argo CD the secret of its OIDC client/.test(l))).toHaveLength(oidc);
      if (oidc) expect(listed[1]).toMatch(/^Give Argo CD the secret of its OIDC client/);
      expect(listed[listed.length - 1]).toMatch(/^Apply the root Application once/);
      expect(listed).toHaveLength(expected.length + 2 + oidc);
    }
    // Both kinds of cluster are in the fixture.
    expect(new Set(platform.environments[0].clusters.map((c) => servesConsoles(platform.environments[0], c)))).toEqual(new Set([true, false]));
    // The EKS cluster runs Velero (its repository password) and the monitoring stack; the edge site neither.
    expect(readme(FixtureClusters.aws.name)).toContain('create secret generic velero-repo-credentials');
    expect(readme(FixtureClusters.edge.name)).not.toContain('velero');
  });
});

describe("Argo CD's drift metrics", () => {
  it('are scraped exactly where a Prometheus runs: metrics Service, ServiceMonitor with its selector labels, and the scrape flow', () => {
    const { kubePrometheusStack, PROMETHEUS_SELECTOR_LABELS } = require('../../lib/observability') as typeof import('../../lib/observability');
    const { GitOpsAddOn } = require('../../lib/gitops') as typeof import('../../lib/gitops');
    const seen = new Set<boolean>();
    for (const cluster of platform.environments[0].clusters) {
      const monitored = placementApplies(kubePrometheusStack.placement, cluster);
      seen.add(monitored);
      const app = out.view.clusters
        .get(cluster.name)!
        .find((o) => o.manifest.kind === 'Application' && o.manifest.metadata.labels?.['ceres.io/addon'] === 'argo-cd')!;
      const metrics = app.manifest.spec.source.helm.valuesObject.controller.metrics;
      expect({ cluster: cluster.name, service: metrics.enabled, monitor: metrics.serviceMonitor.enabled }).toEqual({
        cluster: cluster.name,
        service: monitored,
        monitor: monitored,
      });
      if (monitored) expect(metrics.serviceMonitor.additionalLabels).toEqual(PROMETHEUS_SELECTOR_LABELS);
      const flows = new GitOpsAddOn().flows({
        platform,
        environment: platform.environments[0],
        cluster,
        tenants: [],
        databases: [],
        services: FIXTURE_SERVICES,
      });
      const scrape = flows.find((f) => f.name === 'gitops/scrape-application-controller');
      expect({ cluster: cluster.name, scraped: !!scrape }).toEqual({ cluster: cluster.name, scraped: monitored });
      // The flow names the port the values give the controller's metrics.
      if (scrape) expect(scrape.to.ports).toEqual([{ port: app.manifest.spec.source.helm.valuesObject.controller.containerPorts.metrics }]);
    }
    expect([...seen].sort()).toEqual([false, true]); // the fixture has clusters of both kinds
  });
});
