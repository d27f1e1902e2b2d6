/**
 * The platform database (lib/core/database-topology.ts PLATFORM_DATABASE, rendered by the databases
 * add-on): the core services' PostgreSQL as a CloudNativePG distributed topology in `ceres`, a site on
 * each database site (EKS primary, AKS replica replaying its archive), its credentials from the cloud
 * stores under one name, its recovery objectives under the ceilings, the namespace's quota and
 * policies making room for it, and the stacks granting what the Clusters read.
 */
import {
  environmentDatabases,
  PLATFORM_DATABASE,
  PLATFORM_RECOVERY_OBJECTIVES,
  platformDatabase,
  platformDatabaseInstances,
  RPO_CEILING_SECONDS,
  RTO_CEILING_SECONDS,
} from '../../lib/core/database-topology';
import { backupStore } from '../../lib/core/cloud';
import { knownQuantity } from '../../lib/core/quantity';
import { PLATFORM_SECRETS_OWNER, platformDatabaseCredentials, secretReaders } from '../../lib/core/secret-store';
import { DatabasesAddOn, DISASTER_RECOVERY_FOLDER, PLATFORM_DATABASE_PODS, RECOVERY_ALERTS, RUNBOOK_FILE } from '../../lib/data';
import { GitOpsAddOn } from '../../lib/gitops';
import { fixtureStacks } from '../support/fixture-stacks';
import { ExternalSecretsAddOn } from '../../lib/secrets';
import { addresses } from '../infra/helpers';
import { appliedBy, baseAddOns, FixtureClusters, fixturePlatform, renderAddOns, TENANT_PER_TIER, wave, yamlFiles } from '../support/harness';

const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure] });
const env = platform.environments[0];
const AWS = FixtureClusters.aws.name;
const AZURE = FixtureClusters.azure.name;
const addOns = () => [...baseAddOns(), new DatabasesAddOn(), new ExternalSecretsAddOn(), new GitOpsAddOn()];
const out = renderAddOns(addOns(), { platform, input: TENANT_PER_TIER });
const on = (cluster: string, kind: string) => appliedBy(out, cluster).filter((o) => o.manifest.kind === kind);
const platformCluster = (cluster: string) =>
  on(cluster, 'Cluster').filter((o) => o.manifest.metadata.namespace === PLATFORM_DATABASE.namespace && o.manifest.metadata.name === PLATFORM_DATABASE.name);

