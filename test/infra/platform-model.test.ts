/**
 * The Terraform stacks take every name and CIDR the Kubernetes side uses too from the platform model
 * (lib/core/cloud.ts). These tests read the rendered JSON and compare it with the model, stack by
 * stack: a name derived a second time in lib/infra, or a stack that forgets an identity, fails here.
 */
import { synthesizeInfra } from '../../apps/infra/main';
import { platform } from '../../apps/platform/platform';
import {
  AZURE_POSTGRES_DNS_SUFFIX,
  awsZones,
  azurePostgresServerName,
  backupStore,
  BackupStore,
  BootstrapFacts,
  clusterWorkloadIdentities,
  dataEndpoints,
  gkeSecondaryRanges,
  karpenterNames,
  keycloakPostgres,
  networkPlan,
  postgresClusters,
  privateZone,
  WorkloadIdentity,
} from '../../lib/core/cloud';
import type { ClusterConfig, EnvironmentConfig, PlatformConfig } from '../../lib/core/model';
import {
  AZURE_SECRET_READERS_OUTPUT,
  awsSecretReaderRoleName,
  cloudSecretLocation,
  SECRET_READER_SERVICE_ACCOUNT,
  secretReaders,
} from '../../lib/core/secret-store';
import { DATABASE_SITES, placementApplies } from '../../lib/core/topology';
import { PLATFORM_DATABASE } from '../../lib/core/database-topology';
import { fittedName, InfraInput, NO_TENANT_INPUT } from '../../lib/infra/facts';
import { plannedStacks } from '../../lib/infra/infra-app';
import { stackName } from '../../lib/core/cloud';
import { addresses, defaultFiles, defaultInput, Json, onlyEnvironment, referencedAddress, resources, stack, tenantDatabases } from './helpers';

interface Planned {
  readonly name: string;
  readonly environment: EnvironmentConfig;
  readonly cluster: ClusterConfig;
}

const plannedOf = (p: PlatformConfig): Planned[] =>
  plannedStacks(p).map(({ environment, cloud, cluster }) => ({ name: stackName(environment.name, cloud), environment, cluster }));

const bindingKey = (i: Pick<WorkloadIdentity, 'namespace' | 'serviceAccount'>) => `${i.namespace}/${i.serviceAccount}`;
const sorted = (xs: readonly string[]) => [...xs].sort();
/** `${type.name.attr}` → `type.name`. */
const target = (expression: string) => referencedAddress(expression);
const body = (json: Json, address: string): Json => {
  const [type, name] = address.split('.');
  const found = json.resource?.[type]?.[name];
  if (!found) throw new Error(`no resource ${address}`);
  return found;
};

/** What every stack must agree with: the model's facts of its cluster. */
function facts(p: PlatformConfig, planned: Planned, input: InfraInput) {
  return {
    plan: networkPlan(planned.cluster)!,
    store: backupStore(p, planned.environment, planned.cluster)!,
    identities: clusterWorkloadIdentities(p, planned.environment, planned.cluster, input),
    endpoints: dataEndpoints(planned.cluster),
    // Tenants' readers and, on a database site, the platform's (the platform database's credentials).
    readers: secretReaders(planned.environment, planned.cluster, input),
  };
}

// ------------------------------------------------------------------------------------------------ AWS

