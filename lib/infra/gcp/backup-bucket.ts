import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket';

export interface GcpBackupBucketProps {
  /** Globally unique bucket name. */
  readonly name: string;
  /** GCP project id. */
  readonly project: string;
  /**
   * Location: a multi-region (`EU`) for cross-region backups.
   * @default 'EU'
   */
  readonly location?: string;
  /**
   * Days before objects move to Nearline.
   * @default 30
   */
  readonly nearlineAfterDays?: number;
  /**
   * Days before noncurrent versions are deleted.
   * @default 90
   */
  readonly noncurrentRetentionDays?: number;
  /** Cloud KMS key (in the bucket's location) encrypting new objects by default. */
  readonly kmsKeyId: string;
  /** Resources the bucket waits for (the key grant of the Cloud Storage service agent). @default [] */
  readonly dependsOn?: ITerraformDependable[];
  /** Labels. @default {} */
  readonly labels?: Record<string, string>;
}

/**
 * The GCS bucket for cross-region backups: uniform bucket-level access (no ACLs), public access prevention
 * enforced, CMEK by default, versioning, soft delete, and a lifecycle moving data to Nearline and pruning old versions.
 */
export class GcpBackupBucket extends Construct {
  public readonly bucket: StorageBucket;

  constructor(scope: Construct, id: string, props: GcpBackupBucketProps) {
    super(scope, id);
    this.bucket = new StorageBucket(this, 'bucket', {
      name: props.name,
      project: props.project,
      location: props.location ?? 'EU',
      storageClass: 'STANDARD',
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      versioning: { enabled: true },
      softDeletePolicy: { retentionDurationSeconds: 7 * 24 * 3600 },
      forceDestroy: false,
      lifecycleRule: [
        {
          action: { type: 'SetStorageClass', storageClass: 'NEARLINE' },
          condition: { age: props.nearlineAfterDays ?? 30, matchesStorageClass: ['STANDARD'] },
        },
        {
          action: { type: 'Delete' },
          condition: { daysSinceNoncurrentTime: props.noncurrentRetentionDays ?? 90, withState: 'ARCHIVED' },
        },
        { action: { type: 'AbortIncompleteMultipartUpload' }, condition: { age: 7 } },
      ],
      encryption: { defaultKmsKeyName: props.kmsKeyId },
      labels: props.labels ?? {},
      dependsOn: props.dependsOn,
    });
  }

  public get name(): string {
    return this.bucket.name;
  }
}
