import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import type { WorkloadIdentity } from '../../core/cloud';
import { fittedName } from '../facts';

/** Google service account ids: 6–30 characters. */
const ACCOUNT_ID_MAX = 30;

/** The role backup identities hold on the bucket, conditioned on their prefix. */
export const BACKUP_OBJECT_ROLE = 'roles/storage.objectAdmin';

/**
 * An IAM condition keeping a bucket role to objects under `<prefix>/`: object requests name the object
 * (`resource.name`), listings the prefix they ask for (the `objectListPrefix` API attribute).
 */
export function objectPrefixCondition(bucket: string, prefix: string): { title: string; description: string; expression: string } {
  const under = `${prefix.replace(/\/+$/, '')}/`;
  return {
    title: `objects under ${under}`,
    description: `Only objects under gs://${bucket}/${under}, and listings of that prefix.`,
    expression:
      `resource.name.startsWith("projects/_/buckets/${bucket}/objects/${under}") || ` +
      `api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("${under}")`,
  };
}

/** The project's Workload Identity pool (GKE creates it with the first cluster that names it). */
export function gkeWorkloadPool(project: string): string {
  return `${project}.svc.id.goog`;
}

/** The IAM member that is exactly the Kubernetes service account `<namespace>/<serviceAccount>` of the project's clusters. */
export function gkeWorkloadIdentityMember(project: string, namespace: string, serviceAccount: string): string {
  return `serviceAccount:${gkeWorkloadPool(project)}[${namespace}/${serviceAccount}]`;
}

export interface GcpWorkloadIdentitiesProps {
  /** Prefix of the Google service account ids (`<prefix>-velero`, 6-30 characters in all). */
  readonly prefix: string;
  /** GCP project id (its Workload Identity pool is `<project>.svc.id.goog`). */
  readonly project: string;
  /** The backup bucket's name (the platform model's backup store): a literal, for the IAM conditions. */
  readonly backupBucket: string;
  /** The same name as a reference to the bucket resource, so the grants wait for it. */
  readonly backupBucketRef: string;
  /** The platform model's workload identities of the cluster (backup-store access only: GCP has no Karpenter). */
  readonly identities: readonly WorkloadIdentity[];
  /**
   * What the Workload Identity bindings wait for: the cluster, whose creation creates the project's
   * identity pool `<project>.svc.id.goog` (binding a member of a pool that does not exist fails).
   */
  readonly dependsOn: ITerraformDependable[];
}

/**
 * Workload Identity for the platform model's workload identities: a Google service account each, which
 * exactly the Kubernetes service account `<project>.svc.id.goog[<namespace>/<serviceAccount>]` may
 * impersonate (`roles/iam.workloadIdentityUser`, bound once the cluster has created the pool), with
 * object access to the backup bucket under its own prefix only (an IAM condition).
 */
export class GcpWorkloadIdentities extends Construct {
  /** Google service account per workload identity name. */
  public readonly accounts: Record<string, ServiceAccount> = {};

  constructor(scope: Construct, id: string, props: GcpWorkloadIdentitiesProps) {
    super(scope, id);
    for (const wi of props.identities) {
      if (wi.access.kind !== 'backup-store') {
        throw new Error(`workload identity '${wi.name}' needs ${wi.access.kind} access, which the GCP stack does not provide`);
      }
      if (!wi.access.prefix) throw new Error(`workload identity '${wi.name}': a GCS backup-store identity needs a prefix (the bucket is shared)`);
      const accountId = fittedName(props.prefix, wi.name, ACCOUNT_ID_MAX);
      if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(accountId)) {
        throw new Error(`Google service account id '${accountId}' must be 6-30 lowercase letters, digits or hyphens`);
      }
      const account = new ServiceAccount(this, wi.name, {
        project: props.project,
        accountId,
        displayName: `${wi.namespace}/${wi.serviceAccount}`,
        description: wi.description,
      });
      new ServiceAccountIamMember(this, `${wi.name}-workload-identity`, {
        serviceAccountId: account.name,
        role: 'roles/iam.workloadIdentityUser',
        member: gkeWorkloadIdentityMember(props.project, wi.namespace, wi.serviceAccount),
        dependsOn: props.dependsOn,
      });
      new StorageBucketIamMember(this, `${wi.name}-bucket-access`, {
        bucket: props.backupBucketRef,
        role: BACKUP_OBJECT_ROLE,
        member: `serviceAccount:${account.email}`,
        condition: objectPrefixCondition(props.backupBucket, wi.access.prefix),
      });
      this.accounts[wi.name] = account;
    }
  }
}
