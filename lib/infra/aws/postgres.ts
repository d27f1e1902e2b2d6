import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { SLOW_QUERY_MS } from '../../core/alerting';
import { managedPolicy, serviceTrustPolicy } from './policies';

/** The PostgreSQL logs RDS exports to CloudWatch Logs. */
export const RDS_POSTGRES_LOG_EXPORTS = ['postgresql', 'upgrade'] as const;

export interface AwsPostgresProps {
  /** Instance identifier. */
  readonly name: string;
  /** VPC of the instance's security group. */
  readonly vpcId: string;
  /** Data subnets (one per AZ) for the DB subnet group. */
  readonly subnetIds: string[];
  /** CIDRs allowed to connect on 5432 (the node subnets: never public subnets). */
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
  /** KMS key of the exported log groups (the stack's log key). */
  readonly logKmsKeyArn: string;
  /**
   * Retention of the exported logs, in days.
   * @default 90
   */
  readonly logRetentionDays?: number;
  /**
   * Enhanced Monitoring granularity in seconds (OS metrics); 0 turns it off.
   * @default 60
   */
  readonly monitoringIntervalSeconds?: 0 | 1 | 5 | 10 | 15 | 30 | 60;
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * RDS PostgreSQL: Multi-AZ when asked (HA environments), private (data subnets, no public access), KMS-encrypted storage and
 * Performance Insights, TLS forced by the parameter group, IAM database authentication, the master password
 * managed by RDS in Secrets Manager (never in Terraform state or JSON), deletion protection, a final
 * snapshot, log exports into log groups we own (retention, KMS) and Enhanced Monitoring.
 */
export class AwsPostgres extends Construct {
  public readonly instance: DbInstance;
  public readonly key: KmsKey;
  /** The instance identifier (a literal: alarms and topics are named after it). */
  public readonly name: string;
  /** The exported log groups, in the order of RDS_POSTGRES_LOG_EXPORTS (`postgresql` first). */
  public readonly logGroups: CloudwatchLogGroup[];

  constructor(scope: Construct, id: string, props: AwsPostgresProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    this.name = props.name;
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
      description: `PostgreSQL ${props.name}: 5432 from the node subnets only`,
      vpcId: props.vpcId,
      ingress: [{ description: 'PostgreSQL from the node subnets', protocol: 'tcp', fromPort: 5432, toPort: 5432, cidrBlocks: props.allowedCidrs }],
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
        { name: 'log_min_duration_statement', value: String(SLOW_QUERY_MS) },
        { name: 'log_statement', value: 'ddl' },
      ],
      tags,
    });

    // RDS creates /aws/rds/instance/<id>/<log> on first export, without retention or encryption; owning the
    // groups (created before the instance) sets both.
    const logGroups = (this.logGroups = RDS_POSTGRES_LOG_EXPORTS.map(
      (log) =>
        new CloudwatchLogGroup(this, `${log}-logs`, {
          name: `/aws/rds/instance/${props.name}/${log}`,
          retentionInDays: props.logRetentionDays ?? 90,
          kmsKeyId: props.logKmsKeyArn,
          tags,
        }),
    ));
    const interval = props.monitoringIntervalSeconds ?? 60;
    let monitoringRoleArn: string | undefined;
    const monitoringDependencies = [];
    if (interval > 0) {
      const role = new IamRole(this, 'monitoring-role', {
        name: `${props.name}-monitoring`,
        assumeRolePolicy: serviceTrustPolicy('monitoring.rds.amazonaws.com'),
        tags,
      });
      monitoringDependencies.push(
        new IamRolePolicyAttachment(this, 'monitoring-policy', {
          role: role.name,
          policyArn: managedPolicy('service-role/AmazonRDSEnhancedMonitoringRole'),
        }),
      );
      monitoringRoleArn = role.arn;
    }

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
      enabledCloudwatchLogsExports: [...RDS_POSTGRES_LOG_EXPORTS],
      monitoringInterval: interval,
      monitoringRoleArn,
      autoMinorVersionUpgrade: true,
      caCertIdentifier: 'rds-ca-rsa2048-g1',
      tags,
      dependsOn: [...logGroups, ...monitoringDependencies],
    });
  }

  /** `host:port` of the writer endpoint. */
  public get endpoint(): string {
    return this.instance.endpoint;
  }

  /** Host name of the writer endpoint (what the private `postgres.<cluster>.internal` record points to). */
  public get address(): string {
    return this.instance.address;
  }
}
