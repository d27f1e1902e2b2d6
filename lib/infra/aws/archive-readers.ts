import { Construct } from 'constructs';
import { Fn, TerraformLocal, TerraformOutput, TerraformVariable } from 'cdktf';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import type { WorkloadIdentity } from '../../core/cloud';
import { ARCHIVE_READER_OUTPUT, FEDERATION_AUDIENCES, oidcIssuerVariable } from '../../core/database-topology';
import type { ClusterConfig } from '../../core/model';
import { fittedName } from '../facts';
import { PolicyStatement, policyDocument } from './policies';

/** A workload identity reading this cluster's PostgreSQL archive from another cluster. */
export type ArchiveReaderIdentity = WorkloadIdentity & {
  /** Narrowed to archive-reader access (the prefix and the reading cluster). */
  readonly access: { readonly kind: 'archive-reader'; readonly prefix: string; readonly readerCluster: ClusterConfig };
};

export function isArchiveReaderIdentity(identity: WorkloadIdentity): identity is ArchiveReaderIdentity {
  return identity.access.kind === 'archive-reader';
}

/** Another cluster's service-account issuer as this stack trusts it. */
export interface ForeignIssuer {
  /** The IAM OIDC provider (the trust policies' federated principal). */
  readonly provider: IamOpenidConnectProvider;
  /** The issuer without its scheme: the prefix of the trust policies' condition keys (`<host>:sub`). */
  readonly host: string;
}

export interface AwsArchiveReadersProps {
  /** Prefix of role names (the cluster name). */
  readonly namePrefix: string;
  /** AWS region of the bucket (the KMS `kms:ViaService` condition). */
  readonly region: string;
  /** The backup bucket holding the archives. */
  readonly backupBucketArn: string;
  /** Its KMS key. */
  readonly backupKeyArn: string;
  /** The readers (the platform model's archive-reader identities of the cluster). */
  readonly identities: readonly ArchiveReaderIdentity[];
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * The other clouds' database sites reading this cluster's PostgreSQL archives: per reading cluster an
 * IAM OIDC provider for its service-account issuer (a variable: the issuer exists only after that
 * cluster's stack is applied, output `oidc_issuer_url`), and per reader a role it assumes with
 * `AssumeRoleWithWebIdentity` for exactly `system:serviceaccount:<namespace>:<sa>` with audience
 * `sts.amazonaws.com`, allowed to read (never write or delete) the source site's archive prefix.
 */
export class AwsArchiveReaders extends Construct {
  /** Role per identity name. */
  public readonly roles: Record<string, IamRole> = {};
  private readonly providers = new Map<string, ForeignIssuer>();
  private readonly tags: Record<string, string>;

  constructor(scope: Construct, id: string, props: AwsArchiveReadersProps) {
    super(scope, id);
    const tags = (this.tags = props.tags ?? {});
    for (const identity of props.identities) {
      const p = this.issuer(identity.access.readerCluster);
      const role = new IamRole(this, `${identity.name}-role`, {
        name: fittedName(props.namePrefix, identity.name, 64),
        description: identity.description.slice(0, 1000),
        assumeRolePolicy: policyDocument({
          Effect: 'Allow',
          Principal: { Federated: p.provider.arn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${p.host}:sub`]: `system:serviceaccount:${identity.namespace}:${identity.serviceAccount}`,
              [`${p.host}:aud`]: FEDERATION_AUDIENCES.aws,
            },
          },
        }),
        tags,
      });
      new IamRolePolicy(this, `${identity.name}-policy`, {
        role: role.id,
        name: 'archive-read',
        policy: policyDocument(...archiveReadStatements(identity.access.prefix, props)),
      });
      this.roles[identity.name] = role;
    }
    if (props.identities.length) {
      new TerraformOutput(this, ARCHIVE_READER_OUTPUT, {
        value: Object.fromEntries(Object.entries(this.roles).map(([name, role]) => [name, role.arn])),
        description: 'Role ARN of each reader of the PostgreSQL archives (identity name → ARN): AWS_ROLE_ARN of the reading site (docs/disaster-recovery.md).',
      }).overrideLogicalId(ARCHIVE_READER_OUTPUT);
    }
  }

  /**
   * The IAM OIDC provider of another cluster's service-account issuer (a variable: the issuer exists
   * only after that cluster's stack is applied, output `oidc_issuer_url`), created once per stack:
   * AWS refuses a second provider for one URL, so every role trusting that cluster (archive readers,
   * the DNS-01 solver of lib/core/traffic-failover.ts) uses this one.
   */
  public issuer(cluster: ClusterConfig): ForeignIssuer {
    let p = this.providers.get(cluster.name);
    if (!p) {
      const variable = oidcIssuerVariable(cluster);
      const issuer = new TerraformVariable(this, variable, {
        type: 'string',
        nullable: false,
        description: `OIDC issuer URL of ${cluster.name} (output oidc_issuer_url of its stack): its workloads assume roles of this stack (PostgreSQL archive readers, DNS-01 solver).`,
      });
      issuer.overrideLogicalId(variable);
      // The issuer without its scheme: the prefix of the trust policy's condition keys.
      const host = new TerraformLocal(this, `${variable}_host`, Fn.replace(issuer.stringValue, 'https://', ''));
      host.overrideLogicalId(`${variable}_host`);
      const provider = new IamOpenidConnectProvider(this, `oidc-${cluster.name}`, {
        url: issuer.stringValue,
        clientIdList: [FEDERATION_AUDIENCES.aws],
        tags: this.tags,
      });
      p = { provider, host: host.asString };
      this.providers.set(cluster.name, p);
    }
    return p;
  }
}

/** Read objects under `prefix` (and list it): what `barman-cloud-wal-restore` and `barman-cloud-restore` need. */
export function archiveReadStatements(
  prefix: string,
  scope: { readonly backupBucketArn: string; readonly backupKeyArn: string; readonly region: string },
): PolicyStatement[] {
  return [
    { Sid: 'LocateBucket', Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: scope.backupBucketArn },
    {
      Sid: 'ListArchive',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: scope.backupBucketArn,
      Condition: { StringLikeIfExists: { 's3:prefix': [prefix, `${prefix}/*`] } },
    },
    { Sid: 'ReadArchive', Effect: 'Allow', Action: 's3:GetObject', Resource: `${scope.backupBucketArn}/${prefix}/*` },
    {
      Sid: 'DecryptThroughS3',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:DescribeKey'],
      Resource: scope.backupKeyArn,
      Condition: { StringEquals: { 'kms:ViaService': `s3.${scope.region}.amazonaws.com` } },
    },
  ];
}
