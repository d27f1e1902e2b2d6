import { backupStore, postgresBackupPath } from '../../lib/core/cloud';
import { PLATFORM_DATABASE } from '../../lib/core/database-topology';
import { parseQuantity } from '../../lib/core/quantity';
import { tenantNames } from '../../lib/core/names';
import { DatabasesAddOn, POSTGRES_IMAGES } from '../../lib/data';
import { GitOpsAddOn } from '../../lib/gitops';
import { TIERS } from '../../lib/quotas/tier-table';
import { baseAddOns, FixtureClusters, fixturePlatform, helmApp, ofKind, renderAddOns, TENANT_PER_TIER, yamlFiles, yamlOf } from '../support/harness';

/**
 * TenantDatabase: each CeresDatabase as a CloudNativePG Cluster in its tenant's namespace (rendered
 * by the tenants add-on), archiving to the data home's backup store; the databases add-on installs
 * the operator. A tenant of each tier, each with a database.
 */
const addOns = () => [...baseAddOns(), new DatabasesAddOn(), new GitOpsAddOn()];
const out = renderAddOns(addOns(), { input: TENANT_PER_TIER });
const ENV = out.environment.name;
// The tenants' Clusters (the platform database's, in `ceres`, has its own tests: test/data/platform-database.test.ts).
const clusters = ofKind(out, 'Cluster').filter((c) => c.metadata.namespace !== PLATFORM_DATABASE.namespace);

