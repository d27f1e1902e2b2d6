import { Construct } from 'constructs';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { policyDocument } from './policies';

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
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * The S3 bucket for backups (Velero, CloudNativePG): all four public access blocks, bucket owner enforced
 * (no ACLs), versioning, SSE-KMS with a rotating key, lifecycle for cost, and a policy refusing non-TLS
 * requests.
 */
export class AwsBackupBucket extends Construct {
  public readonly bucket: S3Bucket;
  public readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: AwsBackupBucketProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    this.key = new KmsKey(this, 'key', {
      description: `S3 ${props.bucketName} encryption`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags,
    });
    this.bucket = new S3Bucket(this, 'bucket', { bucket: props.bucketName, forceDestroy: false, tags });
    new S3BucketPublicAccessBlock(this, 'public-access-block', {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', {
      bucket: this.bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    new S3BucketVersioningA(this, 'versioning', {
      bucket: this.bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: this.key.arn }, bucketKeyEnabled: true }],
    });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: this.bucket.id,
      rule: [
        {
          id: 'backups',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          transition: [{ days: props.transitionToInfrequentAccessDays ?? 30, storageClass: 'STANDARD_IA' }],
          noncurrentVersionTransition: [{ noncurrentDays: props.noncurrentTransitionDays ?? 30, storageClass: 'GLACIER_IR' }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentExpirationDays ?? 90 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    new S3BucketPolicy(this, 'tls-only', {
      bucket: this.bucket.id,
      policy: policyDocument({
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    });
  }

  public get bucketName(): string {
    return this.bucket.bucket;
  }
}
