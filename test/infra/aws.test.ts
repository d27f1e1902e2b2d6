import { PLATFORM_DATABASE } from '../../lib/core/database-topology';
import { Testing } from 'cdktf';
import { synthesizeInfra } from '../../apps/infra/main';
import { EKS_LOG_TYPES } from '../../lib/infra/aws/kubernetes-cluster';
import { KARPENTER_INTERRUPTION_EVENTS } from '../../lib/infra/aws/karpenter';
import { nodeConfig, nodeUserData } from '../../lib/core/node-user-data';
import { NODE_SYSCTLS } from '../../lib/core/node-tuning';
import { defaultFiles, Json, only, platformDatabases, resources, stack, tenantDatabases, withCluster } from './helpers';

const prod = () => stack('prod-aws');

describe('AWS stack: network', () => {
  it('spreads private node and data subnets and public subnets over three AZs', () => {
    const subnets = resources(prod(), 'aws_subnet');
    expect(subnets).toHaveLength(9);
    const azs = new Set(subnets.map((s) => s.availability_zone));
    expect([...azs].sort()).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    for (const s of subnets) expect(s.map_public_ip_on_launch ?? false).toBe(false);
    const publicOnes = subnets.filter((s) => s.tags?.['kubernetes.io/role/elb'] === '1');
    expect(publicOnes).toHaveLength(3);
  });

  it('has a NAT gateway per AZ in HA environments and one in dev', () => {
    expect(resources(prod(), 'aws_nat_gateway')).toHaveLength(3);
    expect(resources(stack('dev-aws'), 'aws_nat_gateway')).toHaveLength(1);
  });

  it('logs all VPC traffic and strips the default security group of every rule', () => {
    expect(only(prod(), 'aws_flow_log')).toMatchObject({ traffic_type: 'ALL', log_destination_type: 'cloud-watch-logs' });
    // The stack's log key, or the key of the DNS query logs in us-east-1 (Route 53 delivers them there).
    for (const group of resources(prod(), 'aws_cloudwatch_log_group')) expect(group.kms_key_id).toMatch(/aws_kms_key\.(public-dns_query-)?log-key/);
    const sg = only(prod(), 'aws_default_security_group');
    expect(sg.ingress).toEqual([]);
    expect(sg.egress).toEqual([]);
  });
});