describe('tenant databases', () => {
  it('renders every CeresDatabase, and nothing else, as a Cluster in its tenant namespace', () => {
    expect(clusters.map((c) => `${c.metadata.namespace}/${c.metadata.name}`).sort()).toEqual(
      TENANT_PER_TIER.databases.map((d) => `${tenantNames(d.tenantId).namespace}/${d.name}`).sort(),
    );
    for (const c of clusters) expect(c.apiVersion).toBe('postgresql.cnpg.io/v1');
  });

  it("sizes each from its document and its tenant's tier, protects it from pruning, and keeps it out of the mesh", () => {
    for (const db of TENANT_PER_TIER.databases) {
      const tenant = TENANT_PER_TIER.tenants.find((t) => t.tenantId === db.tenantId)!;
      const c = clusters.find((x) => x.metadata.name === db.name)!;
      expect(c.spec.instances).toBe(db.replicas);
      expect(c.spec.storage.size).toBe(db.size);
      expect(c.spec.imageName).toBe(POSTGRES_IMAGES[db.version]);
      expect(c.spec.imageName).toMatch(new RegExp(`^ghcr\\.io/cloudnative-pg/postgresql:${db.version}\\.\\d+$`));
      expect(c.spec.bootstrap.initdb).toMatchObject({ database: tenant.databaseSchema, owner: tenant.databaseSchema });
      expect(c.spec.resources.requests).toEqual(TIERS[tenant.subscriptionLevel].databaseInstance);
      expect(c.spec.resources.limits).toEqual(TIERS[tenant.subscriptionLevel].databaseInstance);
      expect(c.spec.priorityClassName).toBe(TIERS[tenant.subscriptionLevel].priorityClass.name);
      expect(c.spec.monitoring.enablePodMonitor).toBe(true);
      expect(c.spec.inheritedMetadata.labels).toMatchObject({ 'sidecar.istio.io/inject': 'false', 'ceres.io/tenant': tenant.tenantId });
      expect(c.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false', 'argocd.argoproj.io/sync-wave': '10' });
    }
  });

  it('spreads instances over nodes, required in an HA environment', () => {
    for (const c of clusters) expect(c.spec.affinity).toMatchObject({ enablePodAntiAffinity: true, podAntiAffinityType: 'required' });
  });

  it("archives to its own prefix of the data home's backup store, daily, with the cloud's workload identity", () => {
    const home = FixtureClusters.aws;
    const store = backupStore(out.platform, out.environment, home)!;
    for (const c of clusters) {
      expect(c.spec.backup.barmanObjectStore.destinationPath).toBe(postgresBackupPath(store, c.metadata.namespace!));
      expect(c.spec.backup.barmanObjectStore.serverName).toBe(`${c.metadata.name}-aws`);
      expect(c.spec.backup.barmanObjectStore.destinationPath).toBe(`s3://${home.name}-backups-${home.region}/cnpg/${c.metadata.namespace}`);
      expect(c.spec.backup.barmanObjectStore.s3Credentials).toEqual({ inheritFromIAMRole: true });
      const daily = ofKind(out, 'ScheduledBackup', c.metadata.namespace).find((b) => b.spec.cluster.name === c.metadata.name)!;
      expect(daily.spec.method).toBe('barmanObjectStore');
    }
  });

  it('runs a site per database site, the primary cluster primary even when it is not listed first, each archiving to its own store', () => {
    const platform = fixturePlatform({ clusters: [FixtureClusters.azure, FixtureClusters.aws] });
    const r = renderAddOns(addOns(), { platform, input: TENANT_PER_TIER });
    const on = (cluster: string) =>
      r.view.clusters
        .get(cluster)!
        .filter((o) => o.manifest.kind === 'Cluster' && o.manifest.metadata.namespace !== PLATFORM_DATABASE.namespace)
        .map((o) => o.manifest);
    const aws = on(FixtureClusters.aws.name);
    const azure = on(FixtureClusters.azure.name);
    expect(aws.map((c) => c.metadata.name).sort()).toEqual(TENANT_PER_TIER.databases.map((d) => d.name).sort());
    expect(azure.map((c) => c.metadata.name).sort()).toEqual(aws.map((c) => c.metadata.name).sort());
    for (const c of aws) {
      expect(c.spec.backup.barmanObjectStore.destinationPath).toMatch(new RegExp(`^s3://${FixtureClusters.aws.name}-backups-`));
      expect(c.spec.replica).toEqual({ self: `${c.metadata.name}-aws`, primary: `${c.metadata.name}-aws`, source: `${c.metadata.name}-azure` });
      expect(c.spec.bootstrap.initdb).toBeDefined();
    }
    for (const c of azure) {
      expect(c.spec.backup.barmanObjectStore.destinationPath).toMatch(/^https:\/\/[a-z0-9]+\.blob\.core\.windows\.net\/postgres\//);
      expect(c.spec.replica).toEqual({ self: `${c.metadata.name}-azure`, primary: `${c.metadata.name}-aws`, source: `${c.metadata.name}-aws` });
      // A replica site is created from the primary's archive, never by initdb.
      expect(c.spec.bootstrap).toEqual({ recovery: expect.objectContaining({ source: `${c.metadata.name}-aws` }) });
    }
    // Every site reads every other site exactly where that site archives.
    for (const c of [...aws, ...azure]) {
      for (const e of c.spec.externalClusters) {
        const site = [...aws, ...azure].find((x) => x.metadata.name === c.metadata.name && x.spec.replica.self === e.name)!;
        expect(e.barmanObjectStore.destinationPath).toBe(site.spec.backup.barmanObjectStore.destinationPath);
        expect(e.barmanObjectStore.serverName).toBe(site.spec.backup.barmanObjectStore.serverName);
      }
    }
  });

  it('moves the primary to the site databasePrimary names', () => {
    const base = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure] });
    const platform = { ...base, environments: [{ ...base.environments[0], databasePrimary: FixtureClusters.azure.name }] };
    const r = renderAddOns(addOns(), { platform, input: TENANT_PER_TIER });
    for (const o of r.objects.filter((x) => x.manifest.kind === 'Cluster')) {
      expect(o.manifest.spec.replica.primary).toBe(`${o.manifest.metadata.name}-azure`);
      expect(Object.keys(o.manifest.spec.bootstrap)).toEqual([o.manifest.spec.replica.self === o.manifest.spec.replica.primary ? 'initdb' : 'recovery']);
    }
  });

  it('keeps every database within its tier storage quota', () => {
    for (const c of clusters) {
      const quota = ofKind(out, 'ResourceQuota', c.metadata.namespace)[0];
      expect(parseQuantity(c.spec.storage.size)! * c.spec.instances).toBeLessThanOrEqual(parseQuantity(quota.spec.hard['requests.storage'])!);
    }
  });

  it('installs the operator with the databases add-on, on the clusters that run workloads', () => {
    expect(helmApp(out, FixtureClusters.aws.name, 'cloudnative-pg').spec.destination.namespace).toBe('cnpg-system');
  });
});

describe('the YAML', () => {
  it('matches the reviewed database of the enterprise fixture tenant and the operator Application', () => {
    const ent = TENANT_PER_TIER.tenants.find((t) => t.subscriptionLevel === 'enterprise')!;
    expect(
      yamlFiles(out, new RegExp(`^${ENV}/clusters/${FixtureClusters.aws.name}/databases/${tenantNames(ent.tenantId).namespace}\\.yaml$`)),
    ).toMatchSnapshot();
    expect(yamlOf([helmApp(out, FixtureClusters.aws.name, 'cloudnative-pg')])).toMatchSnapshot();
  });
});
