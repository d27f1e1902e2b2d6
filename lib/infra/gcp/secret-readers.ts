import { Construct } from 'constructs';
import { gkeWorkloadIdentityMember } from './workload-identities';
import type { ITerraformDependable } from 'cdktf';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { ServiceAccountIamMember } from '@cdktf/provider-google/lib/service-account-iam-member';
import type { ClusterConfig } from '../../core/model';
import { gcpSecretReaderAccountId, SECRET_READER_SERVICE_ACCOUNT, TenantSecretReader } from '../../core/secret-store';

/** The role a tenant's reader holds on the project's secrets, conditioned on its prefix. */
export const SECRET_ACCESSOR_ROLE = 'roles/secretmanager.secretAccessor';

/**
 * An IAM condition keeping Secret Manager access to secrets named `<prefix>*` (and their versions):
 * Secret Manager names resources `projects/<project number>/secrets/<id>[/versions/<v>]`.
 */
export function secretPrefixCondition(projectNumber: string, prefix: string): { title: string; description: string; expression: string } {
  return {
    title: `secrets ${prefix}*`,
    description: `Only Secret Manager secrets whose id starts with ${prefix}, and their versions.`,
    expression: `resource.name.startsWith("projects/${projectNumber}/secrets/${prefix}")`,
  };
}

export interface GcpSecretReadersProps {
  /** The cluster (account ids derive from it, as the ServiceAccounts' annotations do: lib/core/secret-store.ts). */
  readonly cluster: ClusterConfig;
  /** GCP project id (its Workload Identity pool is `<project>.svc.id.goog`). */
  readonly project: string;
  /** The project's number (Secret Manager resource names carry it). */
  readonly projectNumber: string;
  /** The tenants reading secrets on the cluster (the platform model's readers). */
  readonly readers: readonly TenantSecretReader[];
  /** What the bindings wait for: the cluster (it creates the identity pool) and the Secret Manager API. */
  readonly dependsOn: ITerraformDependable[];
}

/**
 * A Google service account per tenant reading secrets from Secret Manager on the cluster, which only
 * `<project>.svc.id.goog[<tenant namespace>/external-secrets-reader]` may impersonate, holding
 * `roles/secretmanager.secretAccessor` on the project's secrets named `tenant-<id>--*` only.
 */
export class GcpSecretReaders extends Construct {
  /** Google service account per reader identity name. */
  public readonly accounts: Record<string, ServiceAccount> = {};

  constructor(scope: Construct, id: string, props: GcpSecretReadersProps) {
    super(scope, id);
    for (const reader of props.readers) {
      const account = new ServiceAccount(this, reader.identityName, {
        project: props.project,
        accountId: gcpSecretReaderAccountId(props.cluster, reader),
        displayName: `${reader.namespace}/${SECRET_READER_SERVICE_ACCOUNT}`,
        description: `Reads ${reader.namespace}'s secrets (${reader.prefix}*) for the External Secrets Operator`,
      });
      new ServiceAccountIamMember(this, `${reader.identityName}-workload-identity`, {
        serviceAccountId: account.name,
        role: 'roles/iam.workloadIdentityUser',
        member: gkeWorkloadIdentityMember(props.project, reader.namespace, SECRET_READER_SERVICE_ACCOUNT),
        dependsOn: props.dependsOn,
      });
      new ProjectIamMember(this, `${reader.identityName}-secrets`, {
        project: props.project,
        role: SECRET_ACCESSOR_ROLE,
        member: `serviceAccount:${account.email}`,
        condition: secretPrefixCondition(props.projectNumber, reader.prefix),
        dependsOn: props.dependsOn,
      });
      this.accounts[reader.identityName] = account;
    }
  }
}
