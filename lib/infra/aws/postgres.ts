import { Construct } from 'constructs';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';

export interface AwsPostgresProps {
  /** Instance identifier. */
  readonly name: string;
  readonly vpcId: string;
  /** Data subnets (one per AZ) for the DB subnet group. */
  readonly subnetIds: string[];
  /** CIDRs allowed to connect on 5432 (the VPC). */
  readonly allowedCidrs: string[];
  /**
   * PostgreSQL major version.
   * @default '16'
   */
  readonly engineVersion?: string;
  /**
   * Instance class.
   * @default 'db.r6g.large'
   */
  readonly instanceClass?: string;
  /**
   * Allocated storage in GiB; storage autoscaling goes up to ten times this.
   * @default 100
   */
  readonly allocatedStorageGiB?: number;
  /**
   * Automated backup retention in days.
   * @default 14
   */
  readonly backupRetentionDays?: number;
  /**
   * Standby in a second AZ with synchronous replication.
   * @default true
   */
  readonly multiAz?: boolean;
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * RDS PostgreSQL: Multi-AZ, private (data subnets, no public access), KMS-encrypted storage and
 * Performance Insights, TLS forced by the parameter group, IAM database authentication, the master password
 * managed by RDS in Secrets Manager (never in Terraform state or JSON), deletion protection and a final
 * snapshot.
 */
export class AwsPostgres extends Construct {
  public readonly instance: DbInstance;
  public readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: AwsPostgresProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    const version = props.engineVersion ?? '16';
    const major = version.split('.')[0];

    this.key = new KmsKey(this, 'key', {
      description: `RDS ${props.name} storage, Performance Insights and master secret`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags,
    });
    const subnets = new DbSubnetGroup(this, 'subnets', {
      name: props.name,
      subnetIds: props.subnetIds,
      description: `${props.name} data subnets`,
      tags,
    });
    const sg = new SecurityGroup(this, 'security-group', {
      name: `${props.name}-postgres`,
      description: `PostgreSQL ${props.name}: 5432 from the VPC only`,
      vpcId: props.vpcId,
      ingress: [{ description: 'PostgreSQL from the VPC', protocol: 'tcp', fromPort: 5432, toPort: 5432, cidrBlocks: props.allowedCidrs }],
      egress: [],
      tags,
    });
    const params = new DbParameterGroup(this, 'parameters', {
      name: `${props.name}-postgres${major}`,
      family: `postgres${major}`,
      description: `${props.name}: TLS only, connection logging`,
      parameter: [
        { name: 'rds.force_ssl', value: '1' },
        { name: 'log_connections', value: '1' },
        { name: 'log_disconnections', value: '1' },
        { name: 'log_min_duration_statement', value: '1000' },
      ],
      tags,
    });

    const storage = props.allocatedStorageGiB ?? 100;
    this.instance = new DbInstance(this, 'instance', {
      identifier: props.name,
      engine: 'postgres',
      engineVersion: version,
      instanceClass: props.instanceClass ?? 'db.r6g.large',
      allocatedStorage: storage,
      maxAllocatedStorage: storage * 10,
      storageType: 'gp3',
      storageEncrypted: true,
      kmsKeyId: this.key.arn,
      multiAz: props.multiAz ?? true,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [sg.id],
      publiclyAccessible: false,
      parameterGroupName: params.name,
      username: 'ceres_admin',
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: this.key.arn,
      iamDatabaseAuthenticationEnabled: true,
      backupRetentionPeriod: props.backupRetentionDays ?? 14,
      backupWindow: '02:00-03:00',
      maintenanceWindow: 'sun:03:30-sun:04:30',
      copyTagsToSnapshot: true,
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `${props.name}-final`,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: this.key.arn,
      performanceInsightsRetentionPeriod: 7,
      enabledCloudwatchLogsExports: ['postgresql', 'upgrade'],
      autoMinorVersionUpgrade: true,
      caCertIdentifier: 'rds-ca-rsa2048-g1',
      tags,
    });
  }

  /** `host:port` of the writer endpoint. */
  public get endpoint(): string {
    return this.instance.endpoint;
  }
}
