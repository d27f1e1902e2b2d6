/**
 * The AWS findings of the review against the pinned provider schema and terraform-aws-modules (issue 11):
 * each test fails on the stacks as they were before the fix.
 */
import { EKS_CLUSTER_ADMIN_POLICY } from '../../lib/infra/aws/kubernetes-cluster';
import { RDS_POSTGRES_LOG_EXPORTS } from '../../lib/infra/aws/postgres';
import { spotInstanceTypes } from '../../lib/core/cloud';
import { dnsChallengeSolvers } from '../../lib/core/traffic-failover';
import { platform } from '../../apps/platform/platform';
import { addresses, defaultFiles, iamStatements, Json, list, only, platformDatabases, referencedAddress, resources, stack, tenantDatabases } from './helpers';

const AWS_STACKS = ['dev-aws', 'staging-aws', 'prod-aws'];
const prod = () => stack('prod-aws');
const dev = () => stack('dev-aws');

/** Condition keys that narrow a statement to the cluster's own resources (a region alone does not). */
const SCOPING_KEY = /RequestTag\/|ResourceTag\/|aws:TagKeys|iam:PassedToService|ec2:CreateAction/;
const conditionKeys = (statement: Json): string[] => Object.values((statement.Condition ?? {}) as Record<string, Json>).flatMap((c) => Object.keys(c));
const isReadOnly = (action: string) => /^[a-z0-9-]+:(Describe|Get|List)/.test(action);

describe('AWS: first apply', () => {
  it.each(AWS_STACKS)('%s: every bucket policy waits for the bucket public access block (terraform-provider-aws#7628)', (name) => {
    const json = stack(name);
    const blocks = new Map(addresses(json, 'aws_s3_bucket_public_access_block').map(([a, b]) => [referencedAddress(b.bucket), a]));
    const policies = addresses(json, 'aws_s3_bucket_policy');
    expect(policies.length).toBeGreaterThan(0);
    for (const [, policy] of policies) {
      const block = blocks.get(referencedAddress(policy.bucket));
      expect(block).toBeDefined();
      expect(policy.depends_on).toContain(block);
    }
  });
});

describe('AWS: EKS access', () => {
  it('gives the cluster creator no implicit admin, and declares the admin as an access entry', () => {
    const eks = only(prod(), 'aws_eks_cluster');
    expect(eks.access_config).toEqual({ authentication_mode: 'API', bootstrap_cluster_creator_admin_permissions: false });
    const admin = resources(prod(), 'aws_eks_access_entry').find((e) => e.type === 'STANDARD');
    expect(admin?.principal_arn).toBe('${var.platform_admin_role_arn}');
    expect(only(prod(), 'aws_eks_access_policy_association')).toMatchObject({ policy_arn: EKS_CLUSTER_ADMIN_POLICY, access_scope: { type: 'cluster' } });
    expect(prod().variable.platform_admin_role_arn).toMatchObject({ type: 'string', nullable: false });
  });
});