function checkAws(json: Json, planned: Planned, f: ReturnType<typeof facts>): void {
  const { cluster } = planned;
  const { plan, store, endpoints } = f;
  // Archive readers are other clusters' ServiceAccounts (web identity, checked below), not Pod Identity.
  const identities = f.identities.filter((i) => i.access.kind !== 'archive-reader');
  const readers = f.identities.filter((i) => i.access.kind === 'archive-reader');

  // Network: the VPC and every subnet, AZ by AZ.
  expect(resources(json, 'aws_vpc').map((v) => v.cidr_block)).toEqual([plan.cidr]);
  const subnetCidr = (kind: string, az: string) =>
    resources(json, 'aws_subnet')
      .filter((s) => s.tags.Name === `${cluster.name}-${kind}-${az}`)
      .map((s) => s.cidr_block);
  awsZones(cluster.region).forEach((az, i) => {
    expect({ az, nodes: subnetCidr('nodes', az), data: subnetCidr('data', az), public: subnetCidr('public', az) }).toEqual({
      az,
      nodes: [plan.nodes[i]],
      data: [plan.data[i]],
      public: [plan.public[i]],
    });
  });
  expect(resources(json, 'aws_subnet')).toHaveLength(plan.nodes.length + plan.data.length + plan.public.length);

  // Backup bucket (the primary; a replica lives in another region under its own name).
  const primaries = resources(json, 'aws_s3_bucket').filter((b) => b.provider === undefined);
  expect(primaries.map((b) => b.bucket)).toEqual([store.bucket]);
  expect(store.region).toBe(json.provider.aws.find((p: Json) => p.alias === undefined).region);
  const bucketAddress = addresses(json, 'aws_s3_bucket').find(([, b]) => b.bucket === store.bucket)![0];

  // Workload identities: exactly one Pod Identity association per identity, nothing else bound.
  const associations = addresses(json, 'aws_eks_pod_identity_association');
  expect(sorted(associations.map(([, a]) => bindingKey({ namespace: a.namespace, serviceAccount: a.service_account })))).toEqual(
    sorted(identities.map(bindingKey)),
  );
  for (const identity of identities) {
    const mine = associations.filter(([, a]) => a.namespace === identity.namespace && a.service_account === identity.serviceAccount);
    expect({ identity: identity.name, associations: mine.length }).toEqual({ identity: identity.name, associations: 1 });
    const role = target(mine[0][1].role_arn);
    const policies = addresses(json, 'aws_iam_role_policy').filter(([, p]) => target(p.role) === role);
    const statements = policies.flatMap(([, p]) => JSON.parse(p.policy).Statement as Json[]);
    if (identity.access.kind === 'backup-store') {
      const objects = statements.filter((s) => [s.Action].flat().includes('s3:PutObject')).flatMap((s) => [s.Resource].flat());
      expect({ identity: identity.name, objects }).toEqual({ identity: identity.name, objects: [`\${${bucketAddress}.arn}/${identity.access.prefix}/*`] });
    } else {
      expect(statements.some((s) => [s.Action].flat().includes('ec2:RunInstances'))).toBe(true);
    }
  }

  // Archive readers: a role each, trusting exactly the reader's ServiceAccount through its cluster's issuer, reading exactly the archive.
  for (const reader of readers) {
    if (reader.access.kind !== 'archive-reader') continue;
    const roles = addresses(json, 'aws_iam_role').filter(([, r]) => r.name === fittedName(cluster.name, reader.name, 64));
    expect({ reader: reader.name, roles: roles.length }).toEqual({ reader: reader.name, roles: 1 });
    const trust = JSON.parse(roles[0][1].assume_role_policy).Statement[0];
    expect(Object.values(trust.Condition.StringEquals)).toContain(`system:serviceaccount:${reader.namespace}:${reader.serviceAccount}`);
    const statements = addresses(json, 'aws_iam_role_policy')
      .filter(([, p]) => target(p.role) === roles[0][0])
      .flatMap(([, p]) => JSON.parse(p.policy).Statement as Json[]);
    expect(statements.filter((st) => [st.Action].flat().includes('s3:GetObject')).flatMap((st) => [st.Resource].flat())).toEqual([
      `\${${bucketAddress}.arn}/${reader.access.prefix}/*`,
    ]);
  }

  // Karpenter: the names the chart and the EC2NodeClass use.
  const karpenter = identities.some((i) => i.access.kind === 'karpenter');
  const names = karpenterNames(cluster);
  expect(resources(json, 'aws_sqs_queue').map((q) => q.name)).toEqual(karpenter ? [names.interruptionQueue] : []);
  expect(resources(json, 'aws_iam_instance_profile').map((p) => p.name)).toEqual(karpenter ? [names.nodeRole] : []);
  if (karpenter) expect(resources(json, 'aws_iam_role').map((r) => r.name)).toContain(names.nodeRole);

  // Private DNS: the model's zone, associated with the VPC, one CNAME per data endpoint to its service.
  // (The public zone of the environment's hosts, when there is one, has no VPC: test/infra/public-dns.test.ts.)
  const privateZones = addresses(json, 'aws_route53_zone').filter(([, z]) => z.vpc);
  const [zoneAddress, zone] = privateZones[0];
  expect(privateZones).toHaveLength(1);
  expect(zone.name).toBe(privateZone(cluster));
  expect(zone.vpc.map((v: Json) => target(v.vpc_id))).toEqual([addresses(json, 'aws_vpc')[0][0]]);
  const records = resources(json, 'aws_route53_record').filter((r) => r.zone_id === `\${${zoneAddress}.zone_id}`);
  expect(sorted(records.map((r) => r.name))).toEqual(sorted(endpoints.map((e) => e.host)));
  const expectedTarget: Record<string, RegExp> = {
    postgres: /^\$\{aws_db_instance\.[A-Za-z0-9_-]+\.address\}$/,
    redis: /^\$\{aws_elasticache_replication_group\.[A-Za-z0-9_-]+\.primary_endpoint_address\}$/,
  };
  for (const endpoint of endpoints) {
    const record = records.find((r) => r.name === endpoint.host)!;
    expect(record).toMatchObject({ type: 'CNAME', zone_id: `\${${zoneAddress}.zone_id}` });
    expect(record.records).toHaveLength(1);
    expect(record.records[0]).toMatch(expectedTarget[endpoint.name]);
    // The service lives in the data subnets the endpoint names (what the egress policies allow).
    const group = endpoint.name === 'postgres' ? resources(json, 'aws_db_subnet_group')[0] : resources(json, 'aws_elasticache_subnet_group')[0];
    const cidrs = group.subnet_ids.map((id: string) => body(json, target(id)).cidr_block);
    expect(sorted(cidrs)).toEqual(sorted(endpoint.cidrs));
  }

  // Tenant secret readers: a role per reader, trusted by its ServiceAccount through IRSA, reading its prefix only.
  for (const r of f.readers) {
    const [address, role] = addresses(json, 'aws_iam_role').find(([, x]) => x.name === awsSecretReaderRoleName(cluster, r))!;
    const trustName = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(role.assume_role_policy)![1];
    const trust = json.data.aws_iam_policy_document[trustName];
    expect(trust.statement[0].condition.flatMap((c: Json) => c.values)).toContain(`system:serviceaccount:${r.namespace}:${SECRET_READER_SERVICE_ACCOUNT}`);
    const policies = resources(json, 'aws_iam_role_policy').filter((x) => x.role === `\${${address}.id}`);
    expect(policies).toHaveLength(1);
    const read = JSON.parse(policies[0].policy).Statement.find((st: Json) => st.Sid === 'ReadOwnSecrets');
    expect(read.Resource).toBe(`arn:aws:secretsmanager:${cluster.region}:${planned.environment.cloudAccounts!.aws}:secret:${r.prefix}*`);
  }
}

