import { Construct } from 'constructs';
import { FederatedIdentityCredential } from '@cdktf/provider-azurerm/lib/federated-identity-credential';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link';
import { PrivateEndpoint } from '@cdktf/provider-azurerm/lib/private-endpoint';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import type { ClusterConfig, EnvironmentConfig } from '../../core/model';
import { cloudSecretLocation, SECRET_READER_SERVICE_ACCOUNT, TenantSecretReader } from '../../core/secret-store';
import { fittedName } from '../facts';

/** The role a tenant's reader holds on its own Key Vault: read secret values, nothing else. */
export const SECRET_READER_ROLE = 'Key Vault Secrets User';

export interface AzureSecretReadersProps {
  /** The environment (the model derives the vault names from it and the cluster). */
  readonly environment: EnvironmentConfig;
  /** The cluster. */
  readonly cluster: ClusterConfig & { cloud: 'azure' };
  /** Resource group of the vaults and identities. */
  readonly resourceGroupName: string;
  /** Azure location. */
  readonly location: string;
  /** Entra ID tenant of the vaults. */
  readonly tenantId: string;
  /** The AKS OIDC issuer URL. */
  readonly oidcIssuerUrl: string;
  /** Subnet of the private endpoints. */
  readonly endpointSubnetId: string;
  /** The VNet the private DNS zone is linked to. */
  readonly virtualNetworkId: string;
  /** The tenants reading secrets on the cluster (the platform model's readers). */
  readonly readers: readonly TenantSecretReader[];
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * Tenants' secrets in Azure Key Vault. Key Vault RBAC can be scoped to a vault or to one existing
 * secret, never to a name prefix, so each tenant has a vault of its own (RBAC authorization, purge
 * protection, no public network access: a private endpoint in the cluster's VNet), and a user-assigned
 * identity federated with exactly `system:serviceaccount:<tenant namespace>:external-secrets-reader`
 * that holds `Key Vault Secrets User` on that vault only.
 */
export class AzureSecretReaders extends Construct {
  /** Identity per reader identity name (the keys of the `secret_reader_client_ids` output). */
  public readonly identities: Record<string, UserAssignedIdentity> = {};
  /** Vault per reader identity name. */
  public readonly vaults: Record<string, KeyVault> = {};

  constructor(scope: Construct, id: string, props: AzureSecretReadersProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    const base = { resourceGroupName: props.resourceGroupName, location: props.location };
    if (!props.readers.length) return;
    const zone = new PrivateDnsZone(this, 'vault-dns-zone', { resourceGroupName: props.resourceGroupName, name: 'privatelink.vaultcore.azure.net', tags });
    new PrivateDnsZoneVirtualNetworkLink(this, 'vault-dns-link', {
      resourceGroupName: props.resourceGroupName,
      name: `${props.cluster.name}-vaults`,
      privateDnsZoneName: zone.name,
      virtualNetworkId: props.virtualNetworkId,
      tags,
    });
    for (const reader of props.readers) {
      const where = cloudSecretLocation(props.environment, props.cluster, reader.tenantId);
      if (where.cloud !== 'azure') throw new Error(`reader ${reader.identityName}: not an Azure location`);
      const vault = new KeyVault(this, `${reader.identityName}-vault`, {
        ...base,
        name: where.vaultName,
        tenantId: props.tenantId,
        skuName: 'standard',
        purgeProtectionEnabled: true,
        softDeleteRetentionDays: 90,
        rbacAuthorizationEnabled: true,
        publicNetworkAccessEnabled: false,
        networkAcls: { defaultAction: 'Deny', bypass: 'None' },
        tags: { ...tags, 'ceres-tenant': reader.tenantId },
      });
      new PrivateEndpoint(this, `${reader.identityName}-endpoint`, {
        ...base,
        name: `${where.vaultName}-vault`,
        subnetId: props.endpointSubnetId,
        privateServiceConnection: {
          name: `${where.vaultName}-vault`,
          isManualConnection: false,
          privateConnectionResourceId: vault.id,
          subresourceNames: ['vault'],
        },
        privateDnsZoneGroup: { name: 'vault', privateDnsZoneIds: [zone.id] },
        tags,
      });
      const identity = new UserAssignedIdentity(this, reader.identityName, {
        ...base,
        name: fittedName(props.cluster.name, reader.identityName, 128),
        tags,
      });
      new FederatedIdentityCredential(this, `${reader.identityName}-federation`, {
        name: fittedName(props.cluster.name, `${reader.namespace}-${SECRET_READER_SERVICE_ACCOUNT}`, 120),
        resourceGroupName: props.resourceGroupName,
        parentId: identity.id,
        audience: ['api://AzureADTokenExchange'],
        issuer: props.oidcIssuerUrl,
        subject: `system:serviceaccount:${reader.namespace}:${SECRET_READER_SERVICE_ACCOUNT}`,
      });
      new RoleAssignment(this, `${reader.identityName}-vault-access`, {
        scope: vault.id,
        roleDefinitionName: SECRET_READER_ROLE,
        principalId: identity.principalId,
        principalType: 'ServicePrincipal',
        description: `External Secrets Operator reads ${reader.namespace}'s secrets (${reader.namespace}/${SECRET_READER_SERVICE_ACCOUNT})`,
      });
      this.identities[reader.identityName] = identity;
      this.vaults[reader.identityName] = vault;
    }
  }
}
