import { Construct } from 'constructs';
import { FederatedIdentityCredential } from '@cdktf/provider-azurerm/lib/federated-identity-credential';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { PLATFORM_SERVICE_ACCOUNTS, PlatformServiceAccount } from '../workload-identities';

export interface AzureWorkloadIdentitiesProps {
  readonly clusterName: string;
  readonly resourceGroupName: string;
  readonly location: string;
  /** The AKS OIDC issuer URL. */
  readonly oidcIssuerUrl: string;
  /** The backup storage account (scope of `Storage Blob Data Contributor`). */
  readonly backupStorageAccountId: string;
  /**
   * Service accounts to federate. Only backup-bucket users get a role here; DNS zones are managed elsewhere.
   * @default PLATFORM_SERVICE_ACCOUNTS
   */
  readonly serviceAccounts?: readonly PlatformServiceAccount[];
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * Entra workload identity for the platform's service accounts: a user-assigned identity each, federated
 * with `system:serviceaccount:<ns>:<sa>` of the cluster's OIDC issuer; backup users get blob data access to
 * the backup account.
 */
export class AzureWorkloadIdentities extends Construct {
  public readonly identities: Record<string, UserAssignedIdentity> = {};

  constructor(scope: Construct, id: string, props: AzureWorkloadIdentitiesProps) {
    super(scope, id);
    for (const sa of props.serviceAccounts ?? PLATFORM_SERVICE_ACCOUNTS) {
      const identity = new UserAssignedIdentity(this, sa.name, {
        name: `${props.clusterName}-${sa.name}`,
        resourceGroupName: props.resourceGroupName,
        location: props.location,
        tags: props.tags ?? {},
      });
      new FederatedIdentityCredential(this, `${sa.name}-federation`, {
        name: `${props.clusterName}-${sa.namespace}-${sa.serviceAccount}`,
        resourceGroupName: props.resourceGroupName,
        parentId: identity.id,
        audience: ['api://AzureADTokenExchange'],
        issuer: props.oidcIssuerUrl,
        subject: `system:serviceaccount:${sa.namespace}:${sa.serviceAccount}`,
      });
      if (sa.access === 'backup-bucket') {
        new RoleAssignment(this, `${sa.name}-blob-access`, {
          scope: props.backupStorageAccountId,
          roleDefinitionName: 'Storage Blob Data Contributor',
          principalId: identity.principalId,
          principalType: 'ServicePrincipal',
        });
      }
      this.identities[sa.name] = identity;
    }
  }
}
