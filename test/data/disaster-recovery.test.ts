/**
 * The failover runbook and the recovery alerts, generated from the database topology, against what is
 * rendered: every cluster, namespace, Cluster, site, archive path, Application, Terraform stack,
 * variable, output and ConfigMap key the runbook names exists; the alerts keep each tier's RPO.
 */
import {
  environmentDatabases,
  PLATFORM_RECOVERY_OBJECTIVES,
  RECOVERY_OBJECTIVES,
  RPO_CEILING_SECONDS,
  RTO_CEILING_SECONDS,
  replicatedDatabases,
} from '../../lib/core/database-topology';
import { DatabasesAddOn, DISASTER_RECOVERY_FOLDER, RECOVERY_ALERTS, RUNBOOK_FILE } from '../../lib/data';
import { GitOpsAddOn } from '../../lib/gitops';
import { fixtureStacks } from '../support/fixture-stacks';
import { SUBSCRIPTION_LEVELS } from '../../lib/core/input/types';
import { baseAddOns, FixtureClusters, fixturePlatform, renderAddOns, TENANT_PER_TIER } from '../support/harness';

const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure] });
const env = platform.environments[0];
const out = renderAddOns([...baseAddOns(), new DatabasesAddOn(), new GitOpsAddOn()], { platform, input: TENANT_PER_TIER });
// The databases' part; the traffic part that follows it has its own test (test/data/traffic-runbook.test.ts).
const runbook = out.files.get(`${env.name}/${DISASTER_RECOVERY_FOLDER}/${RUNBOOK_FILE}`)!.split('\n## Traffic')[0];
const stacks = new Map([...fixtureStacks(platform, TENANT_PER_TIER)].map(([path, json]) => [`dist/${path.replace(/\/cdk\.tf\.json$/, '')}`, JSON.parse(json)]));
const applied = (cluster: string) => out.view.clusters.get(cluster)!.map((o) => o.manifest);
const cnpgClusters = (cluster: string) => applied(cluster).filter((m) => m.kind === 'Cluster' && m.apiVersion.startsWith('postgresql.cnpg.io/'));
const all = (re: RegExp) => [...runbook.matchAll(re)];

describe('the failover runbook', () => {
  it('is rendered for the environment, not synced by any cluster', () => {
    expect(runbook).toMatch(/^# Disaster recovery runbook/);
    const paths = env.clusters.flatMap((c) =>
      applied(c.name)
        .filter((m) => m.kind === 'Application')
        .map((m) => m.spec.source?.path ?? ''),
    );
    expect(paths.some((p) => p.endsWith('/databases'))).toBe(true);
    expect(paths.filter((p) => p.includes(DISASTER_RECOVERY_FOLDER))).toEqual([]);
  });

  it('names only clusters of the environment, and Clusters that run where it says', () => {
    const contexts = all(/--context (\S+)/g).map((m) => m[1]);
    expect(contexts.length).toBeGreaterThan(0);
    for (const c of contexts) expect(env.clusters.map((x) => x.name)).toContain(c);
    const commands = all(/--context (\S+) -n (\S+) (?:patch|delete) clusters\.postgresql\.cnpg\.io (\S+)/g);
    expect(commands.length).toBeGreaterThanOrEqual(TENANT_PER_TIER.databases.length * 2);
    for (const [, cluster, ns, name] of commands) {
      expect(cnpgClusters(cluster).map((m) => `${m.metadata.namespace}/${m.metadata.name}`)).toContain(`${ns}/${name}`);
    }
  });

  it('promotes to sites that exist, on the cluster it patches', () => {
    const patches = all(/--context (\S+) -n (\S+) patch clusters\.postgresql\.cnpg\.io (\S+) --type merge -p '\{"spec":\{"replica":\{"primary":"([^"]+)"/g);
    // Failover (one per database), then per database a demotion and a promotion in the planned switchover.
    expect(patches).toHaveLength(environmentDatabases(platform, env, TENANT_PER_TIER).length * 3);
    for (const [, cluster, ns, name, site] of patches) {
      const sites = env.clusters.flatMap((c) => cnpgClusters(c.name)).filter((m) => m.metadata.namespace === ns && m.metadata.name === name);
      expect(sites.map((m) => m.spec.replica.self)).toContain(site);
      expect(sites.every((m) => m.spec.replica.primary !== site)).toBe(true); // the target is a replica today
      expect(cnpgClusters(cluster).some((m) => m.metadata.namespace === ns && m.metadata.name === name)).toBe(true);
    }
  });

  it('lists every archive where a rendered Cluster archives', () => {
    const archives = new Set(
      env.clusters.flatMap((c) =>
        cnpgClusters(c.name).map((m) => `${m.spec.backup.barmanObjectStore.destinationPath}/${m.spec.backup.barmanObjectStore.serverName}`),
      ),
    );
    const listed = all(/`((?:s3|https):\/\/[^`]+)`/g).map((m) => m[1]);
    expect(new Set(listed)).toEqual(archives);
  });

  it('names the databases Application each site syncs', () => {
    const syncs = all(/argocd app sync (\S+)` on `([^`]+)`/g);
    expect(syncs.length).toBeGreaterThan(0);
    for (const [, app, cluster] of syncs) {
      expect(applied(cluster).some((m) => m.kind === 'Application' && m.metadata.name === app)).toBe(true);
    }
    for (const [, cluster, app] of all(/--context (\S+) -n argocd patch applications\.argoproj\.io (\S+)/g)) {
      expect(applied(cluster).some((m) => m.kind === 'Application' && m.metadata.name === app)).toBe(true);
    }
  });

  it("is what each site's bootstrap README sends to before its databases sync", () => {
    for (const c of env.clusters) {
      const readme = out.files.get(`${env.name}/clusters/${c.name}/bootstrap/README.md`)!;
      const step = readme.split('\n').find((l) => l.includes('postgres-archive-readers'))!;
      expect(step).toContain(`dist/${env.name}/${DISASTER_RECOVERY_FOLDER}/${RUNBOOK_FILE}`);
      expect(step).toContain(`\`${env.name}-databases\``);
      expect(runbook).toContain(`--context ${c.name} -n `);
    }
  });

  it('uses Terraform stacks, variables, outputs and output keys that the stacks have', () => {
    const refs = all(/terraform -chdir=(\S+) output (?:-raw|-json) ([A-Za-z0-9_]+)(?: \| jq -r '\."([^"]+)"')?/g);
    expect(refs.length).toBeGreaterThan(0);
    for (const [, dir, output, key] of refs) {
      const stack = stacks.get(dir);
      expect({ dir, exists: !!stack }).toEqual({ dir, exists: true });
      expect(Object.keys(stack.output)).toContain(output);
      if (key) expect(Object.keys(stack.output[output].value)).toContain(key);
    }
    const applies = all(/terraform -chdir=(\S+) apply \\\n((?: {2}-var .*\n)+)/g);
    expect(applies).toHaveLength(env.clusters.length);
    for (const [, dir, vars] of applies) {
      for (const [, variable] of vars.matchAll(/-var (\w+)=/g)) expect(Object.keys(stacks.get(dir).variable)).toContain(variable);
    }
  });

  it("creates every ConfigMap key a Cluster's pods read, on the cluster and in the namespace they run", () => {
    const created = new Set<string>();
    for (const [, cluster, ns, body] of all(/--context (\S+) -n (\S+) create configmap (?:\S+) \\\n((?: {2}--from-literal=.*\n)+)/g)) {
      for (const [, key] of body.matchAll(/--from-literal=([^=]+)=/g)) created.add(`${cluster}/${ns}/${key}`);
    }
    const read = env.clusters.flatMap((c) =>
      cnpgClusters(c.name).flatMap((m) =>
        (m.spec.env ?? [])
          .filter((e: any) => e.valueFrom?.configMapKeyRef)
          .map((e: any) => `${c.name}/${m.metadata.namespace}/${e.valueFrom.configMapKeyRef.key}`),
      ),
    );
    expect(read.length).toBeGreaterThan(0);
    expect(new Set(read)).toEqual(created);
  });
});