describe('the platform database', () => {
  it('runs a site on each database site, the primary on the data home and a replica on the other cloud replaying its archive', () => {
    const aws = platformCluster(AWS).map((o) => o.manifest);
    const azure = platformCluster(AZURE).map((o) => o.manifest);
    expect(aws).toHaveLength(1);
    expect(azure).toHaveLength(1);
    for (const m of [...aws, ...azure]) {
      expect(m.spec.replica.primary).toBe(`${PLATFORM_DATABASE.name}-aws`);
      expect(m.spec.instances).toBe(platformDatabaseInstances(env.sizing.ha));
      expect(m.spec.postgresql.parameters.archive_timeout).toBe(PLATFORM_RECOVERY_OBJECTIVES.archiveTimeout);
    }
    expect(Object.keys(aws[0].spec.bootstrap)).toEqual(['initdb']);
    expect(aws[0].spec.bootstrap.initdb.owner).toBe(PLATFORM_DATABASE.database);
    // The replica is created from the primary's archive, which it reads where the primary writes it.
    expect(azure[0].spec.bootstrap.recovery.source).toBe(aws[0].spec.replica.self);
    const source = azure[0].spec.externalClusters.find((e: any) => e.name === aws[0].spec.replica.self);
    expect(source.barmanObjectStore.destinationPath).toBe(aws[0].spec.backup.barmanObjectStore.destinationPath);
    expect(source.barmanObjectStore.serverName).toBe(aws[0].spec.backup.barmanObjectStore.serverName);
    // Each site writes its own cloud's store.
    for (const [m, cluster] of [
      [aws[0], FixtureClusters.aws],
      [azure[0], FixtureClusters.azure],
    ] as const) {
      const store = backupStore(platform, env, cluster)!;
      expect(m.spec.backup.barmanObjectStore.destinationPath).toContain(store.bucket);
    }
  });

  it('promises an RPO and RTO under the ceilings, alerted on every site and exercised by the runbook', () => {
    expect(PLATFORM_RECOVERY_OBJECTIVES.rpoSeconds).toBeLessThan(RPO_CEILING_SECONDS);
    expect(PLATFORM_RECOVERY_OBJECTIVES.rtoSeconds).toBeLessThan(RTO_CEILING_SECONDS);
    expect(Number(/^(\d+)min$/.exec(PLATFORM_RECOVERY_OBJECTIVES.archiveTimeout)![1]) * 60 + 60).toBeLessThanOrEqual(PLATFORM_RECOVERY_OBJECTIVES.rpoSeconds);
    for (const c of [AWS, AZURE]) {
      const rule = on(c, 'PrometheusRule').find((o) => o.manifest.metadata.name === 'ceres-database-recovery')!.manifest;
      const rules = rule.spec.groups.flatMap((g: any) => g.rules);
      // The rule of a tier selects its namespaces (`namespace=~"a|b"`): the platform's holds ceres.
      const selects = (r: any) => (/namespace=~"([^"]*)"/.exec(r.expr)?.[1].split('|') ?? []).includes(PLATFORM_DATABASE.namespace);
      const stale = rules.find((r: any) => r.alert === RECOVERY_ALERTS.archiveStale && selects(r));
      expect(stale.expr).toContain(`> ${PLATFORM_RECOVERY_OBJECTIVES.rpoSeconds}`);
      const lag = rules.find((r: any) => r.alert === RECOVERY_ALERTS.replicaLag && selects(r));
      expect(lag.expr).toContain(`> ${PLATFORM_RECOVERY_OBJECTIVES.rpoSeconds}`);
    }
    const runbook = out.files.get(`${env.name}/${DISASTER_RECOVERY_FOLDER}/${RUNBOOK_FILE}`)!;
    // Failover, switchover (demote and promote) and fail back name it on the sites where it runs.
    expect(runbook).toContain(`--context ${AZURE} -n ${PLATFORM_DATABASE.namespace} patch clusters.postgresql.cnpg.io ${PLATFORM_DATABASE.name}`);
    expect(runbook).toContain(`--context ${AWS} -n ${PLATFORM_DATABASE.namespace} patch clusters.postgresql.cnpg.io ${PLATFORM_DATABASE.name}`);
    expect(runbook).toContain(`--context ${AWS} -n ${PLATFORM_DATABASE.namespace} delete clusters.postgresql.cnpg.io ${PLATFORM_DATABASE.name}`);
    expect(environmentDatabases(platform, env, TENANT_PER_TIER)[0]).toEqual(platformDatabase(platform, env));
  });

  it('takes the same credentials on every site from the cloud store, through the namespace reader the stacks create', () => {
    const credentials = platformDatabaseCredentials();
    for (const c of [FixtureClusters.aws, FixtureClusters.azure]) {
      const cluster = platformCluster(c.name)[0].manifest;
      const bootstrap = cluster.spec.bootstrap.initdb ?? cluster.spec.bootstrap.recovery;
      expect(bootstrap.secret).toEqual({ name: credentials.secretName });
      const es = on(c.name, 'ExternalSecret').find((o) => o.manifest.metadata.name === credentials.secretName)!.manifest;
      expect(es.metadata.namespace).toBe(PLATFORM_DATABASE.namespace);
      expect(es.spec.data).toEqual([{ secretKey: 'password', remoteRef: { key: credentials.remoteName } }]);
      expect(es.spec.target.template).toMatchObject({ type: 'kubernetes.io/basic-auth', data: { username: bootstrap.owner } });
      // The store it names exists on the cluster, usable from the namespace only.
      const storeObject = on(c.name, 'ClusterSecretStore').find((o) => o.manifest.metadata.name === es.spec.secretStoreRef.name)!;
      const store = storeObject.manifest;
      expect(store.spec.conditions).toEqual([{ namespaces: [PLATFORM_DATABASE.namespace] }]);
      // Store, then credentials, then the Cluster, in the databases Application: nothing there waits for a later Application's wave.
      const esObject = on(c.name, 'ExternalSecret').find((o) => o.manifest.metadata.name === credentials.secretName)!;
      const clusterObject = platformCluster(c.name)[0];
      expect(new Set([storeObject.folder, esObject.folder, clusterObject.folder])).toEqual(new Set([`clusters/${c.name}/databases`]));
      expect(wave(storeObject.manifest)).toBeLessThan(wave(esObject.manifest));
      expect(wave(esObject.manifest)).toBeLessThan(wave(clusterObject.manifest));
      // The model's reader reads that name, and no plaintext Secret of it is rendered.
      const reader = secretReaders(env, c, TENANT_PER_TIER).find((r) => r.namespace === PLATFORM_DATABASE.namespace)!;
      expect(credentials.remoteName.startsWith(reader.prefix)).toBe(true);
      expect(on(c.name, 'Secret').some((o) => o.manifest.metadata.name === credentials.secretName)).toBe(false);
    }
  });

  it('makes room in the ceres namespace: the quota holds its instances and a job, the policies let the operator and the core services in', () => {
    const without = renderAddOns(addOns(), { platform: fixturePlatform({ clusters: [FixtureClusters.gcp] }), input: TENANT_PER_TIER });
    const quota = (r: typeof out) =>
      r.objects.find((o) => o.manifest.kind === 'ResourceQuota' && o.manifest.metadata.name === 'ceres-quota')!.manifest.spec.hard;
    const pods = platformDatabaseInstances(env.sizing.ha) + 1;
    expect(knownQuantity(quota(out)['requests.cpu']) - knownQuantity(quota(without)['requests.cpu'])).toBeGreaterThanOrEqual(
      pods * knownQuantity(PLATFORM_DATABASE.resources.cpu) - 1,
    );
    expect(Number(quota(out).pods) - Number(quota(without).pods)).toBe(pods);
    // The namespace admits the operator and lets the instances reach their archives (the operator's own egress follows the flows).
    const policies = on(AWS, 'NetworkPolicy')
      .filter((o) => o.manifest.metadata.namespace === PLATFORM_DATABASE.namespace)
      .map((o) => o.manifest.metadata.name);
    expect(policies).toEqual(expect.arrayContaining(['allow-from-database-operator', 'allow-database-to-api-and-object-store']));
    const unmanaged = renderAddOns(addOns(), { platform: fixturePlatform({ clusters: [FixtureClusters.gcp] }), input: TENANT_PER_TIER })
      .objects.filter((o) => o.manifest.kind === 'NetworkPolicy' && o.manifest.metadata.namespace === PLATFORM_DATABASE.namespace)
      .map((o) => o.manifest.metadata.name);
    expect(unmanaged).not.toContain('allow-from-database-operator');
    const flows = new DatabasesAddOn().flows({
      platform,
      environment: env,
      cluster: FixtureClusters.aws,
      tenants: [],
      databases: [],
      services: { services: [], external: [] },
    } as never);
    const core = flows.find((f) => f.name === 'databases/core-services-to-platform-database')!;
    expect(core.to).toEqual({ pods: PLATFORM_DATABASE_PODS, ports: [{ port: 5432 }] });
  });

  it('is granted its own archive and the other site read on it by the stacks', () => {
    const stacks = fixtureStacks(platform, TENANT_PER_TIER);
    const aws = JSON.parse(stacks.get(`terraform/${env.name}-aws/cdk.tf.json`)!);
    const associations = addresses(aws, 'aws_eks_pod_identity_association').map(([, a]) => `${a.namespace}/${a.service_account}`);
    expect(associations).toContain(`${PLATFORM_DATABASE.namespace}/${PLATFORM_DATABASE.name}`);
    const reader = addresses(aws, 'aws_iam_role').find(([, r]) =>
      String(r.assume_role_policy).includes(`system:serviceaccount:${PLATFORM_DATABASE.namespace}:${PLATFORM_DATABASE.name}`),
    );
    expect(reader).toBeDefined();
    const azure = JSON.parse(stacks.get(`terraform/${env.name}-azure/cdk.tf.json`)!);
    const subjects = addresses(azure, 'azurerm_federated_identity_credential').map(([, c]) => c.subject);
    expect(subjects).toContain(`system:serviceaccount:${PLATFORM_DATABASE.namespace}:${PLATFORM_DATABASE.name}`);
  });
});

