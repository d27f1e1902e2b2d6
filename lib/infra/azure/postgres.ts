import { Construct } from 'constructs';
import { ManagementLock } from '@cdktf/provider-azurerm/lib/management-lock';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting';
import { PostgresqlFlexibleServer } from '@cdktf/provider-azurerm/lib/postgresql-flexible-server';
import { PostgresqlFlexibleServerActiveDirectoryAdministrator } from '@cdktf/provider-azurerm/lib/postgresql-flexible-server-active-directory-administrator';
import { PostgresqlFlexibleServerConfiguration } from '@cdktf/provider-azurerm/lib/postgresql-flexible-server-configuration';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link';
import { SLOW_QUERY_MS } from '../../core/alerting';

export interface AzurePostgresProps {
  /** Flexible server name, also the first label of its private host name. */
  readonly name: string;
  /** Resource group of the server and its private DNS zone. */
  readonly resourceGroupName: string;
  /** Azure location of the server. */
  readonly location: string;
  /** Subnet delegated to `Microsoft.DBforPostgreSQL/flexibleServers`. */
  readonly delegatedSubnetId: string;
  /** VNet linked to the server's private DNS zone. */
  readonly virtualNetworkId: string;
  /** Entra ID tenant: authentication is Entra ID only (no password exists). */
  readonly tenantId: string;
  /** The Entra ID group administering the server. */
  readonly adminGroup: { readonly objectId: string; readonly name: string };
  /**
   * PostgreSQL major version.
   * @default '16'
   */
  readonly version?: string;
  /**
   * SKU (General Purpose or Memory Optimized: Burstable has no high availability).
   * @default 'GP_Standard_D2ds_v5'
   */
  readonly skuName?: string;
  /**
   * Storage in MiB.
   * @default 131072
   */
  readonly storageMb?: number;
  /**
   * Backup retention in days.
   * @default 14
   */
  readonly backupRetentionDays?: number;
  /**
   * Zone-redundant standby and geo-redundant backups (HA environments).
   * @default true
   */
  readonly highAvailability?: boolean;
  /** Log Analytics workspace receiving the server logs. */
  readonly logAnalyticsWorkspaceId: string;
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/** Server parameters: TLS only, connection and DDL logging (Azure's equivalent of the RDS parameter group). */
export const AZURE_POSTGRES_PARAMETERS: Readonly<Record<string, string>> = {
  require_secure_transport: 'on',
  ssl_min_protocol_version: 'TLSv1.2',
  log_connections: 'on',
  log_disconnections: 'on',
  log_checkpoints: 'on',
  log_statement: 'ddl',
  log_min_duration_statement: String(SLOW_QUERY_MS),
};

/**
 * PostgreSQL Flexible Server: VNet-integrated (delegated subnet + private DNS zone, public network access
 * disabled), zone-redundant HA and geo-redundant backups in HA environments, server logs to Log Analytics, Entra ID authentication only, TLS required, and a
 * CanNotDelete lock (Azure's deletion protection).
 */
export class AzurePostgres extends Construct {
  public readonly server: PostgresqlFlexibleServer;

  constructor(scope: Construct, id: string, props: AzurePostgresProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    const base = { resourceGroupName: props.resourceGroupName };
    const ha = props.highAvailability ?? true;
    const zone = new PrivateDnsZone(this, 'dns-zone', {
      ...base,
      name: `${props.name}.private.postgres.database.azure.com`,
      tags,
    });
    const link = new PrivateDnsZoneVirtualNetworkLink(this, 'dns-link', {
      ...base,
      name: `${props.name}-vnet`,
      privateDnsZoneName: zone.name,
      virtualNetworkId: props.virtualNetworkId,
      registrationEnabled: false,
      tags,
    });
    this.server = new PostgresqlFlexibleServer(this, 'server', {
      ...base,
      name: props.name,
      location: props.location,
      version: props.version ?? '16',
      skuName: props.skuName ?? 'GP_Standard_D2ds_v5',
      storageMb: props.storageMb ?? 131072,
      autoGrowEnabled: true,
      zone: '1',
      highAvailability: ha ? { mode: 'ZoneRedundant', standbyAvailabilityZone: '2' } : undefined,
      backupRetentionDays: props.backupRetentionDays ?? 14,
      geoRedundantBackupEnabled: ha,
      delegatedSubnetId: props.delegatedSubnetId,
      privateDnsZoneId: zone.id,
      publicNetworkAccessEnabled: false,
      authentication: { activeDirectoryAuthEnabled: true, passwordAuthEnabled: false, tenantId: props.tenantId },
      maintenanceWindow: { dayOfWeek: 0, startHour: 3, startMinute: 0 },
      tags,
      dependsOn: [link],
      lifecycle: { ignoreChanges: ['zone', 'high_availability[0].standby_availability_zone'] },
    });
    new PostgresqlFlexibleServerActiveDirectoryAdministrator(this, 'entra-admin', {
      ...base,
      serverName: this.server.name,
      tenantId: props.tenantId,
      objectId: props.adminGroup.objectId,
      principalName: props.adminGroup.name,
      principalType: 'Group',
    });
    for (const [name, value] of Object.entries(AZURE_POSTGRES_PARAMETERS)) {
      new PostgresqlFlexibleServerConfiguration(this, `parameter-${name}`, { serverId: this.server.id, name, value });
    }
    new MonitorDiagnosticSetting(this, 'logs', {
      name: 'postgresql-logs',
      targetResourceId: this.server.id,
      logAnalyticsWorkspaceId: props.logAnalyticsWorkspaceId,
      enabledLog: [{ category: 'PostgreSQLLogs' }],
    });
    new ManagementLock(this, 'lock', {
      name: `${props.name}-no-delete`,
      scope: this.server.id,
      lockLevel: 'CanNotDelete',
      notes: 'CERES: databases are deletion-protected; remove the lock deliberately first.',
    });
  }

  public get fqdn(): string {
    return this.server.fqdn;
  }
}
