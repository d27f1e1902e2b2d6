import { Construct } from 'constructs';
import { EksPodIdentityAssociation } from '@cdktf/provider-aws/lib/eks-pod-identity-association';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { PLATFORM_SERVICE_ACCOUNTS, PlatformServiceAccount } from '../workload-identities';
import { PolicyStatement, policyDocument, serviceTrustPolicy } from './policies';

export interface AwsWorkloadRolesProps {
  /** Prefix of role names (the cluster name as a literal). */
  readonly namePrefix: string;
  /** The cluster's name attribute (a reference, so associations wait for the cluster). */
  readonly clusterName: string;
  /** The backup bucket Velero and CloudNativePG write to. */
  readonly backupBucketArn: string;
  /** Its KMS key. */
  readonly backupKeyArn: string;
  /** The Route 53 hosted zones DNS users (external-dns, cert-manager) may change: the cluster's zone. */
  readonly dnsZoneArns: readonly string[];
  /**
   * The service accounts to bind.
   * @default PLATFORM_SERVICE_ACCOUNTS
   */
  readonly serviceAccounts?: readonly PlatformServiceAccount[];
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * IAM roles for the platform's service accounts (Velero, CloudNativePG backups, external-dns,
 * cert-manager), bound with EKS Pod Identity: least privilege, no node credentials, no static keys.
 */
export class AwsWorkloadRoles extends Construct {
  public readonly roles: Record<string, IamRole> = {};

  constructor(scope: Construct, id: string, props: AwsWorkloadRolesProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    for (const sa of props.serviceAccounts ?? PLATFORM_SERVICE_ACCOUNTS) {
      const role = new IamRole(this, `${sa.name}-role`, {
        name: `${props.namePrefix}-${sa.name}`,
        description: sa.description,
        assumeRolePolicy: serviceTrustPolicy('pods.eks.amazonaws.com', ['sts:AssumeRole', 'sts:TagSession']),
        tags,
      });
      new IamRolePolicy(this, `${sa.name}-policy`, {
        role: role.id,
        name: sa.access,
        policy: policyDocument(...statementsFor(sa, props)),
      });
      new EksPodIdentityAssociation(this, `${sa.name}-identity`, {
        clusterName: props.clusterName,
        namespace: sa.namespace,
        serviceAccount: sa.serviceAccount,
        roleArn: role.arn,
        tags,
      });
      this.roles[sa.name] = role;
    }
  }
}

function statementsFor(sa: PlatformServiceAccount, props: AwsWorkloadRolesProps): PolicyStatement[] {
  switch (sa.access) {
    case 'backup-bucket':
      return [
        { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: props.backupBucketArn },
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
          Resource: `${props.backupBucketArn}/*`,
        },
        { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'], Resource: props.backupKeyArn },
      ];
    case 'dns':
      return [
        {
          Sid: 'ChangeRecordsInTheClusterZone',
          Effect: 'Allow',
          Action: ['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets', 'route53:ListTagsForResources'],
          Resource: [...props.dnsZoneArns],
        },
        { Sid: 'FollowChanges', Effect: 'Allow', Action: 'route53:GetChange', Resource: 'arn:aws:route53:::change/*' },
        { Sid: 'FindZones', Effect: 'Allow', Action: ['route53:ListHostedZones', 'route53:ListHostedZonesByName'], Resource: '*' },
      ];
  }
}