describe('AWS stack: EKS', () => {
  it('keeps the API endpoint private, logs everything and encrypts Secrets with a rotating key', () => {
    const eks = only(prod(), 'aws_eks_cluster');
    expect(eks.vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: false });
    expect(eks.vpc_config.public_access_cidrs).toBeUndefined();
    expect(eks.enabled_cluster_log_types).toEqual([...EKS_LOG_TYPES]);
    expect(eks.encryption_config.resources).toEqual(['secrets']);
    expect(eks.encryption_config.provider.key_arn).toMatch(/^\$\{aws_kms_key\.eks_secrets-key/);
    expect(eks.deletion_protection).toBe(true);
    // Every symmetric key rotates; KMS refuses rotation of asymmetric keys (the DNSSEC signing key, ECC_NIST_P256).
    for (const key of resources(prod(), 'aws_kms_key'))
      expect(key.enable_key_rotation ?? key.key_usage).toBe(key.key_usage === 'SIGN_VERIFY' ? 'SIGN_VERIFY' : true);
  });

  it('opens the public endpoint only to apiAllowedCidrs', () => {
    const files = synthesizeInfra(withCluster('ceres-prod-aws', { apiAllowedCidrs: ['203.0.113.0/24'] }));
    const eks = only(stack('prod-aws', files), 'aws_eks_cluster');
    expect(eks.vpc_config).toMatchObject({ endpoint_public_access: true, public_access_cidrs: ['203.0.113.0/24'] });
  });

  it('refuses an API open to the whole internet', () => {
    expect(() => synthesizeInfra(withCluster('ceres-prod-aws', { apiAllowedCidrs: ['0.0.0.0/0'] }))).toThrow(/0\.0\.0\.0\/0/);
  });

  it('enforces NetworkPolicies: the VPC CNI add-on runs its network policy agent', () => {
    const cni = resources(prod(), 'aws_eks_addon').find((a) => a.addon_name === 'vpc-cni');
    expect(JSON.parse(cni!.configuration_values)).toEqual({ enableNetworkPolicy: 'true' });
  });

  it('has IRSA (OIDC provider) and the Pod Identity agent', () => {
    // The cluster's own provider (the other providers trust other clusters' issuers: archive readers).
    const own = resources(prod(), 'aws_iam_openid_connect_provider').filter((p) => /aws_eks_cluster\./.test(p.url));
    expect(own).toHaveLength(1);
    expect(own[0].client_id_list).toEqual(['sts.amazonaws.com']);
    expect(resources(prod(), 'aws_eks_addon').map((a) => a.addon_name)).toContain('eks-pod-identity-agent');
  });

  it('creates one managed node group per model pool: system on-demand, general spot, memory on-demand', () => {
    const groups = resources(prod(), 'aws_eks_node_group');
    const byName = Object.fromEntries(groups.map((g) => [g.node_group_name, g]));
    expect(Object.keys(byName).sort()).toEqual(['general', 'memory', 'system']);
    expect(byName.system).toMatchObject({
      capacity_type: 'ON_DEMAND',
      instance_types: ['t3.large'],
      scaling_config: { min_size: 3, desired_size: 3, max_size: 3 },
    });
    expect(byName.general).toMatchObject({ capacity_type: 'SPOT', scaling_config: { min_size: 5, max_size: 20 } });
    expect(byName.general.instance_types[0]).toBe('c5.xlarge');
    expect(byName.memory).toMatchObject({ capacity_type: 'ON_DEMAND', instance_types: ['r5.2xlarge'], scaling_config: { min_size: 2, max_size: 4 } });
    for (const g of groups) expect(g.launch_template.id).toMatch(/aws_launch_template/);
  });

  it('requires IMDSv2 with a hop limit of 1 and encrypts node volumes', () => {
    const templates = resources(prod(), 'aws_launch_template');
    expect(templates).toHaveLength(3);
    for (const lt of templates) {
      expect(lt.metadata_options).toMatchObject({ http_tokens: 'required', http_endpoint: 'enabled' });
      expect([1, 2]).toContain(lt.metadata_options.http_put_response_hop_limit);
      for (const bdm of lt.block_device_mappings) expect(bdm.ebs.encrypted).toBe('true');
    }
  });

  it('tunes nodes with the shared sysctl table and kubelet settings in MIME user data', () => {
    const lt = resources(prod(), 'aws_launch_template').find((t) => t.name === 'ceres-prod-aws-memory') as Json;
    const userData = Buffer.from(lt.user_data, 'base64').toString('utf8');
    expect(userData).toContain('Content-Type: multipart/mixed');
    expect(userData).toContain('Content-Type: application/node.eks.aws');
    expect(userData).toContain('Content-Type: text/x-shellscript');
    for (const s of NODE_SYSCTLS) expect(userData).toContain(`${s.key} = ${s.value}`);
    expect(userData).toContain('net.ipv4.tcp_congestion_control = bbr');
    expect(userData).toContain('cpuManagerPolicy: static');
    expect(userData).toContain('memoryManagerPolicy: Static');
    expect(lt.user_data).toBe(nodeUserData('memory'));
    expect(nodeConfig('general')).toContain('cpuManagerPolicy: none');
  });
});

describe('AWS stack: Karpenter', () => {
  it('has a node role with instance profile and an access entry for its nodes', () => {
    expect(only(prod(), 'aws_iam_instance_profile').name).toBe('ceres-prod-aws-karpenter-node');
    const nodeEntries = resources(prod(), 'aws_eks_access_entry').filter((e) => e.type === 'EC2_LINUX');
    expect(nodeEntries).toHaveLength(1);
    expect(nodeEntries[0].principal_arn).toMatch(/aws_iam_role\.karpenter_node-role/);
  });

  it('feeds an encrypted interruption queue from EventBridge rules for the four event kinds', () => {
    const queue = only(prod(), 'aws_sqs_queue');
    expect(queue.sqs_managed_sse_enabled).toBe(true);
    const rules = resources(prod(), 'aws_cloudwatch_event_rule');
    const sortByJson = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).sort();
    expect(sortByJson(rules.map((r) => JSON.parse(r.event_pattern)))).toEqual(sortByJson(Object.values(KARPENTER_INTERRUPTION_EVENTS)));
    const targets = resources(prod(), 'aws_cloudwatch_event_target');
    expect(targets).toHaveLength(4);
    for (const t of targets) expect(t.arn).toMatch(/^\$\{aws_sqs_queue\..*\.arn\}$/);
    const patterns = rules.map((r) => r.event_pattern).join(' ');
    for (const kind of ['Spot Instance Interruption', 'Rebalance Recommendation', 'State-change', 'AWS Health Event']) {
      expect(patterns).toContain(kind);
    }
  });
});

