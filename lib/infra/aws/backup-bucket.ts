import { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketObjectLockConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketReplicationConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-replication-configuration';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { PolicyStatement, policyDocument, serviceTrustPolicy } from './policies';

/** Where and how the backups are copied (S3 Cross-Region Replication). */
export interface AwsBackupReplicaProps {
  /** Bucket name of the replica, in the replica region. */
  readonly bucketName: string;
  /** The replica region. */
  readonly region: string;
  /** An `aws` provider (alias) configured for that region. */
  readonly provider: TerraformProvider;
}

export interface AwsBackupBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /**
   * Days before current objects move to Standard-IA.
   * @default 30
   */
  readonly transitionToInfrequentAccessDays?: number;
  /**
   * Days before noncurrent versions move to Glacier Instant Retrieval.
   * @default 30
   */
  readonly noncurrentTransitionDays?: number;
  /**
   * Days before noncurrent versions are deleted.
   * @default 90
   */
  readonly noncurrentExpirationDays?: number;
  /**
   * Object Lock default retention in days (GOVERNANCE mode): no object version can be deleted or overwritten
   * for this long, except by a principal holding `s3:BypassGovernanceRetention`. Must stay below
   * `noncurrentExpirationDays`.
   * @default 14
   */
  readonly objectLockDays?: number;
  /** Copy every object to a second bucket in another region. @default no replica */
  readonly replica?: AwsBackupReplicaProps;
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/** The bucket policy statements every CERES bucket carries (also checked by the preflight). */
export function bucketGuardStatements(bucketArn: string, keyArn: string): PolicyStatement[] {
  const objects = `${bucketArn}/*`;
  return [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [bucketArn, objects],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    {
      Sid: 'DenyOutdatedTls',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [bucketArn, objects],
      Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } },
    },
    {
      // Uploads without an encryption header get the bucket default (SSE-KMS with our key); uploads asking
      // for anything else (SSE-S3, DSSE) are refused.
      Sid: 'DenyNonKmsEncryption',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: objects,
      Condition: {
        StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
        Null: { 's3:x-amz-server-side-encryption': 'false' },
      },
    },
    {
      Sid: 'DenyOtherKmsKeys',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: objects,
      Condition: {
        StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn },
        Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
      },
    },
    {
      Sid: 'DenyCustomerProvidedKeys',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: objects,
      Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
    },
  ];
}

interface LockedBucketProps {
  readonly bucketName: string;
  readonly description: string;
  readonly objectLockDays: number;
  readonly lifecycle: ConstructorParameters<typeof S3BucketLifecycleConfiguration>[2]['rule'];
  readonly provider?: TerraformProvider;
  readonly tags: Record<string, string>;
}

/**
 * One private bucket with the CERES guard rails: public access blocked, no ACLs, versioning, Object Lock,
 * SSE-KMS with its own rotating key, a lifecycle, and the guard policy (applied after the public access
 * block: both change the bucket's policy state, and S3 answers OperationAborted to concurrent changes,
 * terraform-provider-aws#7628).
 */
class LockedBucket extends Construct {
  public readonly bucket: S3Bucket;
  public readonly key: KmsKey;
  public readonly versioning: S3BucketVersioningA;

  constructor(scope: Construct, id: string, props: LockedBucketProps) {
    super(scope, id);
    const { provider, tags } = props;
    this.key = new KmsKey(this, 'key', {
      provider,
      description: `S3 ${props.bucketName} (${props.description}) encryption`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags,
    });
    this.bucket = new S3Bucket(this, 'bucket', { provider, bucket: props.bucketName, forceDestroy: false, objectLockEnabled: true, tags });
    const publicAccess = new S3BucketPublicAccessBlock(this, 'public-access-block', {
      provider,
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const ownership = new S3BucketOwnershipControls(this, 'ownership', {
      provider,
      bucket: this.bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    this.versioning = new S3BucketVersioningA(this, 'versioning', {
      provider,
      bucket: this.bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketObjectLockConfigurationA(this, 'object-lock', {
      provider,
      bucket: this.bucket.id,
      rule: { defaultRetention: { mode: 'GOVERNANCE', days: props.objectLockDays } },
      dependsOn: [this.versioning],
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      provider,
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: this.key.arn }, bucketKeyEnabled: true }],
    });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      provider,
      bucket: this.bucket.id,
      rule: props.lifecycle,
      dependsOn: [this.versioning],
    });
    new S3BucketPolicy(this, 'policy', {
      provider,
      bucket: this.bucket.id,
      policy: policyDocument(...bucketGuardStatements(this.bucket.arn, this.key.arn)),
      dependsOn: [publicAccess, ownership],
    });
  }
}

/**
 * The S3 bucket for backups (Velero, CloudNativePG): all four public access blocks, bucket owner enforced
 * (no ACLs), versioning, Object Lock (GOVERNANCE, so ransomware or a bad `velero backup delete` cannot
 * destroy recent versions), SSE-KMS with a rotating key, lifecycle for cost, and a policy refusing non-TLS,
 * TLS < 1.2 and non-KMS uploads. Optionally replicated to a locked bucket in another region.
 */
export class AwsBackupBucket extends Construct {
  public readonly bucket: S3Bucket;
  public readonly key: KmsKey;
  /** The replica bucket, when `replica` is set. */
  public readonly replicaBucket?: S3Bucket;

