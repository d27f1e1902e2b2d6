import { Construct } from 'constructs';
import { ElasticacheReplicationGroup } from '@cdktf/provider-aws/lib/elasticache-replication-group';
import { ElasticacheSubnetGroup } from '@cdktf/provider-aws/lib/elasticache-subnet-group';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';

export interface AwsRedisProps {
  /** Replication group id. */
  readonly name: string;
  readonly vpcId: string;
  /** Data subnets, one per AZ. */
  readonly subnetIds: string[];
  /** CIDRs allowed to connect on 6379 (the VPC). */
  readonly allowedCidrs: string[];
  /**
   * The AUTH token: a reference to a sensitive Terraform variable or a Secrets Manager value, never a
   * literal.
   */
  readonly authToken: string;
  /**
   * Node type.
   * @default 'cache.r7g.large'
   */
  readonly nodeType?: string;
  /**
   * Nodes: one primary plus replicas, spread over the AZs.
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
 * ElastiCache Redis: a replication group of one primary and two replicas across AZs, automatic failover,
 * KMS encryption at rest, TLS in transit, AUTH token from a secret input.
 */
export class AwsRedis extends Construct {
  public readonly group: ElasticacheReplicationGroup;

  constructor(scope: Construct, id: string, props: AwsRedisProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    const nodes = props.nodes ?? 3;
    if (nodes < 2) throw new Error(`AwsRedis '${props.name}': automatic failover needs at least 2 nodes`);

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
      description: `Redis ${props.name}: 6379 from the VPC only`,
      vpcId: props.vpcId,
      ingress: [{ description: 'Redis TLS from the VPC', protocol: 'tcp', fromPort: 6379, toPort: 6379, cidrBlocks: props.allowedCidrs }],
      egress: [],
      tags,
    });
    this.group = new ElasticacheReplicationGroup(this, 'replication-group', {
      replicationGroupId: props.name,
      description: `CERES cache ${props.name}`,
      engine: 'redis',
      engineVersion: props.engineVersion ?? '7.1',
      nodeType: props.nodeType ?? 'cache.r7g.large',
      numCacheClusters: nodes,
      port: 6379,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      atRestEncryptionEnabled: 'true',
      kmsKeyId: key.arn,
      transitEncryptionEnabled: true,
      authToken: props.authToken,
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