describe('AWS stack: data services', () => {
  it('runs RDS PostgreSQL Multi-AZ, private, encrypted, deletion-protected, TLS-only, with IAM auth', () => {
    const db = only(prod(), 'aws_db_instance');
    expect(db).toMatchObject({
      engine: 'postgres',
      multi_az: true,
      storage_encrypted: true,
      publicly_accessible: false,
      deletion_protection: true,
      backup_retention_period: 14,
      iam_database_authentication_enabled: true,
      performance_insights_enabled: true,
      manage_master_user_password: true,
      skip_final_snapshot: false,
      final_snapshot_identifier: 'ceres-prod-aws-postgres-final',
    });
    expect(db.kms_key_id).toMatch(/aws_kms_key/);
    expect(db.performance_insights_kms_key_id).toMatch(/aws_kms_key/);
    expect(db.password).toBeUndefined();
    expect(only(prod(), 'aws_db_parameter_group').parameter).toContainEqual({ name: 'rds.force_ssl', value: '1' });
    expect(only(prod(), 'aws_db_subnet_group').subnet_ids.join()).toMatch(/network_data-/);
  });

  it('runs Redis with one primary and two replicas, failover and encryption', () => {
    const redis = only(prod(), 'aws_elasticache_replication_group');
    expect(redis).toMatchObject({
      num_cache_clusters: 3,
      automatic_failover_enabled: true,
      multi_az_enabled: true,
      at_rest_encryption_enabled: 'true',
      transit_encryption_enabled: true,
    });
  });

  it('keeps backups in a private, versioned, KMS-encrypted, TLS-only bucket with a lifecycle', () => {
    const json = prod();
    expect(resources(json, 'aws_s3_bucket_public_access_block')[0]).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    for (const v of resources(json, 'aws_s3_bucket_versioning')) expect(v.versioning_configuration.status).toBe('Enabled');
    for (const o of resources(json, 'aws_s3_bucket_ownership_controls')) expect(o.rule.object_ownership).toBe('BucketOwnerEnforced');
    for (const e of resources(json, 'aws_s3_bucket_server_side_encryption_configuration')) {
      expect(e.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe('aws:kms');
    }
    const rule = resources(json, 'aws_s3_bucket_lifecycle_configuration')[0].rule[0];
    expect(rule.transition.length).toBeGreaterThan(0);
    expect(rule.noncurrent_version_expiration[0].noncurrent_days).toBe(90);
    for (const body of resources(json, 'aws_s3_bucket_policy')) {
      const policy = JSON.parse(body.policy);
      expect(policy.Statement[0]).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    }
  });

  it("binds the platform model's workload identities with Pod Identity: Velero, the platform database, each tenant database, Karpenter", () => {
    const associations = resources(prod(), 'aws_eks_pod_identity_association').map((a) => `${a.namespace}/${a.service_account}`);
    expect(tenantDatabases('prod').length).toBeGreaterThan(0);
    expect(platformDatabases('prod', 'aws')).toEqual(['keycloak/keycloak-db']);
    const own = `${PLATFORM_DATABASE.namespace}/${PLATFORM_DATABASE.name}`;
    expect(associations.sort()).toEqual(
      ['kube-system/karpenter', 'velero/velero-server', own, ...tenantDatabases('prod'), ...platformDatabases('prod', 'aws')].sort(),
    );
    // A tenant not deployed to dev gets no identity there: dev binds exactly the databases of dev's tenants.
    const devTenants = resources(stack('dev-aws'), 'aws_eks_pod_identity_association')
      .map((a) => `${a.namespace}/${a.service_account}`)
      .filter((b) => b.startsWith('tenant-'));
    expect(devTenants.sort()).toEqual(tenantDatabases('dev'));
  });

  it('passes the cdktf Testing matchers too', () => {
    const text = JSON.stringify(prod());
    expect(Testing.toHaveResourceWithProperties(text, 'aws_db_instance', { storage_encrypted: true })).toBe(true);
    expect(defaultFiles().size).toBeGreaterThan(0);
  });
});