describe('recovery objectives and their alerts', () => {
  it('promise less than the ceilings for every tier', () => {
    for (const tier of SUBSCRIPTION_LEVELS) {
      const o = RECOVERY_OBJECTIVES[tier];
      expect(o.rpoSeconds).toBeLessThan(RPO_CEILING_SECONDS);
      expect(o.rtoSeconds).toBeLessThan(RTO_CEILING_SECONDS);
      // The archive timeout leaves at least a minute of the RPO for upload and replay.
      expect(Number(/^(\d+)min$/.exec(o.archiveTimeout)![1]) * 60 + 60).toBeLessThanOrEqual(o.rpoSeconds);
    }
  });

  it("set each site's archive timeout from its tenant's tier", () => {
    const dbs = environmentDatabases(platform, env, TENANT_PER_TIER);
    for (const c of env.clusters) {
      for (const m of cnpgClusters(c.name)) {
        const db = dbs.find((d) => d.namespace === m.metadata.namespace && d.name === m.metadata.name)!;
        const expected = db.tier === 'platform' ? PLATFORM_RECOVERY_OBJECTIVES : RECOVERY_OBJECTIVES[db.tier];
        expect(m.spec.postgresql.parameters.archive_timeout).toBe(expected.archiveTimeout);
      }
    }
  });

  it("alert on every site when a tier's archive or replay is older than its RPO, selecting exactly that tier's namespaces", () => {
    const dbs = replicatedDatabases(platform, env, TENANT_PER_TIER);
    for (const c of env.clusters) {
      const rule = applied(c.name).find((m) => m.kind === 'PrometheusRule' && m.metadata.name === 'ceres-database-recovery')!;
      expect(rule.metadata.labels.release).toBe('kube-prometheus-stack');
      const rules = rule.spec.groups.flatMap((g: any) => g.rules);
      for (const tier of SUBSCRIPTION_LEVELS) {
        const namespaces = dbs.filter((d) => d.tier === tier).map((d) => d.namespace);
        for (const [alert, metric] of [
          [RECOVERY_ALERTS.archiveStale, 'cnpg_pg_stat_archiver_seconds_since_last_archival'],
          [RECOVERY_ALERTS.replicaLag, 'cnpg_pg_replication_lag'],
        ]) {
          const r = rules.find((x: any) => x.alert === alert && x.expr.includes(`namespace=~"${namespaces.join('|')}"`));
          expect({ alert, tier, expr: r?.expr }).toEqual({
            alert,
            tier,
            expr: `${metric}{namespace=~"${namespaces.join('|')}"} > ${RECOVERY_OBJECTIVES[tier].rpoSeconds}`,
          });
        }
      }
    }
  });
});
