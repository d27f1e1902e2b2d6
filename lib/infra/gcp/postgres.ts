import { Construct } from 'constructs';
import { SqlDatabaseInstance } from '@cdktf/provider-google/lib/sql-database-instance';
import type { ITerraformDependable } from 'cdktf';

export interface GcpPostgresProps {
  /** Cloud SQL instance name. */
  readonly name: string;
  /** GCP project id. */
  readonly project: string;
  /** GCP region of the instance. */
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
  /**
   * Regional (a standby in a second zone) or zonal.
   * @default true
   */
  readonly highAvailability?: boolean;
  /** Where backups are stored: a multi-region (`eu`), so they survive the loss of the instance's region. @default Cloud SQL's choice */
  readonly backupLocation?: string;
  /** User labels. @default {} */
  readonly labels?: Record<string, string>;
}

/**
 * Database flags: IAM authentication, the CIS GCP 6.2 logging flags and pgAudit (DDL and role changes;
 * run `CREATE EXTENSION pgaudit` in each database to start auditing it).
 */
export const CLOUD_SQL_FLAGS: Readonly<Record<string, string>> = {
  'cloudsql.iam_authentication': 'on',
  'cloudsql.enable_pgaudit': 'on',
  'pgaudit.log': 'ddl,role',
  log_connections: 'on',
  log_disconnections: 'on',
  log_error_verbosity: 'default',
  log_statement: 'ddl',
  log_min_messages: 'warning',
  log_min_error_statement: 'error',
  log_min_duration_statement: '-1',
};

/**
 * Cloud SQL for PostgreSQL: private IP only (no public IPv4), TLS only, regional HA where asked, daily backups
 * with point-in-time recovery, pgAudit and the CIS logging flags, IAM database authentication, deletion protection (both Terraform's and the API's).
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
        availabilityType: (props.highAvailability ?? true) ? 'REGIONAL' : 'ZONAL',
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
          location: props.backupLocation,
          backupRetentionSettings: { retainedBackups: props.retainedBackups ?? 14, retentionUnit: 'COUNT' },
        },
        databaseFlags: Object.entries(CLOUD_SQL_FLAGS).map(([name, value]) => ({ name, value })),
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
