import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { DnsManagedZoneIamMember } from '@cdktf/provider-google/lib/dns-managed-zone-iam-member';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { PLATFORM_SERVICE_ACCOUNTS, PlatformServiceAccount } from '../workload-identities';

export interface GcpWorkloadIdentitiesProps {
  /** Prefix of the Google service account ids (`<prefix>-velero`, 6-30 characters in all). */
  readonly prefix: string;
  readonly project: string;
  /** The backup bucket backup users may write to. */
  readonly backupBucket: string;
  /** The Cloud DNS managed zone (name) DNS users may change: the cluster's zone. */
  readonly dnsManagedZone: string;
  /**
   * What the Workload Identity bindings wait for: the cluster, whose creation creates the project's
   * identity pool `<project>.svc.id.goog` (binding a member of a pool that does not exist fails).
   */
  readonly dependsOn: ITerraformDependable[];
  /**
   * The service accounts to bind.
   * @default PLATFORM_SERVICE_ACCOUNTS
   */
  readonly serviceAccounts?: readonly PlatformServiceAccount[];
}

/**
 * Workload Identity for the platform's service accounts: a Google service account each, which the
 * Kubernetes service account `<project>.svc.id.goog[<ns>/<ksa>]` may impersonate
 * (`roles/iam.workloadIdentityUser`, bound once the cluster has created the pool), with bucket-scoped
 * storage access or admin of the cluster's DNS zone (not the project's).
 */
export class GcpWorkloadIdentities extends Construct {
  public readonly accounts: Record<string, ServiceAccount> = {};

  constructor(scope: Construct, id: string, props: GcpWorkloadIdentitiesProps) {
    super(scope, id);
    for (const sa of props.serviceAccounts ?? PLATFORM_SERVICE_ACCOUNTS) {
      const accountId = `${props.prefix}-${sa.name}`;
      if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(accountId)) {
        throw new Error(`Google service account id '${accountId}' must be 6-30 lowercase letters, digits or hyphens`);
      }
      const account = new ServiceAccount(this, sa.name, {
        project: props.project,
        accountId,
        displayName: `${sa.namespace}/${sa.serviceAccount}`,
        description: sa.description,
      });
      new ServiceAccountIamMember(this, `${sa.name}-workload-identity`, {
        serviceAccountId: account.name,
        role: 'roles/iam.workloadIdentityUser',
        member: `serviceAccount:${props.project}.svc.id.goog[${sa.namespace}/${sa.serviceAccount}]`,
        dependsOn: props.dependsOn,
      });
      const member = `serviceAccount:${account.email}`;
      if (sa.access === 'backup-bucket') {
        new StorageBucketIamMember(this, `${sa.name}-bucket-access`, {
          bucket: props.backupBucket,
          role: 'roles/storage.objectAdmin',
          member,
        });
      } else {
        // Record changes in the cluster's zone only; listing zones (read-only) project-wide.
        new DnsManagedZoneIamMember(this, `${sa.name}-dns-zone-admin`, {
          project: props.project,
          managedZone: props.dnsManagedZone,
          role: 'roles/dns.admin',
          member,
        });
        new ProjectIamMember(this, `${sa.name}-dns-reader`, { project: props.project, role: 'roles/dns.reader', member });
      }
      this.accounts[sa.name] = account;
    }
  }
}