describe('AWS: IAM', () => {
  it.each(AWS_STACKS)('%s: no statement allows a mutating EC2 or IAM action on * without a resource-scoping condition', (name) => {
    const offenders = iamStatements(stack(name)).filter(({ statement }) => {
      if (statement.Effect !== 'Allow' || !list(statement.Resource).includes('*')) return false;
      const mutating = list(statement.Action).some((a) => /^(ec2|iam):/.test(a) && !isReadOnly(a));
      return mutating && !conditionKeys(statement).some((k) => SCOPING_KEY.test(k));
    });
    expect(offenders).toEqual([]);
  });

  it("scopes Karpenter's RunInstances by request tags, and its deletions by resource tags", () => {
    const karpenter = iamStatements(prod()).filter(({ address }) => address.includes('karpenter'));
    const runOnInstances = karpenter.find(
      ({ statement }) => list(statement.Action).includes('ec2:RunInstances') && list(statement.Resource).some((r) => r.endsWith(':instance/*')),
    )!.statement;
    expect(runOnInstances.Condition.StringEquals).toMatchObject({
      'aws:RequestTag/kubernetes.io/cluster/ceres-prod-aws': 'owned',
      'aws:RequestTag/eks:eks-cluster-name': 'ceres-prod-aws',
    });
    expect(runOnInstances.Condition.StringLike).toEqual({ 'aws:RequestTag/karpenter.sh/nodepool': '*' });
    const terminate = karpenter.find(({ statement }) => list(statement.Action).includes('ec2:TerminateInstances'))!.statement;
    expect(terminate.Condition.StringEquals).toEqual({ 'aws:ResourceTag/kubernetes.io/cluster/ceres-prod-aws': 'owned' });
    for (const { statement } of karpenter) {
      if (list(statement.Action).some((a) => /RunInstances|TerminateInstances|CreateFleet/.test(a))) expect(list(statement.Resource)).not.toContain('*');
    }
  });

  it('lets Karpenter pass only its node role, and only to EC2', () => {
    const passRole = iamStatements(prod()).filter(({ statement }) => list(statement.Action).includes('iam:PassRole'));
    expect(passRole).toHaveLength(1);
    expect(passRole[0].statement.Resource).toMatch(/aws_iam_role\.karpenter_node-role/);
    expect(passRole[0].statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
  });

  it('grants Karpenter the permissions of the reference module it lacked', () => {
    const actions = iamStatements(prod())
      .filter(({ address }) => address.includes('karpenter'))
      .flatMap(({ statement }) => list(statement.Action));
    for (const a of [
      'ec2:DescribeCapacityReservations',
      'ec2:DescribeInstanceStatus',
      'ec2:DescribePlacementGroups',
      'iam:ListInstanceProfiles',
      'arc-zonal-shift:GetManagedResource',
    ]) {
      expect(actions).toContain(a);
    }
  });

  it('keeps each backup identity to its own prefix of the bucket, and the bucket key to S3', () => {
    const json = prod();
    const bucket = addresses(json, 'aws_s3_bucket').find(([, b]) => b.bucket === 'ceres-prod-aws-backups-eu-west-1')![0];
    const policies = addresses(json, 'aws_iam_role_policy').filter(([a]) => a.includes('workload-roles_'));
    expect(policies.length).toBe(2 + tenantDatabases('prod').length + platformDatabases('prod', 'aws').length); // velero + the platform database + each tenant database + Keycloak's
    const prefixes: string[] = [];
    for (const [, body] of policies) {
      const statements = JSON.parse(body.policy).Statement as Json[];
      const objects = statements.find((s) => list(s.Action).includes('s3:PutObject'))!;
      expect(list(objects.Resource)).toHaveLength(1);
      const m = new RegExp(`^\\$\\{${bucket}\\.arn\\}/(.+)/\\*$`).exec(list(objects.Resource)[0]);
      expect(m).not.toBeNull();
      prefixes.push(m![1]);
      const listing = statements.find((s) => list(s.Action).includes('s3:ListBucket'))!;
      expect(listing.Condition).toEqual({ StringLikeIfExists: { 's3:prefix': [m![1], `${m![1]}/*`] } });
      const kms = statements.find((s) => list(s.Action).includes('kms:Decrypt'))!;
      expect(kms.Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } });
    }
    // CloudNativePG archives each tenant's databases under its namespace, the platform database under ceres, Keycloak's under keycloak.
    expect(prefixes.sort()).toEqual(
      [...new Set([...tenantDatabases('prod'), ...platformDatabases('prod', 'aws')].map((d) => `cnpg/${d.split('/')[0]}`))]
        .concat('velero', 'cnpg/ceres')
        .sort(),
    );
  });

  it("grants DNS rights to one role only, the secondary's ACME DNS-01 solver (records of the public zone)", () => {
    const json = prod();
    const dns = iamStatements(json).filter(({ statement }) => list(statement.Action).some((a) => a.startsWith('route53:')));
    const roles = new Set(dns.map(({ address }) => json.resource.aws_iam_role_policy[address.split('.')[1]].role));
    expect(roles.size).toBe(1);
    const [roleRef] = [...roles];
    const role = json.resource.aws_iam_role[referencedAddress(roleRef).split('.')[1]];
    expect(dnsChallengeSolvers(platform.environments.find((e) => e.name === 'prod')!).map((s) => s.roleName)).toEqual([role.name]);
    expect(json.data?.aws_route53_zone).toBeUndefined();
  });
});

