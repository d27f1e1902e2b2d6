import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { awsSecretKeyAlias, awsSecretReaderRoleName, SECRET_READER_SERVICE_ACCOUNT, TenantSecretReader } from '../../core/secret-store';
import type { ClusterConfig } from '../../core/model';
import { policyDocument, PolicyStatement } from './policies';

export interface AwsSecretReadersProps {
  /** The cluster (role names derive from it, as the ServiceAccounts' ARNs do: lib/core/secret-store.ts). */
  readonly cluster: ClusterConfig;
  /** AWS region of the secrets. */
  readonly region: string;
  /** The environment's AWS account id (the platform model's `cloudAccounts.aws`; the provider refuses any other). */
  readonly accountId: string;
  /** ARN of the cluster's IAM OIDC provider (IRSA). */
  readonly oidcProviderArn: string;
  /** The cluster's OIDC issuer URL (`https://oidc.eks.<region>.amazonaws.com/id/<id>`). */
  readonly oidcIssuerUrl: string;
  /** The tenants reading secrets on the cluster (the platform model's readers). */
  readonly readers: readonly TenantSecretReader[];
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * One IAM role per tenant reading secrets from AWS Secrets Manager on the cluster: trusted through
 * IRSA by exactly `system:serviceaccount:<tenant namespace>:external-secrets-reader` (the External
 * Secrets Operator exchanges that ServiceAccount's token; EKS Pod Identity cannot be used for a
 * ServiceAccount no pod runs as), allowed to read secrets named `tenant-<id>--*` only and to decrypt
 * them with the cluster's tenant-secrets key through Secrets Manager, for those secrets only.
 */
export class AwsSecretReaders extends Construct {
  /** Role per reader identity name. */
  public readonly roles: Record<string, IamRole> = {};
  /** The key tenants' secrets are encrypted with (`alias/<cluster>-tenant-secrets`). */
  public readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: AwsSecretReadersProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    const { accountId, region } = props;
    this.key = new KmsKey(this, 'key', {
      description: `${props.cluster.name} tenant secrets (Secrets Manager)`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyDocument({
        Sid: 'AccountAdministration',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      }),
      tags,
    });
    new KmsAlias(this, 'alias', { name: awsSecretKeyAlias(props.cluster), targetKeyId: this.key.keyId });
    const issuer = Fn.replace(props.oidcIssuerUrl, 'https://', '');
    for (const reader of props.readers) {
      const trust = new DataAwsIamPolicyDocument(this, `${reader.identityName}-trust`, {
        statement: [
          {
            effect: 'Allow',
            actions: ['sts:AssumeRoleWithWebIdentity'],
            principals: [{ type: 'Federated', identifiers: [props.oidcProviderArn] }],
            condition: [
              { test: 'StringEquals', variable: `${issuer}:sub`, values: [`system:serviceaccount:${reader.namespace}:${SECRET_READER_SERVICE_ACCOUNT}`] },
              { test: 'StringEquals', variable: `${issuer}:aud`, values: ['sts.amazonaws.com'] },
            ],
          },
        ],
      });
      const role = new IamRole(this, `${reader.identityName}-role`, {
        name: awsSecretReaderRoleName(props.cluster, reader),
        description: `Reads ${reader.namespace}'s secrets (${reader.prefix}*) for the External Secrets Operator (${reader.namespace}/${SECRET_READER_SERVICE_ACCOUNT})`,
        assumeRolePolicy: trust.json,
        tags,
      });
      new IamRolePolicy(this, `${reader.identityName}-policy`, {
        role: role.id,
        name: 'tenant-secrets',
        policy: policyDocument(...secretReaderStatements(reader.prefix, { region, accountId, keyArn: this.key.arn })),
      });
      this.roles[reader.identityName] = role;
    }
  }
}

/** The ARN pattern of a tenant's secrets (Secrets Manager appends `-` and six random characters to a secret's name). */
export function tenantSecretArnPattern(prefix: string, scope: { readonly region: string; readonly accountId: string }): string {
  return `arn:aws:secretsmanager:${scope.region}:${scope.accountId}:secret:${prefix}*`;
}

/** Read (never list, write or delete) the secrets under `prefix`, and decrypt them through Secrets Manager only. */
export function secretReaderStatements(
  prefix: string,
  scope: { readonly region: string; readonly accountId: string; readonly keyArn: string },
): PolicyStatement[] {
  const secrets = tenantSecretArnPattern(prefix, scope);
  return [
    { Sid: 'ReadOwnSecrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: secrets },
    {
      Sid: 'DecryptOwnSecrets',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: scope.keyArn,
      Condition: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${scope.region}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:SecretARN': secrets },
      },
    },
  ];
}