// ---------------------------------------------------------------------------------------------- Azure

function checkAzure(json: Json, planned: Planned, f: ReturnType<typeof facts>): void {
  const { plan, store, identities, endpoints } = f;

  // Network.
  expect(resources(json, 'azurerm_virtual_network').map((v) => v.address_space)).toEqual([[plan.cidr]]);
  const subnets = Object.fromEntries(resources(json, 'azurerm_subnet').map((s) => [s.name, s.address_prefixes]));
  expect(subnets).toEqual({ nodes: plan.nodes, postgres: plan.data, 'private-endpoints': plan.endpoints });

  // Backup store: the account, in the model's resource group and region, with its containers.
  const account = resources(json, 'azurerm_storage_account');
  expect(account.map((a) => a.name)).toEqual([store.bucket]);
  expect(account[0].location).toBe(store.region);
  expect(body(json, target(account[0].resource_group_name)).name).toBe(store.resourceGroup);
  const containers = addresses(json, 'azurerm_storage_container');
  expect(sorted(containers.map(([, c]) => c.name))).toEqual(sorted([store.velero.container!, store.postgres.container!]));

  // PostgreSQL: the flexible server whose FQDN is the data endpoint.
  const servers = resources(json, 'azurerm_postgresql_flexible_server');
  expect(servers.map((s) => `${s.name}${AZURE_POSTGRES_DNS_SUFFIX}`)).toEqual(endpoints.filter((e) => e.name === 'postgres').map((e) => e.host));

  // Workload identities: one federated credential per identity, nothing else federated.
  const credentials = addresses(json, 'azurerm_federated_identity_credential');
  const readerSubjects = f.readers.map((r) => `system:serviceaccount:${r.namespace}:${SECRET_READER_SERVICE_ACCOUNT}`);
  expect(sorted(credentials.map(([, c]) => c.subject))).toEqual(
    sorted([...identities.map((i) => `system:serviceaccount:${i.namespace}:${i.serviceAccount}`), ...readerSubjects]),
  );
  // Tenant secret readers: a Key Vault of the tenant's own, readable by its reader's identity only.
  const readerIds = (json.output[AZURE_SECRET_READERS_OUTPUT]?.value ?? {}) as Record<string, string>;
  expect(sorted(Object.keys(readerIds))).toEqual(sorted(f.readers.map((r) => r.identityName)));
  for (const r of f.readers) {
    const where = cloudSecretLocation(planned.environment, { ...planned.cluster, cloud: 'azure' }, r.tenantId);
    if (where.cloud !== 'azure') throw new Error('an Azure location');
    const [vault] = addresses(json, 'azurerm_key_vault').find(([, v]) => v.name === where.vaultName)!;
    const credential = credentials.find(([, c]) => c.subject === `system:serviceaccount:${r.namespace}:${SECRET_READER_SERVICE_ACCOUNT}`)!;
    const uai = target(credential[1].parent_id);
    expect(readerIds[r.identityName]).toBe(`\${${uai}.client_id}`);
    const grants = resources(json, 'azurerm_role_assignment').filter((x) => x.principal_id === `\${${uai}.principal_id}`);
    expect(grants.map((g) => [g.role_definition_name, target(g.scope)])).toEqual([['Key Vault Secrets User', vault]]);
  }
  const clientIds = json.output[BootstrapFacts.azureClientIdsOutput].value as Record<string, string>;
  expect(sorted(Object.keys(clientIds))).toEqual(sorted(identities.map((i) => i.name)));
  for (const identity of identities) {
    if (identity.access.kind === 'karpenter') throw new Error('Azure identities are backup-store identities or archive readers');
    // The cluster's own ServiceAccounts federate with its issuer; archive readers with the reading cluster's (a variable).
    const issuer = identity.access.kind === 'archive-reader' ? `\${var.oidc_issuer_${identity.access.readerCluster.name.replace(/-/g, '_')}}` : undefined;
    const credential = credentials.filter(
      ([, c]) =>
        c.subject === `system:serviceaccount:${identity.namespace}:${identity.serviceAccount}` &&
        (issuer ? c.issuer === issuer : !String(c.issuer).startsWith('${var.')),
    );
    expect(credential).toHaveLength(1);
    const uai = target(credential[0][1].parent_id);
    expect(clientIds[identity.name]).toBe(`\${${uai}.client_id}`);
    const grants = resources(json, 'azurerm_role_assignment').filter((r) => r.principal_id === `\${${uai}.principal_id}`);
    expect(grants).toHaveLength(1);
    expect(grants[0].role_definition_name).toBe(identity.access.kind === 'archive-reader' ? 'Storage Blob Data Reader' : 'Storage Blob Data Contributor');
    expect(body(json, target(grants[0].scope)).name).toBe(store[identity.access.kind === 'archive-reader' ? 'postgres' : identity.access.use].container);
    if (identity.access.prefix) {
      expect(grants[0].condition_version).toBe('2.0');
      expect(grants[0].condition).toContain(`StringStartsWith '${identity.access.prefix}/'`);
    } else {
      expect(grants[0].condition).toBeUndefined();
    }
  }
}

