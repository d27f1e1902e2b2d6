import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { ElasticacheReplicationGroup } from '@cdktf/provider-aws/lib/elasticache-replication-group';
import { ElasticacheSubnetGroup } from '@cdktf/provider-aws/lib/elasticache-subnet-group';
import { ElasticacheUser } from '@cdktf/provider-aws/lib/elasticache-user';
import { ElasticacheUserGroup } from '@cdktf/provider-aws/lib/elasticache-user-group';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';

export interface AwsRedisProps {
  /** Replication group id. */
  readonly name: string;
  /** VPC of the replication group's security group. */
  readonly vpcId: string;
  /** Data subnets, one per AZ. */
  readonly subnetIds: string[];
  /** CIDRs allowed to connect on 6379 (the node subnets: never public subnets). */
  readonly allowedCidrs: string[];
  /** KMS key of the slow-log and engine-log groups (the stack's log key). */
  readonly logKmsKeyArn: string;
  /**
   * Retention of the slow and engine logs, in days.
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Node type.
   * @default 'cache.r7g.large'
   */
  readonly nodeType?: string;
  /**
   * Nodes: one primary plus replicas, spread over the AZs. With 2 or more, failover is automatic and
   * Multi-AZ; a single node (dev) has neither.
   * @default 3
   */
  readonly nodes?: number;
  /**
   * Redis engine version.
   * @default '7.1'
   */
  readonly engineVersion?: string;
  /**
   * Daily snapshots kept.
   * @default 7
   */
  readonly snapshotRetentionDays?: number;
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * ElastiCache Redis: a replication group of one primary and replicas across AZs with automatic failover,
 * KMS encryption at rest, TLS in transit, and IAM authentication instead of an AUTH token: clients connect as
 * the user `<name>-app` with a SigV4 token (`elasticache:Connect`), the `default` user is switched off, and no
 * secret exists in Terraform state. Slow and engine logs go to KMS-encrypted log groups.
 */
export class AwsRedis extends Construct {
  public readonly group: ElasticacheReplicationGroup;
  /** The IAM-authenticated user clients connect as (user name = user id). */
  public readonly appUser: ElasticacheUser;

  constructor(scope: Construct, id: string, props: AwsRedisProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    const nodes = props.nodes ?? 3;
    if (nodes < 1 || nodes > 6) throw new Error(`AwsRedis '${props.name}': use 1 to 6 nodes (one primary, up to 5 replicas)`);
    const failover = nodes >= 2;

    const key = new KmsKey(this, 'key', {
      description: `ElastiCache ${props.name} at-rest encryption`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags,
    });
    const subnets = new ElasticacheSubnetGroup(this, 'subnets', {
      name: props.name,
      subnetIds: props.subnetIds,
      description: `${props.name} data subnets`,
      tags,
    });
    const sg = new SecurityGroup(this, 'security-group', {
      name: `${props.name}-redis`,
      description: `Redis ${props.name}: 6379 from the node subnets only`,
      vpcId: props.vpcId,
      ingress: [{ description: 'Redis TLS from the node subnets', protocol: 'tcp', fromPort: 6379, toPort: 6379, cidrBlocks: props.allowedCidrs }],
      egress: [],
      tags,
    });
    // IAM authentication: the user id must equal the user name. The mandatory `default` user is disabled.
    const disabledDefault = new ElasticacheUser(this, 'default-user', {
      userId: `${props.name}-default`,
      userName: 'default',
      engine: 'redis',
      accessString: 'off -@all',
      authenticationMode: { type: 'no-password-required' },
      tags,
    });
    this.appUser = new ElasticacheUser(this, 'app-user', {
      userId: `${props.name}-app`,
      userName: `${props.name}-app`,
      engine: 'redis',
      accessString: 'on ~* +@all -@dangerous',
      authenticationMode: { type: 'iam' },
      tags,
    });
    const users = new ElasticacheUserGroup(this, 'users', {
      userGroupId: `${props.name}-users`,
      engine: 'redis',
      userIds: [disabledDefault.userId, this.appUser.userId],
      tags,
    });
    const logs = (['slow-log', 'engine-log'] as const).map((logType) => ({
      logType,
      group: new CloudwatchLogGroup(this, logType, {
        name: `/aws/elasticache/${props.name}/${logType}`,
        retentionInDays: props.logRetentionDays ?? 30,
        kmsKeyId: props.logKmsKeyArn,
        tags,
      }),
    }));

    this.group = new ElasticacheReplicationGroup(this, 'replication-group', {
      replicationGroupId: props.name,
      description: `CERES cache ${props.name}`,
      engine: 'redis',
      engineVersion: props.engineVersion ?? '7.1',
      nodeType: props.nodeType ?? 'cache.r7g.large',
      numCacheClusters: nodes,
      port: 6379,
      automaticFailoverEnabled: failover,
      multiAzEnabled: failover,
      atRestEncryptionEnabled: 'true',
      kmsKeyId: key.arn,
      transitEncryptionEnabled: true,
      userGroupIds: [users.userGroupId],
      logDeliveryConfiguration: logs.map(({ logType, group }) => ({
        logType,
        destinationType: 'cloudwatch-logs',
        destination: group.name,
        logFormat: 'json',
      })),
      subnetGroupName: subnets.name,
      securityGroupIds: [sg.id],
      snapshotRetentionLimit: props.snapshotRetentionDays ?? 7,
      snapshotWindow: '01:00-02:00',
      maintenanceWindow: 'sun:04:30-sun:05:30',
      autoMinorVersionUpgrade: 'true',
      tags,
    });
  }

  /** Primary endpoint host. */
  public get endpoint(): string {
    return this.group.primaryEndpointAddress;
  }
}
