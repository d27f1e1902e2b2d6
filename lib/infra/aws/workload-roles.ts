import { Construct } from 'constructs';
import { EksPodIdentityAssociation } from '@cdktf/provider-aws/lib/eks-pod-identity-association';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import type { WorkloadIdentity } from '../../core/cloud';
import { fittedName } from '../facts';
import { PolicyStatement, policyDocument, serviceTrustPolicy } from './policies';

/** IAM role names: at most 64 characters. */
const IAM_ROLE_NAME_MAX = 64;

/** A workload identity whose access is the backup store (Velero, a PostgreSQL cluster). */
export type BackupStoreIdentity = WorkloadIdentity & {
  /** Narrowed to backup-store access (the prefix or container of the store it may use). */
  readonly access: { readonly kind: 'backup-store' };
};

export function isBackupStoreIdentity(identity: WorkloadIdentity): identity is BackupStoreIdentity {
  return identity.access.kind === 'backup-store';
}

export interface AwsWorkloadRolesProps {
  /** Prefix of role names (the cluster name as a literal). */
  readonly namePrefix: string;
  /** The cluster's name attribute (a reference, so associations wait for the cluster). */
  readonly clusterName: string;
  /** AWS region of the bucket (the KMS `kms:ViaService` condition). */
  readonly region: string;
  /** The backup bucket (the platform model's backup store). */
  readonly backupBucketArn: string;
  /** Its KMS key. */
  readonly backupKeyArn: string;
  /** The identities to bind: the platform model's backup-store identities of the cluster. */
  readonly identities: readonly BackupStoreIdentity[];
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * One IAM role per backup-store workload identity of the platform model (Velero, each PostgreSQL
 * cluster), bound with EKS Pod Identity to exactly its `namespace/serviceAccount`, allowed to read and
 * write the backup bucket under its own prefix only (Velero `velero/`, a PostgreSQL cluster
 * `cnpg/<namespace>/`): no node credentials, no static keys.
 */
export class AwsWorkloadRoles extends Construct {
  /** Role per identity name. */
  public readonly roles: Record<string, IamRole> = {};

  constructor(scope: Construct, id: string, props: AwsWorkloadRolesProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    for (const identity of props.identities) {
      const role = new IamRole(this, `${identity.name}-role`, {
        name: fittedName(props.namePrefix, identity.name, IAM_ROLE_NAME_MAX),
        description: `${identity.description} (${identity.namespace}/${identity.serviceAccount})`,
        assumeRolePolicy: serviceTrustPolicy('pods.eks.amazonaws.com', ['sts:AssumeRole', 'sts:TagSession']),
        tags,
      });
      new IamRolePolicy(this, `${identity.name}-policy`, {
        role: role.id,
        name: 'backup-store',
        policy: policyDocument(...backupStoreStatements(identity.access.prefix, props)),
      });
      new EksPodIdentityAssociation(this, `${identity.name}-identity`, {
        clusterName: props.clusterName,
        namespace: identity.namespace,
        serviceAccount: identity.serviceAccount,
        roleArn: role.arn,
        tags,
      });
      this.roles[identity.name] = role;
    }
  }
}

/**
 * Read and write the backup bucket under `prefix` only: objects under `<prefix>/`, listings asking for
 * a prefix inside it, and the bucket's KMS key through S3 only.
 *
 * Listing is `...IfExists`: `HeadBucket` (Barman checks that the bucket exists before it archives)
 * is authorized as `s3:ListBucket` and carries no `s3:prefix`, so a strict condition would stop WAL
 * archiving. A listing naming another prefix is refused; one naming none shows object names, never
 * their content. The bucket uses S3 Bucket Keys, whose encryption context is the bucket, so the key
 * cannot be narrowed to a prefix; the objects are.
 */
export function backupStoreStatements(
  prefix: string,
  scope: { readonly backupBucketArn: string; readonly backupKeyArn: string; readonly region: string },
): PolicyStatement[] {
  if (!prefix) throw new Error('a backup-store identity on AWS needs a prefix: the bucket is shared by Velero and the PostgreSQL clusters');
  return [
    { Sid: 'LocateBucket', Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: scope.backupBucketArn },
    {
      Sid: 'ListOwnPrefix',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: scope.backupBucketArn,
      Condition: { StringLikeIfExists: { 's3:prefix': [prefix, `${prefix}/*`] } },
    },
    {
      Sid: 'ReadWriteOwnPrefix',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: `${scope.backupBucketArn}/${prefix}/*`,
    },
    {
      Sid: 'UseBucketKeyThroughS3',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      Resource: scope.backupKeyArn,
      Condition: { StringEquals: { 'kms:ViaService': `s3.${scope.region}.amazonaws.com` } },
    },
  ];
}