// ------------------------------------------------------------------------------------------------ GCP

function checkGcp(json: Json, planned: Planned, f: ReturnType<typeof facts>): void {
  const { cluster } = planned;
  const { plan, store, identities } = f;

  const subnet = resources(json, 'google_compute_subnetwork');
  expect(subnet.map((s) => s.ip_cidr_range)).toEqual(plan.nodes);
  const ranges = gkeSecondaryRanges(cluster)!;
  expect(Object.fromEntries(subnet[0].secondary_ip_range.map((r: Json) => [r.range_name, r.ip_cidr_range]))).toEqual(ranges);

  const buckets = resources(json, 'google_storage_bucket');
  expect(buckets.map((b) => [b.name, b.location])).toEqual([[store.bucket, store.region]]);

  const members = addresses(json, 'google_service_account_iam_member').filter(([, m]) => m.role === 'roles/iam.workloadIdentityUser');
  const member = (i: WorkloadIdentity) => `serviceAccount:\${var.gcp_project_id}.svc.id.goog[${bindingKey(i)}]`;
  const readerMember = (namespace: string) => `serviceAccount:\${var.gcp_project_id}.svc.id.goog[${namespace}/${SECRET_READER_SERVICE_ACCOUNT}]`;
  expect(sorted(members.map(([, m]) => m.member))).toEqual(sorted([...identities.map(member), ...f.readers.map((r) => readerMember(r.namespace))]));
  // Tenant secret readers: Secret Manager access conditioned on the tenant's prefix.
  for (const r of f.readers) {
    const account = target(members.find(([, m]) => m.member === readerMember(r.namespace))![1].service_account_id);
    const grants = resources(json, 'google_project_iam_member').filter((g) => g.member === `serviceAccount:\${${account}.email}`);
    expect(grants.map((g) => g.role)).toEqual(['roles/secretmanager.secretAccessor']);
    expect(grants[0].condition.expression).toMatch(new RegExp(`/secrets/${r.prefix}"\\)$`));
  }
  const emails = json.output.workload_identity_service_accounts.value as Record<string, string>;
  expect(sorted(Object.keys(emails))).toEqual(sorted(identities.map((i) => i.name)));
  for (const identity of identities) {
    if (identity.access.kind !== 'backup-store') throw new Error('GCP identities are backup-store identities');
    const mine = members.filter(([, m]) => m.member === member(identity));
    expect(mine).toHaveLength(1);
    const account = target(mine[0][1].service_account_id);
    expect(emails[identity.name]).toBe(`\${${account}.email}`);
    const grants = resources(json, 'google_storage_bucket_iam_member').filter((g) => g.member === `serviceAccount:\${${account}.email}`);
    expect(grants).toHaveLength(1);
    expect(grants[0].condition.expression).toContain(`"projects/_/buckets/${store.bucket}/objects/${identity.access.prefix}/"`);
    expect(grants[0].condition.expression).toContain(`.startsWith("${identity.access.prefix}/")`);
  }
}

