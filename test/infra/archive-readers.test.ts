/**
 * The cross-cloud readers of the PostgreSQL archives (lib/core/database-topology.ts archiveReaders)
 * in the stacks of a two-site fixture environment: each source stack trusts exactly the reading
 * cluster's issuer for exactly the reading ServiceAccount, and grants read (never write) on exactly
 * the source site's archive.
 */
import {
  archiveReaders,
  ARCHIVE_READER_OUTPUT,
  environmentDatabases,
  FEDERATION_AUDIENCES,
  keycloakDatabase,
  oidcIssuerVariable,
} from '../../lib/core/database-topology';
import { fixtureStacks } from '../support/fixture-stacks';
import { FixtureClusters, fixturePlatform, TENANT_PER_TIER } from '../support/harness';
import { addresses, Json } from './helpers';

const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure] });
const env = platform.environments[0];
const files = fixtureStacks(platform, TENANT_PER_TIER);
const stackOf = (cloud: string): Json => JSON.parse(files.get(`terraform/${env.name}-${cloud}/cdk.tf.json`)!);
// The platform database's readers, Keycloak's and the tenant databases'.
const readers = archiveReaders([...environmentDatabases(platform, env, TENANT_PER_TIER), keycloakDatabase(platform, env)!]);

describe('archive readers in Terraform', () => {
  it('has a reader per database and per direction', () => {
    expect(readers).toHaveLength((TENANT_PER_TIER.databases.length + 2) * 2);
    expect(new Set(readers.map((r) => `${r.source.cluster.cloud}<-${r.reader.cluster.cloud}`))).toEqual(new Set(['aws<-azure', 'azure<-aws']));
  });

  it('AWS: an OIDC provider for the reading cluster, a role per reader trusting exactly its ServiceAccount, read-only on the source archive', () => {
    const aws = stackOf('aws');
    const variable = oidcIssuerVariable(FixtureClusters.azure);
    expect(Object.keys(aws.variable)).toContain(variable);
    const providers = addresses(aws, 'aws_iam_openid_connect_provider').filter(([, b]) => b.url === `\${var.${variable}}`);
    expect(providers).toHaveLength(1);
    expect(providers[0][1].client_id_list).toEqual([FEDERATION_AUDIENCES.aws]);
    const roles = addresses(aws, 'aws_iam_role');
    const policies = addresses(aws, 'aws_iam_role_policy');
    for (const r of readers.filter((x) => x.source.cluster.cloud === 'aws')) {
      const [address, role] = roles.find(([, b]) => String(b.name).includes(r.identityName.slice(0, 20)))!;
      const trust = JSON.parse(role.assume_role_policy).Statement[0];
      expect(trust.Action).toBe('sts:AssumeRoleWithWebIdentity');
      expect(trust.Principal.Federated).toBe(`\${${providers[0][0]}.arn}`);
      expect(Object.values(trust.Condition.StringEquals)).toEqual([
        `system:serviceaccount:${r.database.namespace}:${r.database.name}`,
        FEDERATION_AUDIENCES.aws,
      ]);
      const policy = policies.find(([, p]) => p.role === `\${${address}.id}`)![1];
      const statements = JSON.parse(policy.policy).Statement;
      const actions = statements.flatMap((s: Json) => [s.Action].flat());
      expect(actions.filter((a: string) => /Put|Delete/.test(a))).toEqual([]);
      const read = statements.find((s: Json) => s.Action === 's3:GetObject');
      expect(read.Resource).toMatch(new RegExp(`/${r.source.archivePrefix}/\\*$`));
    }
    expect(Object.keys(aws.output[ARCHIVE_READER_OUTPUT].value).sort()).toEqual(
      readers
        .filter((x) => x.source.cluster.cloud === 'aws')
        .map((x) => x.identityName)
        .sort(),
    );
  });

  it("Azure: a federated credential on the reading cluster's issuer, Storage Blob Data Reader kept to the source archive", () => {
    const azure = stackOf('azure');
    const variable = oidcIssuerVariable(FixtureClusters.aws);
    const credentials = addresses(azure, 'azurerm_federated_identity_credential').filter(([, b]) => b.issuer === `\${var.${variable}}`);
    const mine = readers.filter((x) => x.source.cluster.cloud === 'azure');
    expect(credentials.map(([, b]) => b.subject).sort()).toEqual(mine.map((r) => `system:serviceaccount:${r.database.namespace}:${r.database.name}`).sort());
    const assignments = addresses(azure, 'azurerm_role_assignment');
    for (const r of mine) {
      const [, a] = assignments.find(([name]) => name.includes(r.identityName))!;
      expect(a.role_definition_name).toBe('Storage Blob Data Reader');
      expect(a.condition).toContain(`StringStartsWith '${r.source.archivePrefix}/'`);
    }
  });
});
