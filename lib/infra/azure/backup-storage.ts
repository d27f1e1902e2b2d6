import { Construct } from 'constructs';
import { ManagementLock } from '@cdktf/provider-azurerm/lib/management-lock';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link';
import { PrivateEndpoint } from '@cdktf/provider-azurerm/lib/private-endpoint';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container';

export interface AzureBackupStorageProps {
  /** Storage account name: 3-24 lowercase letters and digits, globally unique. */
  readonly accountName: string;
  /** Resource group of the account and its private endpoint (the cluster's). */
  readonly resourceGroupName: string;
  /** Azure location of the account (the cluster's region). */
  readonly location: string;
  /** Subnet of the blob private endpoint. */
  readonly endpointSubnetId: string;
  /** VNet linked to the `privatelink.blob.core.windows.net` zone. */
  readonly virtualNetworkId: string;
  /** Blob containers to create (the backup store's containers of lib/core/cloud.ts: Velero's and PostgreSQL's). */
  readonly containers: readonly string[];
  /**
   * Replication: geo-zone-redundant by default, for cross-region restores.
   * @default 'GZRS'
   */
  readonly replication?: 'ZRS' | 'GZRS' | 'RAGZRS';
  /**
   * Soft-delete retention of blobs and containers, in days.
   * @default 30
   */
  readonly softDeleteDays?: number;
  /**
   * Public addresses admitted through the firewall besides the private endpoint: other clouds' database
   * sites reading the PostgreSQL archives (their clusters' egress IPs). Public network access stays
   * disabled when there are none.
   * @default none
   */
  readonly allowedIpRanges?: string[];
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * The storage account for backups: TLS 1.2 minimum, HTTPS only, no public blob access, shared keys off
 * (Entra ID only), public network access disabled with a blob private endpoint, infrastructure
 * (double) encryption, blob versioning, change feed and soft delete, and a CanNotDelete lock.
 */
export class AzureBackupStorage extends Construct {
  public readonly account: StorageAccount;
  /** Container per name. */
  public readonly containers: Record<string, StorageContainer> = {};

  constructor(scope: Construct, id: string, props: AzureBackupStorageProps) {
    super(scope, id);
    if (!/^[a-z0-9]{3,24}$/.test(props.accountName)) {
      throw new Error(`storage account name '${props.accountName}': use 3-24 lowercase letters and digits`);
    }
    const tags = props.tags ?? {};
    const base = { resourceGroupName: props.resourceGroupName };
    const retention = props.softDeleteDays ?? 30;
    this.account = new StorageAccount(this, 'account', {
      ...base,
      name: props.accountName,
      location: props.location,
      accountKind: 'StorageV2',
      accountTier: 'Standard',
      accountReplicationType: props.replication ?? 'GZRS',
      accessTier: 'Cool',
      minTlsVersion: 'TLS1_2',
      httpsTrafficOnlyEnabled: true,
      allowNestedItemsToBePublic: false,
      sharedAccessKeyEnabled: false,
      defaultToOauthAuthentication: true,
      // Disabled unless another cloud's database sites read the archives; then only their egress IPs pass the firewall.
      publicNetworkAccessEnabled: (props.allowedIpRanges ?? []).length > 0,
      infrastructureEncryptionEnabled: true,
      crossTenantReplicationEnabled: false,
      // No SFTP/NFS local users, and copies only from accounts of the same Entra tenant.
      localUserEnabled: false,
      allowedCopyScope: 'AAD',
      networkRules: { defaultAction: 'Deny', bypass: ['AzureServices'], ipRules: props.allowedIpRanges?.length ? props.allowedIpRanges : undefined },
      blobProperties: {
        versioningEnabled: true,
        changeFeedEnabled: true,
        deleteRetentionPolicy: { days: retention },
        containerDeleteRetentionPolicy: { days: retention },
      },
      tags,
    });
    if (new Set(props.containers).size !== props.containers.length)
      throw new Error(`storage account '${props.accountName}': container names repeat (${props.containers.join(', ')})`);
    for (const name of props.containers) {
      // storage_account_id: created through Azure Resource Manager, which works without data-plane access;
      // its `id` is then the Resource Manager id (a role assignment scope).
      this.containers[name] = new StorageContainer(this, `container-${name}`, {
        name,
        storageAccountId: this.account.id,
        containerAccessType: 'private',
      });
    }
    const zone = new PrivateDnsZone(this, 'blob-dns-zone', { ...base, name: 'privatelink.blob.core.windows.net', tags });
    new PrivateDnsZoneVirtualNetworkLink(this, 'blob-dns-link', {
      ...base,
      name: `${props.accountName}-blob`,
      privateDnsZoneName: zone.name,
      virtualNetworkId: props.virtualNetworkId,
      tags,
    });
    new PrivateEndpoint(this, 'blob-endpoint', {
      ...base,
      name: `${props.accountName}-blob`,
      location: props.location,
      subnetId: props.endpointSubnetId,
      privateServiceConnection: {
        name: `${props.accountName}-blob`,
        isManualConnection: false,
        privateConnectionResourceId: this.account.id,
        subresourceNames: ['blob'],
      },
      privateDnsZoneGroup: { name: 'blob', privateDnsZoneIds: [zone.id] },
      tags,
    });
    new ManagementLock(this, 'lock', {
      name: `${props.accountName}-no-delete`,
      scope: this.account.id,
      lockLevel: 'CanNotDelete',
      notes: 'CERES: backups are deletion-protected; remove the lock deliberately first.',
    });
  }
}
