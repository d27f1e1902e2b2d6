/**
 * The database topology of lib/core/database-topology.ts: which clusters are sites, which is primary,
 * where each site archives, and who reads whom.
 */
import { archiveReaders, databaseSites, replicatedDatabases } from '../../lib/core/database-topology';
import { InputError } from '../../lib/core/errors';
import { EnvironmentConfig } from '../../lib/core/model';
import { validatePlatform } from '../../lib/core/platform-validation';
import { FixtureClusters, fixturePlatform, TENANT_PER_TIER } from '../support/harness';

const all = fixturePlatform({ clusters: [FixtureClusters.gcp, FixtureClusters.azure, FixtureClusters.aws, FixtureClusters.edge] });
const env = all.environments[0];
const withPrimary = (e: EnvironmentConfig, databasePrimary: string): EnvironmentConfig => ({ ...e, databasePrimary });

describe('database sites', () => {
  it('are the clusters with workloads on AWS and Azure, the primary cluster first: not GKE Autopilot, not edge sites', () => {
    expect(databaseSites(env).map((c) => c.name)).toEqual([FixtureClusters.aws.name, FixtureClusters.azure.name]);
  });

  it('put databasePrimary first, and refuse a databasePrimary that is no site', () => {
    expect(databaseSites(withPrimary(env, FixtureClusters.azure.name))[0].name).toBe(FixtureClusters.azure.name);
    expect(() => databaseSites(withPrimary(env, FixtureClusters.gcp.name))).toThrow(
      /databasePrimary 'test-gcp' is not a database site \(sites: test-azure, test-aws\)/,
    );
  });

  it('refuses, naming the field, a databasePrimary that is no database site of its environment', () => {
    const bad = { ...all, environments: [withPrimary(env, FixtureClusters.gcp.name)] };
    let issues: string[] = [];
    try {
      validatePlatform(bad, 'p.ts');
    } catch (e) {
      issues = (e as InputError).issues.map((i) => `${i.file} ${i.path}: ${i.message}`);
    }
    expect(issues).toEqual(['p.ts environments[0].databasePrimary: "test-gcp" is not a database site of staging; allowed: test-azure, test-aws']);
  });

  it('give each database one primary, every other site a replica, each archiving to its own path', () => {
    const dbs = replicatedDatabases(all, env, TENANT_PER_TIER);
    expect(dbs).toHaveLength(TENANT_PER_TIER.databases.length);
    const paths = dbs.flatMap((d) => d.sites.map((s) => `${s.destinationPath}/${s.name}`));
    expect(new Set(paths).size).toBe(paths.length);
    for (const d of dbs) {
      expect(d.primary.cluster.name).toBe(FixtureClusters.aws.name);
      expect(d.replicas.map((r) => r.cluster.name)).toEqual([FixtureClusters.azure.name]);
      for (const s of d.sites) expect(s.destinationPath.startsWith(s.store.cloud === 'aws' ? 's3://' : 'https://')).toBe(true);
      // The archive prefix is the path of the destination inside the store.
      for (const s of d.sites) expect(`${s.destinationPath}/${s.name}`.endsWith(s.archivePrefix)).toBe(true);
    }
  });

  it('let every site read every other site, so either can become primary', () => {
    const readers = archiveReaders(replicatedDatabases(all, env, TENANT_PER_TIER));
    expect(readers.map((r) => `${r.reader.name}<-${r.source.name}`).sort()).toEqual(
      TENANT_PER_TIER.databases.flatMap((d) => [`${d.name}-aws<-${d.name}-azure`, `${d.name}-azure<-${d.name}-aws`]).sort(),
    );
  });

  it('is a single primary without replicas in a one-cluster environment', () => {
    const one = fixturePlatform();
    for (const d of replicatedDatabases(one, one.environments[0], TENANT_PER_TIER)) expect(d.replicas).toEqual([]);
  });
});
