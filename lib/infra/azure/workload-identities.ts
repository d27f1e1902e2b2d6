import { Construct } from 'constructs';
import { TerraformVariable } from 'cdktf';
import { FederatedIdentityCredential } from '@cdktf/provider-azurerm/lib/federated-identity-credential';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import type { BackupStore, WorkloadIdentity } from '../../core/cloud';
import { oidcIssuerVariable } from '../../core/database-topology';
import { fittedName } from '../facts';

/** The role backup identities hold on their container. */
export const BACKUP_BLOB_ROLE = 'Storage Blob Data Contributor';
/** The role archive readers (another cloud's database sites) hold on the PostgreSQL container, kept to their prefix. */
export const ARCHIVE_READER_BLOB_ROLE = 'Storage Blob Data Reader';

const BLOB = 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs';

/**
 * An Azure ABAC condition (version 2.0) keeping `Storage Blob Data Contributor` to blobs under
 * `<prefix>/`: reads (but listings), writes, adds, moves and deletes need the blob's path under the
 * prefix; listings need a requested prefix under it.
 */
export function blobPrefixCondition(prefix: string): string {
  const under = `'${prefix.replace(/\/+$/, '')}/'`;
  return [
    '(',
    ' (',
    `  !(ActionMatches{'${BLOB}/read'} AND NOT SubOperationMatches{'Blob.List'})`,
    `  AND !(ActionMatches{'${BLOB}/write'})`,
    `  AND !(ActionMatches{'${BLOB}/add/action'})`,
    `  AND !(ActionMatches{'${BLOB}/move/action'})`,
    `  AND !(ActionMatches{'${BLOB}/delete'})`,
    ' )',
    ' OR',
    ` (@Resource[${BLOB}:path] StringStartsWith ${under})`,
    ')',
    'AND',
    '(',
    ` !(ActionMatches{'${BLOB}/read'} AND SubOperationMatches{'Blob.List'})`,
    ' OR',
    ` (@Request[${BLOB}:prefix] StringStartsWith ${under})`,
    ')',
  ].join('\n');
}

export interface AzureWorkloadIdentitiesProps {
  /** The cluster's name, prefix of the managed identities' names. */
  readonly clusterName: string;
  /** Resource group of the managed identities. */
  readonly resourceGroupName: string;
  /** Azure location of the managed identities. */
  readonly location: string;
  /** The AKS OIDC issuer URL. */
  readonly oidcIssuerUrl: string;
  /** The platform model's workload identities of the cluster (backup-store access only: Azure has no Karpenter). */
  readonly identities: readonly WorkloadIdentity[];
  /** The backup store (its containers per use). */
  readonly store: BackupStore;
  /** Resource Manager id of each container of the backup account, by container name. */
  readonly containerIds: Readonly<Record<string, string>>;
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * Entra workload identity for the platform model's workload identities: a user-assigned identity each,
 * federated with exactly `system:serviceaccount:<namespace>:<serviceAccount>` of the cluster's OIDC
 * issuer, with `Storage Blob Data Contributor` on the container of its use (Velero's, PostgreSQL's),
 * kept to its prefix by an ABAC condition where it has one (a PostgreSQL cluster: its namespace).
 * Archive readers (a database site on another cloud replaying this site's archive) are federated with
 * that cluster's issuer (a variable: it exists only after that cluster's stack is applied) and hold
 * `Storage Blob Data Reader` on the PostgreSQL container, kept to the archive's prefix.
 */
export class AzureWorkloadIdentities extends Construct {
  /** Identity per workload identity name (the keys of the client id output). */
  public readonly identities: Record<string, UserAssignedIdentity> = {};

  constructor(scope: Construct, id: string, props: AzureWorkloadIdentitiesProps) {
    super(scope, id);
    const issuers = new Map<string, string>();
    const issuerOf = (wi: WorkloadIdentity): string => {
      if (wi.access.kind !== 'archive-reader') return props.oidcIssuerUrl;
      const reader = wi.access.readerCluster;
      let issuer = issuers.get(reader.name);
      if (!issuer) {
        const variable = new TerraformVariable(this, oidcIssuerVariable(reader), {
          type: 'string',
          nullable: false,
          description: `OIDC issuer URL of ${reader.name} (output oidc_issuer_url of its stack): its database sites read this cluster's PostgreSQL archives.`,
        });
        variable.overrideLogicalId(oidcIssuerVariable(reader));
        issuer = variable.stringValue;
        issuers.set(reader.name, issuer);
      }
      return issuer;
    };
    for (const wi of props.identities) {
      if (wi.access.kind === 'karpenter') {
        throw new Error(`workload identity '${wi.name}' needs ${wi.access.kind} access, which the Azure stack does not provide`);
      }
      const use = wi.access.kind === 'backup-store' ? wi.access.use : 'postgres';
      const container = props.store[use].container;
      const containerId = container ? props.containerIds[container] : undefined;
      if (!container || !containerId) throw new Error(`workload identity '${wi.name}': the backup store has no container for ${use}`);
      const identity = new UserAssignedIdentity(this, wi.name, {
        name: fittedName(props.clusterName, wi.name, 128),
        resourceGroupName: props.resourceGroupName,
        location: props.location,
        tags: props.tags ?? {},
      });
      new FederatedIdentityCredential(this, `${wi.name}-federation`, {
        name: fittedName(props.clusterName, `${wi.namespace}-${wi.serviceAccount}`, 120),
        resourceGroupName: props.resourceGroupName,
        parentId: identity.id,
        audience: ['api://AzureADTokenExchange'],
        issuer: issuerOf(wi),
        subject: `system:serviceaccount:${wi.namespace}:${wi.serviceAccount}`,
      });
      const prefix = wi.access.prefix;
      new RoleAssignment(this, `${wi.name}-blob-access`, {
        scope: containerId,
        roleDefinitionName: wi.access.kind === 'archive-reader' ? ARCHIVE_READER_BLOB_ROLE : BACKUP_BLOB_ROLE,
        principalId: identity.principalId,
        principalType: 'ServicePrincipal',
        description: `${wi.description} (${wi.namespace}/${wi.serviceAccount})`,
        ...(prefix ? { condition: blobPrefixCondition(prefix), conditionVersion: '2.0' } : {}),
      });
      this.identities[wi.name] = identity;
    }
  }
}