describe('the credentials model', () => {
  it("refuses a tenant that takes the platform reader's id, or an external key that is a database's credentials", () => {
    const tenant = { tenantId: PLATFORM_SECRETS_OWNER, environments: [env.name] };
    expect(() => secretReaders(env, FixtureClusters.aws, { tenants: [tenant], databases: [] })).toThrow(
      /tenantId 'ceres-platform' is reserved .*CeresTenant spec\.tenantId/,
    );
    const clash = { tenantId: 'acme-001', environments: [env.name], secrets: [{ name: 'db', external: { store: 'cloud' as const, key: 'postgres-main' } }] };
    expect(() => secretReaders(env, FixtureClusters.aws, { tenants: [clash], databases: [{ name: 'main', tenantId: 'acme-001' }] })).toThrow(
      /external secret key 'postgres-main' is the name of a database's credentials .*spec\.secrets\[\]\.external\.key/,
    );
    // Off a database site the same key is only a secret.
    expect(() => secretReaders(env, FixtureClusters.gcp, { tenants: [clash], databases: [{ name: 'main', tenantId: 'acme-001' }] })).not.toThrow();
  });
});

describe('the YAML', () => {
  it('matches the reviewed platform database of the AKS replica site', () => {
    expect(yamlFiles(out, new RegExp(`^${env.name}/clusters/${AZURE}/databases/${PLATFORM_DATABASE.namespace}\\.yaml$`))).toMatchSnapshot();
  });
});