describe('AWS: logs and monitoring', () => {
  it.each(AWS_STACKS)('%s: every log group has a retention and the KMS log key', (name) => {
    for (const [address, group] of addresses(stack(name), 'aws_cloudwatch_log_group')) {
      expect({ address, retention: group.retention_in_days > 0 && group.retention_in_days <= 365 }).toEqual({ address, retention: true });
      // The stack's log key; the DNS query logs (us-east-1) have a log key of their own there.
      expect({ address, kms: /^\$\{aws_kms_key\.(public-dns_query-)?log-key_[0-9A-F]+\.arn\}$/.test(group.kms_key_id) }).toEqual({ address, kms: true });
    }
  });

  it('exports RDS logs into log groups it owns, created before the instance, and turns on Enhanced Monitoring', () => {
    const json = prod();
    const db = only(json, 'aws_db_instance');
    const groups = addresses(json, 'aws_cloudwatch_log_group');
    for (const log of RDS_POSTGRES_LOG_EXPORTS) {
      const group = groups.find(([, g]) => g.name === `/aws/rds/instance/ceres-prod-aws-postgres/${log}`);
      expect(group).toBeDefined();
      expect(db.depends_on).toContain(group![0]);
    }
    expect(db.monitoring_interval).toBe(60);
    expect(db.monitoring_role_arn).toMatch(/aws_iam_role\.postgres_monitoring-role/);
    const attachment = resources(json, 'aws_iam_role_policy_attachment').find((a) => a.role.includes('postgres_monitoring-role'));
    expect(attachment?.policy_arn).toBe('arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole');
  });

  it('delivers Redis slow logs (and engine logs) to encrypted log groups', () => {
    const json = prod();
    const redis = only(json, 'aws_elasticache_replication_group');
    const slow = redis.log_delivery_configuration.find((c: Json) => c.log_type === 'slow-log');
    expect(slow).toMatchObject({ destination_type: 'cloudwatch-logs', log_format: 'json' });
    const group = addresses(json, 'aws_cloudwatch_log_group').find(([a]) => slow.destination === `\${${a}.name}`);
    expect(group?.[1].kms_key_id).toMatch(/aws_kms_key\.log-key/);
  });

  it('keeps VPC flow logs 90 days in HA environments and 30 in dev, not 365', () => {
    const retention = (json: Json) => resources(json, 'aws_cloudwatch_log_group').find((g) => g.name.endsWith('/flow-logs'))!.retention_in_days;
    expect(retention(prod())).toBe(90);
    expect(retention(dev())).toBe(30);
  });
});

describe('AWS: data services', () => {
  it('accepts database and cache clients from the node subnets only, not the whole VPC (public subnets included)', () => {
    const json = prod();
    const nodeCidrs = resources(json, 'aws_subnet')
      .filter((s) => s.tags.Name.includes('-nodes-'))
      .map((s) => s.cidr_block)
      .sort();
    const publicCidrs = resources(json, 'aws_subnet')
      .filter((s) => s.tags['kubernetes.io/role/elb'] === '1')
      .map((s) => s.cidr_block);
    for (const sg of resources(json, 'aws_security_group')) {
      const cidrs = sg.ingress.flatMap((rule: Json) => rule.cidr_blocks);
      expect([...cidrs].sort()).toEqual(nodeCidrs);
      expect(cidrs).not.toContain('10.30.0.0/16');
      for (const c of publicCidrs) expect(cidrs).not.toContain(c);
    }
  });

  it('authenticates Redis clients with IAM (no AUTH token in variables or state) and switches the default user off', () => {
    const json = prod();
    const redis = only(json, 'aws_elasticache_replication_group');
    expect(redis.auth_token).toBeUndefined();
    expect(json.variable.redis_auth_token).toBeUndefined();
    const users = resources(json, 'aws_elasticache_user');
    const byName = Object.fromEntries(users.map((u) => [u.user_name, u]));
    expect(byName.default).toMatchObject({ access_string: 'off -@all' });
    expect(byName['ceres-prod-aws-redis-app']).toMatchObject({ user_id: 'ceres-prod-aws-redis-app', authentication_mode: { type: 'iam' } });
    for (const u of users) expect(u.passwords).toBeUndefined();
    const group = addresses(json, 'aws_elasticache_user_group')[0];
    expect(redis.user_group_ids).toEqual([`\${${group[0]}.user_group_id}`]);
    for (const text of defaultFiles().values()) expect(text).not.toMatch(/"auth_token"/);
  });

  it('sizes dev as dev: RDS single-AZ and one Redis node in dev, Multi-AZ and three nodes where sizing.ha is on', () => {
    expect(only(dev(), 'aws_db_instance').multi_az).toBe(false);
    expect(only(stack('staging-aws'), 'aws_db_instance').multi_az).toBe(true);
    expect(only(prod(), 'aws_db_instance').multi_az).toBe(true);
    expect(only(dev(), 'aws_elasticache_replication_group')).toMatchObject({
      num_cache_clusters: 1,
      automatic_failover_enabled: false,
      multi_az_enabled: false,
    });
    expect(only(prod(), 'aws_elasticache_replication_group')).toMatchObject({ num_cache_clusters: 3, automatic_failover_enabled: true });
  });
});

