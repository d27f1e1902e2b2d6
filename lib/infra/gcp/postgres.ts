import { Construct } from 'constructs';
import { SqlDatabaseInstance } from '@cdktf/provider-google/lib/sql-database-instance';
import type { ITerraformDependable } from 'cdktf';

export interface GcpPostgresProps {
  readonly name: string;
  readonly project: string;
  readonly region: string;
  /** VPC the private IP lives in. */
  readonly networkId: string;
  /** The service networking connection the private IP needs. */
  readonly privateServicesConnection: ITerraformDependable;
  /**
   * Cloud SQL version.
   * @default 'POSTGRES_16'
   */
  readonly databaseVersion?: string;
  /**
   * Machine tier.
   * @default 'db-custom-2-7680'
   */
  readonly tier?: string;
  /**
   * Disk size in GB (grows automatically).
   * @default 100
   */
  readonly diskSizeGb?: number;
  /**
   * Backups kept.
   * @default 14
   */
  readonly retainedBackups?: number;
  /** User labels. @default {} */
  readonly labels?: Record<string, string>;
}

/**
 * Cloud SQL for PostgreSQL: private IP only (no public IPv4), TLS only, regional HA, daily backups with
 * point-in-time recovery, IAM database authentication, deletion protection (both Terraform's and the API's).
 */
export class GcpPostgres extends Construct {
  public readonly instance: SqlDatabaseInstance;

  constructor(scope: Construct, id: string, props: GcpPostgresProps) {
    super(scope, id);
    this.instance = new SqlDatabaseInstance(this, 'instance', {
      name: props.name,
      project: props.project,
      region: props.region,
      databaseVersion: props.databaseVersion ?? 'POSTGRES_16',
      deletionProtection: true,
      settings: {
        tier: props.tier ?? 'db-custom-2-7680',
        edition: 'ENTERPRISE',
        availabilityType: 'REGIONAL',
        diskType: 'PD_SSD',
        diskSize: props.diskSizeGb ?? 100,
        diskAutoresize: true,
        deletionProtectionEnabled: true,
        ipConfiguration: {
          ipv4Enabled: false,
          privateNetwork: props.networkId,
          sslMode: 'ENCRYPTED_ONLY',
        },
        backupConfiguration: {
          enabled: true,
          pointInTimeRecoveryEnabled: true,
          startTime: '02:00',
          transactionLogRetentionDays: 7,
          backupRetentionSettings: { retainedBackups: props.retainedBackups ?? 14, retentionUnit: 'COUNT' },
        },
        databaseFlags: [
          { name: 'cloudsql.iam_authentication', value: 'on' },
          { name: 'log_connections', value: 'on' },
          { name: 'log_disconnections', value: 'on' },
        ],
        insightsConfig: { queryInsightsEnabled: true },
        maintenanceWindow: { day: 7, hour: 3, updateTrack: 'stable' },
        userLabels: props.labels ?? {},
      },
      dependsOn: [props.privateServicesConnection],
    });
  }

  /** Private IP address. */
  public get privateIp(): string {
    return this.instance.privateIpAddress;
  }
}
