/**
 * The managed platform databases keep a copy of their backups outside their region (the design's
 * "GCS for cross-region backups", and the AWS primary's point-in-time restore in its backup replica
 * region), in HA environments.
 */
import { AWS_BACKUP_REPLICA_REGIONS, gcsMultiRegion } from '../../lib/core/cloud';
import { fixtureStacks } from '../support/fixture-stacks';
import { FixtureClusters, fixturePlatform, SMALL_SIZING } from '../support/harness';
import { addresses, Json, resources } from './helpers';

const render = (ha: boolean) => {
  const platform = fixturePlatform({ env: 'prod', clusters: [FixtureClusters.aws, FixtureClusters.gcp], ...(ha ? {} : { sizing: SMALL_SIZING }) });
  const files = fixtureStacks(platform, { tenants: [], databases: [] });
  return (cloud: string): Json => JSON.parse(files.get(`terraform/prod-${cloud}/cdk.tf.json`)!);
};

describe('platform database backups outside the region', () => {
  it('AWS (HA): replicates RDS automated backups to the backup replica region, encrypted with a key there', () => {
    const aws = render(true)('aws');
    const [replication] = resources(aws, 'aws_db_instance_automated_backups_replication');
    const provider = aws.provider.aws.find((p: Json) => `aws.${p.alias}` === replication.provider);
    expect(provider.region).toBe(AWS_BACKUP_REPLICA_REGIONS[FixtureClusters.aws.region]);
    expect(replication.source_db_instance_arn).toMatch(/^\$\{aws_db_instance\..*\.arn\}$/);
    const [keyAddress, key] = addresses(aws, 'aws_kms_key').find(([a]) => replication.kms_key_id === `\${${a}.arn}`)!;
    expect({ keyAddress, provider: key.provider }).toEqual({ keyAddress, provider: replication.provider });
  });

  it('AWS (not HA): keeps backups in the region', () => {
    expect(resources(render(false)('aws'), 'aws_db_instance_automated_backups_replication')).toEqual([]);
  });

  it("GCP: stores Cloud SQL backups in the backup store's multi-region", () => {
    const [sql] = resources(render(true)('gcp'), 'google_sql_database_instance');
    expect(sql.settings.backup_configuration.location).toBe(gcsMultiRegion(FixtureClusters.gcp.region).toLowerCase());
  });
});
