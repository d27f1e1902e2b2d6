import { Construct } from 'constructs';
import { ManagementLock } from '@cdktf/provider-azurerm/lib/management-lock';
import { PostgresqlFlexibleServer } from '@cdktf/provider-azurerm/lib/postgresql-flexible-server';
import { PostgresqlFlexibleServerActiveDirectoryAdministrator } from '@cdktf/provider-azurerm/lib/postgresql-flexible-server-active-directory-administrator';
import { PostgresqlFlexibleServerConfiguration } from '@cdktf/provider-azurerm/lib/postgresql-flexible-server-configuration';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link';

export interface AzurePostgresProps {
  readonly name: string;
  readonly resourceGroupName: string;
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
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * PostgreSQL Flexible Server: VNet-integrated (delegated subnet + private DNS zone, public network access
 * disabled), zone-redundant HA, geo-redundant backups, Entra ID authentication only, TLS required, and a
 * CanNotDelete lock (Azure's deletion protection).
 */
export class AzurePostgres extends Construct {
  public readonly server: PostgresqlFlexibleServer;

  constructor(scope: Construct, id: string, props: AzurePostgresProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    const base = { resourceGroupName: props.resourceGroupName };
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
      highAvailability: { mode: 'ZoneRedundant', standbyAvailabilityZone: '2' },
      backupRetentionDays: props.backupRetentionDays ?? 14,
      geoRedundantBackupEnabled: true,
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
    new PostgresqlFlexibleServerConfiguration(this, 'require-tls', {
      serverId: this.server.id,
      name: 'require_secure_transport',
      value: 'on',
    });
    new PostgresqlFlexibleServerConfiguration(this, 'min-tls', {
      serverId: this.server.id,
      name: 'ssl_min_protocol_version',
      value: 'TLSv1.2',
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
