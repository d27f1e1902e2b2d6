import { Construct } from 'constructs';
import { S3Backend, TerraformVariable } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { PlatformStack, PlatformStackProps } from '../platform-stack';
import { AwsBackupBucket } from './backup-bucket';
import { KarpenterAwsResources } from './karpenter';
import { AwsKubernetesCluster } from './kubernetes-cluster';
import { AwsLogEncryptionKey } from './log-encryption-key';
import { AwsNetwork } from './network';
import { AwsNodeGroup } from './node-group';
import { AwsNodeRole } from './node-role';
import { AwsPostgres } from './postgres';
import { AwsRedis } from './redis';
import { AwsWorkloadRoles } from './workload-roles';

export type AwsPlatformStackProps = PlatformStackProps;

/**
 * An environment's AWS infrastructure (the design's primary): VPC, EKS with managed node groups per model
 * pool and Karpenter's AWS resources, RDS PostgreSQL, ElastiCache Redis and the backup bucket.
 */
export class AwsPlatformStack extends PlatformStack {
  public readonly network: AwsNetwork;
  public readonly kubernetes: AwsKubernetesCluster;
  public readonly postgres: AwsPostgres;
  public readonly redis: AwsRedis;
  public readonly backups: AwsBackupBucket;

  constructor(scope: Construct, props: AwsPlatformStackProps) {
    super(scope, 'aws', props);
    const { cluster, environment } = props;
    const region = cluster.region;
    const tags = this.tags;
    const ha = environment.sizing.ha;

    new S3Backend(this, {
      bucket: this.state.bucket,
      key: this.state.key,
      region,
      encrypt: true,
    });
    // S3-native state locking (Terraform >= 1.10); cdktf 0.21's S3BackendConfig predates the field.
    this.addOverride('terraform.backend.s3.use_lockfile', true);
    new AwsProvider(this, 'aws', { region, defaultTags: [{ tags }] });

    const redisAuthToken = new TerraformVariable(this, 'redis_auth_token', {
      type: 'string',
      sensitive: true,
      nullable: false,
      description: 'ElastiCache AUTH token (16-128 printable characters); pass with TF_VAR_redis_auth_token from the secret store.',
    });

    if (!cluster.networkCidr) throw new Error(`cluster '${cluster.name}' needs a networkCidr`);
    const logKey = new AwsLogEncryptionKey(this, 'log-key', { name: cluster.name, region });
    this.network = new AwsNetwork(this, 'network', {
      logKmsKeyArn: logKey.arn,
      name: cluster.name,
      clusterName: cluster.name,
      cidr: cluster.networkCidr,
      availabilityZones: ['a', 'b', 'c'].map((z) => `${region}${z}`),
      natGatewayPerAz: ha,
    });
    const nodeSubnetIds = this.network.nodeSubnets.map((s) => s.id);
    const dataSubnetIds = this.network.dataSubnets.map((s) => s.id);

    this.kubernetes = new AwsKubernetesCluster(this, 'eks', {
      name: cluster.name,
      kubernetesVersion: cluster.kubernetesVersion,
      subnetIds: nodeSubnetIds,
      apiAllowedCidrs: cluster.apiAllowedCidrs,
      logKmsKeyArn: logKey.arn,
    });

    const nodeRole = new AwsNodeRole(this, 'node-role', { name: `${cluster.name}-node` });
    for (const pool of cluster.nodePools) {
      new AwsNodeGroup(this, `pool-${pool.name}`, {
        namePrefix: cluster.name,
        clusterName: this.kubernetes.cluster.name,
        pool,
        nodeRoleArn: nodeRole.arn,
        subnetIds: nodeSubnetIds,
        dependsOn: nodeRole.attachments,
      });
    }

    new KarpenterAwsResources(this, 'karpenter', {
      namePrefix: cluster.name,
      clusterName: this.kubernetes.cluster.name,
      clusterArn: this.kubernetes.cluster.arn,
      region,
    });

    this.postgres = new AwsPostgres(this, 'postgres', {
      name: `${cluster.name}-postgres`,
      vpcId: this.network.vpc.id,
      subnetIds: dataSubnetIds,
      allowedCidrs: [cluster.networkCidr],
      instanceClass: ha ? 'db.r6g.large' : 'db.t4g.medium',
    });
    this.redis = new AwsRedis(this, 'redis', {
      name: `${cluster.name}-redis`,
      vpcId: this.network.vpc.id,
      subnetIds: dataSubnetIds,
      allowedCidrs: [cluster.networkCidr],
      authToken: redisAuthToken.stringValue,
      nodeType: ha ? 'cache.r7g.large' : 'cache.t4g.medium',
    });
    this.backups = new AwsBackupBucket(this, 'backups', { bucketName: `${cluster.name}-backups-${region}` });

    new AwsWorkloadRoles(this, 'workload-roles', {
      namePrefix: cluster.name,
      clusterName: this.kubernetes.cluster.name,
      backupBucketArn: this.backups.bucket.arn,
      backupKeyArn: this.backups.key.arn,
    });

    this.addPlatformOutputs(
      {
        clusterName: this.kubernetes.cluster.name,
        clusterEndpoint: this.kubernetes.endpoint,
        clusterCaCertificate: this.kubernetes.certificateAuthority,
        region,
        databaseEndpoint: this.postgres.endpoint,
        backupBucket: this.backups.bucketName,
      },
      {
        redis_endpoint: [this.redis.endpoint, 'ElastiCache Redis primary endpoint (TLS, AUTH).'],
        oidc_provider_arn: [this.kubernetes.oidcProvider.arn, 'IAM OIDC provider of the cluster (IRSA).'],
      },
    );
  }
}