function checkStack(p: PlatformConfig, files: Map<string, string>, planned: Planned, input: InfraInput): void {
  const json = stack(planned.name, files);
  const f = facts(p, planned, input);
  switch (planned.cluster.cloud) {
    case 'aws':
      return checkAws(json, planned, f);
    case 'azure':
      return checkAzure(json, planned, f);
    case 'gcp':
      return checkGcp(json, planned, f);
  }
}

// ---------------------------------------------------------------------------------------------- tests

describe('the stacks of the default platform agree with the platform model', () => {
  it.each(plannedOf(platform).map((p) => [p.name, p] as const))('%s: subnets, backup store, workload identities, private DNS', (_name, planned) => {
    checkStack(platform, defaultFiles(), planned, defaultInput());
  });

  it("binds a PostgreSQL identity for the platform database and every tenant database on every database site (AWS and Azure clusters with workloads), and Keycloak's where it runs, none elsewhere", () => {
    const counts = Object.fromEntries(
      plannedOf(platform).map((p) => [
        p.name,
        clusterWorkloadIdentities(platform, p.environment, p.cluster, defaultInput()).filter((i) => i.name.startsWith('pg-')).length,
      ]),
    );
    // Every database site runs a site of every database of the tenants deployed to its environment (lib/core/database-topology.ts).
    const expected = Object.fromEntries(
      // ...and the platform database (lib/core/database-topology.ts platformDatabase), and Keycloak's.
      plannedOf(platform).map((p) => [
        p.name,
        (placementApplies(DATABASE_SITES, p.cluster) ? tenantDatabases(p.environment.name).length + 1 : 0) + keycloakPostgres(p.environment, p.cluster).length,
      ]),
    );
    expect(counts).toEqual(expected);
    expect(Object.values(counts).some((n) => n > 0)).toBe(true);
  });

  it('outputs the Azure client ids under the name the bootstrap reads', () => {
    for (const name of ['staging-azure', 'prod-azure']) {
      expect(stack(name).output[BootstrapFacts.azureClientIdsOutput]).toBeDefined();
    }
    // Velero's Kopia password is generated at bootstrap, never in Terraform state.
    for (const text of defaultFiles().values()) {
      expect(text).not.toContain('velero_repository_password');
      expect(text).not.toContain('random_password');
    }
  });
});

