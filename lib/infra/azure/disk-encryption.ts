import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { DiskEncryptionSet } from '@cdktf/provider-azurerm/lib/disk-encryption-set';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { KeyVaultAccessPolicyA } from '@cdktf/provider-azurerm/lib/key-vault-access-policy';
import { KeyVaultKey } from '@cdktf/provider-azurerm/lib/key-vault-key';

export interface AzureDiskEncryptionProps {
  /** Key Vault name: 3-24 letters, digits and hyphens, globally unique. */
  readonly vaultName: string;
  /** Name of the disk encryption set. */
  readonly name: string;
  /** Resource group of the vault and the encryption set (the cluster's). */
  readonly resourceGroupName: string;
  /** Azure location of the vault and the encryption set. */
  readonly location: string;
  /** Entra ID tenant of the Key Vault (its access policies and RBAC). */
  readonly tenantId: string;
  /** Object id of the principal running Terraform (it creates the key, a data-plane call). */
  readonly terraformObjectId: string;
  /**
   * Public IP ranges allowed through the vault firewall besides trusted Azure services: the egress of the
   * machine running Terraform.
   */
  readonly allowedIpRanges: string[];
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * Customer-managed encryption of the AKS node disks: a Key Vault (purge protection, firewall default-deny
 * with trusted Azure services and the Terraform runner only) holding a rotating RSA key, and a disk
 * encryption set using it with automatic key version rotation.
 *
 * Access policies rather than Azure RBAC: a policy takes effect when Terraform's call returns, while a new
 * role assignment takes minutes to propagate and would make the key creation fail with 403 on first apply.
 */
export class AzureDiskEncryption extends Construct {
  public readonly vault: KeyVault;
  public readonly key: KeyVaultKey;
  public readonly encryptionSet: DiskEncryptionSet;
  /** The set's access to its key: disks (the AKS nodes) can only be created once it exists. */
  public readonly ready: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: AzureDiskEncryptionProps) {
    super(scope, id);
    if (!/^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/.test(props.vaultName)) {
      throw new Error(`Key Vault name '${props.vaultName}': use 3-24 letters, digits and hyphens`);
    }
    const tags = props.tags ?? {};
    const base = { resourceGroupName: props.resourceGroupName, location: props.location };
    this.vault = new KeyVault(this, 'vault', {
      ...base,
      name: props.vaultName,
      tenantId: props.tenantId,
      skuName: 'premium',
      purgeProtectionEnabled: true,
      softDeleteRetentionDays: 90,
      rbacAuthorizationEnabled: false,
      publicNetworkAccessEnabled: true,
      networkAcls: { defaultAction: 'Deny', bypass: 'AzureServices', ipRules: props.allowedIpRanges },
      tags,
    });
    const terraformAccess = new KeyVaultAccessPolicyA(this, 'terraform-access', {
      keyVaultId: this.vault.id,
      tenantId: props.tenantId,
      objectId: props.terraformObjectId,
      keyPermissions: ['Create', 'Delete', 'Get', 'GetRotationPolicy', 'List', 'Recover', 'SetRotationPolicy', 'Update'],
    });
    this.key = new KeyVaultKey(this, 'key', {
      name: `${props.name}-disks`,
      keyVaultId: this.vault.id,
      keyType: 'RSA-HSM',
      keySize: 3072,
      keyOpts: ['unwrapKey', 'wrapKey'],
      rotationPolicy: { automatic: { timeBeforeExpiry: 'P30D' }, expireAfter: 'P1Y', notifyBeforeExpiry: 'P29D' },
      tags,
      dependsOn: [terraformAccess],
    });
    this.encryptionSet = new DiskEncryptionSet(this, 'encryption-set', {
      ...base,
      name: props.name,
      keyVaultKeyId: this.key.versionlessId,
      autoKeyRotationEnabled: true,
      encryptionType: 'EncryptionAtRestWithCustomerKey',
      identity: { type: 'SystemAssigned' },
      tags,
    });
    const setAccess = new KeyVaultAccessPolicyA(this, 'encryption-set-access', {
      keyVaultId: this.vault.id,
      tenantId: this.encryptionSet.identity.tenantId,
      objectId: this.encryptionSet.identity.principalId,
      keyPermissions: ['Get', 'UnwrapKey', 'WrapKey'],
    });
    this.ready.push(setAccess);
  }
}
