import { Construct } from 'constructs';
import { TerraformProvider } from 'cdktf';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { policyDocument } from './policies';

export interface AwsLogEncryptionKeyProps {
  /** Name prefix (the cluster name). */
  readonly name: string;
  /** AWS region of the log groups: the key policy lets that region's CloudWatch Logs use the key. */
  readonly region: string;
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
  /** The provider of `region`, when it is not the stack's default one. @default the default provider */
  readonly provider?: TerraformProvider;
}

/**
 * A rotating KMS key for the stack's CloudWatch log groups (VPC flow logs, EKS control-plane logs), whose
 * policy lets CloudWatch Logs of this account and region use it for log groups only.
 */
export class AwsLogEncryptionKey extends Construct {
  public readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: AwsLogEncryptionKeyProps) {
    super(scope, id);
    const provider = props.provider ? { provider: props.provider } : {};
    const account = new DataAwsCallerIdentity(this, 'account', provider).accountId;
    this.key = new KmsKey(this, 'key', {
      ...provider,
      description: `${props.name} CloudWatch log groups`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyDocument(
        {
          Sid: 'AccountAdministration',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
        {
          Sid: 'CloudWatchLogs',
          Effect: 'Allow',
          Principal: { Service: `logs.${props.region}.amazonaws.com` },
          Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          Resource: '*',
          Condition: {
            ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${props.region}:${account}:log-group:*` },
          },
        },
      ),
      tags: props.tags ?? {},
    });
    new KmsAlias(this, 'alias', { ...provider, name: `alias/${props.name}-logs`, targetKeyId: this.key.keyId });
  }

  public get arn(): string {
    return this.key.arn;
  }
}