describe('AWS: backup bucket', () => {
  it.each(AWS_STACKS)('%s: locks every bucket (Object Lock, GOVERNANCE retention shorter than the version expiry)', (name) => {
    const json = stack(name);
    const locks = new Map(addresses(json, 'aws_s3_bucket_object_lock_configuration').map(([, l]) => [referencedAddress(l.bucket), l]));
    for (const [address, bucket] of addresses(json, 'aws_s3_bucket')) {
      expect({ address, lock: bucket.object_lock_enabled }).toEqual({ address, lock: true });
      const retention = locks.get(address)?.rule.default_retention;
      expect(retention).toEqual({ mode: 'GOVERNANCE', days: 14 });
    }
  });

  it.each(AWS_STACKS)('%s: refuses plain HTTP, TLS below 1.2 and uploads asking for another encryption than SSE-KMS', (name) => {
    for (const [, body] of addresses(stack(name), 'aws_s3_bucket_policy')) {
      const statements = JSON.parse(body.policy).Statement as Json[];
      const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
      expect(bySid.DenyInsecureTransport.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
      expect(bySid.DenyOutdatedTls.Condition).toEqual({ NumericLessThan: { 's3:TlsVersion': '1.2' } });
      expect(bySid.DenyNonKmsEncryption).toMatchObject({
        Effect: 'Deny',
        Action: 's3:PutObject',
        Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
      });
      expect(bySid.DenyCustomerProvidedKeys.Effect).toBe('Deny');
    }
  });

  it('replicates HA backups to a locked, KMS-encrypted bucket in a second region; dev has no replica', () => {
    const json = prod();
    const replication = only(json, 'aws_s3_bucket_replication_configuration');
    const rule = replication.rule[0];
    expect(rule.status).toBe('Enabled');
    const replicaAddress = referencedAddress(rule.destination.bucket);
    const replica = json.resource.aws_s3_bucket[replicaAddress.split('.')[1]];
    expect(replica).toMatchObject({ bucket: 'ceres-prod-aws-backups-eu-central-1', provider: 'aws.backup_replica', object_lock_enabled: true });
    expect(json.provider.aws.find((p: Json) => p.alias === 'backup_replica').region).toBe('eu-central-1');
    expect(rule.destination.encryption_configuration.replica_kms_key_id).toMatch(/aws_kms_key\.backups_replica_key/);
    expect(rule.source_selection_criteria.sse_kms_encrypted_objects.status).toBe('Enabled');
    expect(resources(dev(), 'aws_s3_bucket_replication_configuration')).toEqual([]);
    expect(resources(dev(), 'aws_s3_bucket')).toHaveLength(1);
  });

  it('keeps the bucket names of today (the names model will own them)', () => {
    const names = AWS_STACKS.flatMap((n) => resources(stack(n), 'aws_s3_bucket').map((b) => b.bucket));
    expect(names).toEqual(
      expect.arrayContaining(['ceres-dev-aws-backups-eu-west-1', 'ceres-staging-aws-backups-eu-west-1', 'ceres-prod-aws-backups-eu-west-1']),
    );
  });
});

describe('AWS: cost', () => {
  it('routes S3 through a gateway endpoint on every private route table', () => {
    const json = prod();
    const endpoint = only(json, 'aws_vpc_endpoint');
    expect(endpoint).toMatchObject({ service_name: 'com.amazonaws.eu-west-1.s3', vpc_endpoint_type: 'Gateway' });
    const privateTables = addresses(json, 'aws_route_table')
      .filter(([, t]) => !t.tags.Name.endsWith('-public'))
      .map(([a]) => `\${${a}.id}`)
      .sort();
    expect([...endpoint.route_table_ids].sort()).toEqual(privateTables);
    expect(privateTables).toHaveLength(4);
  });

  it('fits the three AWS environments in the default quota of 5 Elastic IPs per region', () => {
    const eips = AWS_STACKS.map((n) => resources(stack(n), 'aws_eip').length);
    expect(eips.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5);
    expect(resources(prod(), 'aws_nat_gateway')).toHaveLength(3);
  });

  it('lets spot node groups draw on several interchangeable instance types', () => {
    const general = resources(prod(), 'aws_eks_node_group').find((g) => g.capacity_type === 'SPOT')!;
    expect(general.instance_types.length).toBeGreaterThanOrEqual(3);
    expect(general.instance_types).toEqual(spotInstanceTypes('c5.xlarge'));
    expect(spotInstanceTypes('c5.xlarge')).toEqual(['c5.xlarge', 'c5a.xlarge', 'c6i.xlarge', 'c6a.xlarge', 'c7i.xlarge']);
    expect(spotInstanceTypes('x2iedn.xlarge')).toEqual(['x2iedn.xlarge']);
    for (const g of resources(prod(), 'aws_eks_node_group').filter((g) => g.capacity_type === 'ON_DEMAND')) expect(g.instance_types).toHaveLength(1);
  });
});

describe('AWS: state', () => {
  it('encrypts each environment state with its own KMS key', () => {
    const keys = AWS_STACKS.map((n) => stack(n).terraform.backend.s3.kms_key_id);
    expect(keys).toEqual(['alias/ceres-terraform-state-dev', 'alias/ceres-terraform-state-staging', 'alias/ceres-terraform-state-prod']);
    for (const n of AWS_STACKS) expect(stack(n).terraform.backend.s3).toMatchObject({ encrypt: true, key: `${n}/terraform.tfstate` });
  });
});