describe('the stacks follow the model when it changes', () => {
  // Azure and a GKE Standard cluster become data homes too: PostgreSQL identities on every cloud.
  // prod alone: the environment with every cloud (the others render as in the default stacks).
  const everywhere: PlatformConfig = onlyEnvironment('prod', (env) => ({
    ...env,
    clusters: env.clusters.map((c) =>
      c.cloud === 'azure' ? { ...c, role: 'primary' as const } : c.cloud === 'gcp' ? { ...c, role: 'primary' as const, profile: 'gke-standard' as const } : c,
    ),
  }));
  const input: InfraInput = {
    tenants: [...defaultInput().tenants, { tenantId: 'umbrella-004', environments: ['prod'] }],
    databases: [...defaultInput().databases, { name: 'umbrella-postgres-with-a-rather-long-name', tenantId: 'umbrella-004' }],
  };
  let files: Map<string, string>;
  beforeAll(() => {
    files = synthesizeInfra(everywhere, input);
  });

  it.each(['prod-aws', 'prod-azure', 'prod-gcp'])('%s: a new database and new data homes get exactly their identities', (name) => {
    const planned = plannedOf(everywhere).find((p) => p.name === name)!;
    const identities = clusterWorkloadIdentities(everywhere, planned.environment, planned.cluster, input);
    // GKE is no database site (lib/core/topology.ts DATABASE_SITES): no PostgreSQL identity there.
    if (planned.cluster.cloud === 'gcp') expect(identities.map(bindingKey)).not.toContain('tenant-umbrella-004/umbrella-postgres-with-a-rather-long-name');
    else expect(identities.map(bindingKey)).toContain('tenant-umbrella-004/umbrella-postgres-with-a-rather-long-name');
    checkStack(everywhere, files, planned, input);
  });

  it("gives no tenant database identity without tenant input (only the platform's own: the platform database's and Keycloak's), and the same stacks again with it", () => {
    const prodOnly = onlyEnvironment('prod');
    const planned = plannedOf(prodOnly).find((p) => p.name === 'prod-aws')!;
    const bare = synthesizeInfra(prodOnly, NO_TENANT_INPUT);
    checkStack(prodOnly, bare, planned, NO_TENANT_INPUT);
    expect(
      resources(stack('prod-aws', bare), 'aws_eks_pod_identity_association')
        .map((a) => a.namespace)
        .sort(),
    ).toEqual([PLATFORM_DATABASE.namespace, 'keycloak', 'kube-system', 'velero'].sort());
  });

  it('would notice a binding to another service account than the model names', () => {
    const planned = plannedOf(platform).find((p) => p.name === 'prod-aws')!;
    const json = stack('prod-aws');
    const [address] = addresses(json, 'aws_eks_pod_identity_association').find(([, a]) => a.namespace === 'velero')!;
    json.resource.aws_eks_pod_identity_association[address.split('.')[1]].service_account = 'velero';
    expect(() => checkAws(json, planned, facts(platform, planned, defaultInput()))).toThrow();
  });
});