  constructor(scope: Construct, id: string, props: AwsBackupBucketProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    const lockDays = props.objectLockDays ?? 14;
    const expirationDays = props.noncurrentExpirationDays ?? 90;
    if (lockDays >= expirationDays) {
      throw new Error(`AwsBackupBucket '${props.bucketName}': objectLockDays (${lockDays}) must be below noncurrentExpirationDays (${expirationDays})`);
    }
    const lifecycle = [
      {
        id: 'backups',
        status: 'Enabled',
        filter: [{ prefix: '' }],
        transition: [{ days: props.transitionToInfrequentAccessDays ?? 30, storageClass: 'STANDARD_IA' }],
        noncurrentVersionTransition: [{ noncurrentDays: props.noncurrentTransitionDays ?? 30, storageClass: 'GLACIER_IR' }],
        noncurrentVersionExpiration: [{ noncurrentDays: expirationDays }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
      },
    ];
    const primary = new LockedBucket(this, 'primary', {
      bucketName: props.bucketName,
      description: 'backups',
      objectLockDays: lockDays,
      lifecycle,
      tags,
    });
    this.bucket = primary.bucket;
    this.key = primary.key;

    if (props.replica) {
      const replica = new LockedBucket(this, 'replica', {
        bucketName: props.replica.bucketName,
        description: 'backup replica',
        objectLockDays: lockDays,
        // The replica receives objects in STANDARD_IA already.
        lifecycle: lifecycle.map(({ transition: _transition, ...rest }) => rest),
        provider: props.replica.provider,
        tags,
      });
      this.replicaBucket = replica.bucket;
      const role = new IamRole(this, 'replication-role', {
        name: `${props.bucketName}-replication`.slice(0, 64),
        assumeRolePolicy: serviceTrustPolicy('s3.amazonaws.com'),
        tags,
      });
      new IamRolePolicy(this, 'replication-policy', {
        role: role.id,
        name: 'replicate-backups',
        policy: policyDocument(
          { Sid: 'ReadSourceConfiguration', Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: primary.bucket.arn },
          {
            Sid: 'ReadSourceVersions',
            Effect: 'Allow',
            Action: [
              's3:GetObjectVersionForReplication',
              's3:GetObjectVersionAcl',
              's3:GetObjectVersionTagging',
              's3:GetObjectRetention',
              's3:GetObjectLegalHold',
            ],
            Resource: `${primary.bucket.arn}/*`,
          },
          {
            Sid: 'WriteReplica',
            Effect: 'Allow',
            Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
            Resource: `${replica.bucket.arn}/*`,
          },
          { Sid: 'DecryptSource', Effect: 'Allow', Action: 'kms:Decrypt', Resource: primary.key.arn },
          { Sid: 'EncryptReplica', Effect: 'Allow', Action: ['kms:Encrypt', 'kms:GenerateDataKey'], Resource: replica.key.arn },
        ),
      });
      new S3BucketReplicationConfigurationA(this, 'replication', {
        bucket: primary.bucket.id,
        role: role.arn,
        rule: [
          {
            id: 'backups-to-replica',
            status: 'Enabled',
            filter: {},
            // Deletions stay local: the replica keeps what the source lost, until its own lifecycle expires it.
            deleteMarkerReplication: { status: 'Disabled' },
            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
            destination: {
              bucket: replica.bucket.arn,
              storageClass: 'STANDARD_IA',
              encryptionConfiguration: { replicaKmsKeyId: replica.key.arn },
            },
          },
        ],
        dependsOn: [primary.versioning, replica.versioning],
      });
    }
  }

  public get bucketName(): string {
    return this.bucket.bucket;
  }
}