describe('model functions the stacks read', () => {
  it('places PostgreSQL clusters on every database site, for tenants deployed to the environment', () => {
    const prod = platform.environments.find((e) => e.name === 'prod')!;
    const dev = platform.environments.find((e) => e.name === 'dev')!;
    const aws = (env: EnvironmentConfig) => env.clusters.find((c) => c.cloud === 'aws')!;
    const input: InfraInput = {
      tenants: [
        { tenantId: 'zeta-009', environments: ['dev', 'staging', 'prod'] },
        { tenantId: 'alpha-001', environments: ['prod'] },
        { tenantId: 'nodb-005', environments: ['dev', 'prod'] },
      ],
      databases: [
        { name: 'zeta-pg', tenantId: 'zeta-009' },
        { name: 'alpha-pg-b', tenantId: 'alpha-001' },
        { name: 'alpha-pg-a', tenantId: 'alpha-001' },
        { name: 'orphan-pg', tenantId: 'gone-404' },
      ],
    };
    // The platform database is on every database site (it sorts first: ceres < tenant-*).
    const own = { namespace: PLATFORM_DATABASE.namespace, name: PLATFORM_DATABASE.name };
    expect(postgresClusters(prod, aws(prod), input)).toEqual([
      own,
      { namespace: 'tenant-alpha-001', name: 'alpha-pg-a' },
      { namespace: 'tenant-alpha-001', name: 'alpha-pg-b' },
      { namespace: 'tenant-zeta-009', name: 'zeta-pg' },
    ]);
    expect(postgresClusters(dev, aws(dev), input)).toEqual([own, { namespace: 'tenant-zeta-009', name: 'zeta-pg' }]);
    for (const c of prod.clusters) {
      if (placementApplies(DATABASE_SITES, c)) expect(postgresClusters(prod, c, input)).toEqual(postgresClusters(prod, aws(prod), input));
      else expect(postgresClusters(prod, c, input)).toEqual([]);
    }
  });

  it('names the Azure flexible server after its data endpoint', () => {
    const azure = platform.environments.flatMap((e) => e.clusters).filter((c) => c.cloud === 'azure');
    for (const c of azure) expect(`${azurePostgresServerName(c)}${AZURE_POSTGRES_DNS_SUFFIX}`).toBe(dataEndpoints(c)[0].host);
    const aws = platform.environments[0].clusters[0];
    expect(() => azurePostgresServerName(aws)).toThrow(/no Azure PostgreSQL data endpoint/);
  });

  it('fits long identity names into cloud limits, deterministically and distinctly', () => {
    expect(fittedName('ceres-prod', 'velero', 30)).toBe('ceres-prod-velero');
    const a = fittedName('ceres-prod', 'pg-tenant-acme-001-acme-postgres', 30);
    const b = fittedName('ceres-prod', 'pg-tenant-acme-001-acme-postgres-2', 30);
    expect(a).toHaveLength(30);
    expect(a).toMatch(/^ceres-prod-pg-tenant-ac-[0-9a-f]{6}$/);
    expect(a).not.toBe(b);
    expect(fittedName('ceres-prod', 'pg-tenant-acme-001-acme-postgres', 30)).toBe(a);
  });

  it('keeps the GKE secondary ranges outside the network plan', () => {
    const gcp = platform.environments.flatMap((e) => e.clusters).find((c) => c.cloud === 'gcp')!;
    const plan = networkPlan(gcp)!;
    const ranges = gkeSecondaryRanges(gcp)!;
    expect(plan.nodes).toEqual(['10.32.0.0/20']);
    expect(ranges).toEqual({ services: '10.32.16.0/20', pods: '10.32.128.0/17' });
  });

  it('puts every backup store where its cluster is (a GCS multi-region for GCP)', () => {
    const stores: BackupStore[] = plannedOf(platform).map((p) => backupStore(platform, p.environment, p.cluster)!);
    expect(stores.map((s) => [s.cloud, s.bucket, s.region])).toEqual([
      ['aws', 'ceres-dev-aws-backups-eu-west-1', 'eu-west-1'],
      ['aws', 'ceres-staging-aws-backups-eu-west-1', 'eu-west-1'],
      ['azure', 'ceresstagingbackups', 'westeurope'],
      ['aws', 'ceres-prod-aws-backups-eu-west-1', 'eu-west-1'],
      ['azure', 'ceresprodbackups', 'westeurope'],
      ['gcp', 'ceres-prod-gcp-backups-europe-west1', 'EU'],
    ]);
  });
});
