import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry';
import { EksAccessPolicyAssociation } from '@cdktf/provider-aws/lib/eks-access-policy-association';
import { EksAddon } from '@cdktf/provider-aws/lib/eks-addon';
import { EksCluster } from '@cdktf/provider-aws/lib/eks-cluster';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { managedPolicy, serviceTrustPolicy } from './policies';

/** The EBS CSI driver controller's ServiceAccount (the EKS add-on's). */
export const EBS_CSI_CONTROLLER_SERVICE_ACCOUNT = 'ebs-csi-controller-sa';

/** Every EKS control-plane log type. */
export const EKS_LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] as const;

/** The EKS access policy giving cluster-admin. */
export const EKS_CLUSTER_ADMIN_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';

export interface AwsKubernetesClusterProps {
  /** Cluster name. */
  readonly name: string;
  /** Kubernetes minor version (`1.30`). */
  readonly kubernetesVersion: string;
  /** Private subnets for the control-plane network interfaces. */
  readonly subnetIds: string[];
  /**
   * CIDRs allowed to reach the public API endpoint. Empty: the endpoint is private only.
   * @default []
   */
  readonly apiAllowedCidrs?: readonly string[];
  /**
   * Retention of the control-plane logs, in days.
   * @default 90
   */
  readonly logRetentionDays?: number;
  /** KMS key encrypting the control-plane log group. @default AWS-owned encryption */
  readonly logKmsKeyArn?: string;
  /**
   * IAM principals (roles) that administer the cluster: each gets an access entry with
   * `AmazonEKSClusterAdminPolicy` on the whole cluster. These are the only Kubernetes admins; whoever runs
   * `terraform apply` gets no implicit access (`bootstrap_cluster_creator_admin_permissions = false`).
   * @default []
   */
  readonly adminPrincipalArns?: readonly string[];
  /**
   * Refuse `terraform destroy` of the cluster.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /** Tags for every resource. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * An EKS cluster with a private API endpoint, all control-plane logs, envelope encryption of Secrets with
 * a rotating KMS key, access entries only (API authentication mode, declared admins, no implicit creator
 * admin), an IAM OIDC provider for IRSA and the Pod Identity agent.
 */
export class AwsKubernetesCluster extends Construct {
  public readonly cluster: EksCluster;
  public readonly secretsKey: KmsKey;
  public readonly oidcProvider: IamOpenidConnectProvider;

  constructor(scope: Construct, id: string, props: AwsKubernetesClusterProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    const allowed = [...(props.apiAllowedCidrs ?? [])];
    if (allowed.some((c) => c === '0.0.0.0/0')) {
      throw new Error(`AwsKubernetesCluster '${props.name}': apiAllowedCidrs must not contain 0.0.0.0/0`);
    }

    this.secretsKey = new KmsKey(this, 'secrets-key', {
      description: `EKS ${props.name} Secrets envelope encryption`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags,
    });
    new KmsAlias(this, 'secrets-key-alias', { name: `alias/${props.name}-eks-secrets`, targetKeyId: this.secretsKey.keyId });

    const role = new IamRole(this, 'cluster-role', {
      name: `${props.name}-cluster`,
      assumeRolePolicy: serviceTrustPolicy('eks.amazonaws.com', ['sts:AssumeRole', 'sts:TagSession']),
      tags,
    });
    const attachment = new IamRolePolicyAttachment(this, 'cluster-policy', {
      role: role.name,
      policyArn: managedPolicy('AmazonEKSClusterPolicy'),
    });

    // EKS creates this group itself when logging is on; owning it sets the retention.
    const logGroup = new CloudwatchLogGroup(this, 'control-plane-logs', {
      name: `/aws/eks/${props.name}/cluster`,
      retentionInDays: props.logRetentionDays ?? 90,
      kmsKeyId: props.logKmsKeyArn,
      tags,
    });

    this.cluster = new EksCluster(this, 'cluster', {
      name: props.name,
      version: props.kubernetesVersion,
      roleArn: role.arn,
      vpcConfig: {
        subnetIds: props.subnetIds,
        endpointPrivateAccess: true,
        endpointPublicAccess: allowed.length > 0,
        publicAccessCidrs: allowed.length > 0 ? allowed : undefined,
      },
      enabledClusterLogTypes: [...EKS_LOG_TYPES],
      encryptionConfig: { resources: ['secrets'], provider: { keyArn: this.secretsKey.arn } },
      // No hidden admin: the creator's implicit access entry cannot be seen in code, survives role changes and
      // can only be dropped by replacing the cluster. Admins are the declared access entries below.
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: false },
      // Standard support only: extended support costs six times as much per cluster hour.
      upgradePolicy: { supportType: 'STANDARD' },
      deletionProtection: props.deletionProtection ?? true,
      tags,
      dependsOn: [attachment, logGroup],
    });

    (props.adminPrincipalArns ?? []).forEach((principalArn, i) => {
      const entry = new EksAccessEntry(this, `admin-${i}`, {
        clusterName: this.cluster.name,
        principalArn,
        type: 'STANDARD',
        tags,
      });
      new EksAccessPolicyAssociation(this, `admin-${i}-policy`, {
        clusterName: this.cluster.name,
        principalArn: entry.principalArn,
        policyArn: EKS_CLUSTER_ADMIN_POLICY,
        accessScope: { type: 'cluster' },
      });
    });

    // IRSA: an IAM OIDC provider for the cluster's service account issuer.
    this.oidcProvider = new IamOpenidConnectProvider(this, 'oidc-provider', {
      url: this.cluster.identity.get(0).oidc.get(0).issuer,
      clientIdList: ['sts.amazonaws.com'],
      tags,
    });
    // The VPC CNI as a managed add-on with its network policy agent on: without it EKS ignores every
    // NetworkPolicy (the platform's default deny included). https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html
    new EksAddon(this, 'vpc-cni', {
      clusterName: this.cluster.name,
      addonName: 'vpc-cni',
      resolveConflictsOnUpdate: 'OVERWRITE',
      configurationValues: JSON.stringify({ enableNetworkPolicy: 'true' }),
      tags,
    });
    // EKS Pod Identity, the simpler successor of IRSA, used by Karpenter and the platform's add-ons.
    const podIdentityAgent = new EksAddon(this, 'pod-identity-agent', {
      clusterName: this.cluster.name,
      addonName: 'eks-pod-identity-agent',
      resolveConflictsOnUpdate: 'OVERWRITE',
      tags,
    });

    // Block storage: EKS has no CSI driver and no snapshot controller of its own. The EBS CSI
    // driver's controller gets its identity through Pod Identity (the managed policy the driver
    // documents); volumes are encrypted (StorageClass `encrypted: "true"`, see lib/cost storage).
    const ebsRole = new IamRole(this, 'ebs-csi-role', {
      name: `${props.name}-ebs-csi`,
      assumeRolePolicy: serviceTrustPolicy('pods.eks.amazonaws.com', ['sts:AssumeRole', 'sts:TagSession']),
      tags,
    });
    new IamRolePolicyAttachment(this, 'ebs-csi-policy', { role: ebsRole.name, policyArn: managedPolicy('service-role/AmazonEBSCSIDriverPolicy') });
    new EksAddon(this, 'ebs-csi-driver', {
      clusterName: this.cluster.name,
      addonName: 'aws-ebs-csi-driver',
      resolveConflictsOnUpdate: 'OVERWRITE',
      podIdentityAssociation: [{ roleArn: ebsRole.arn, serviceAccount: EBS_CSI_CONTROLLER_SERVICE_ACCOUNT }],
      dependsOn: [podIdentityAgent],
      tags,
    });
    new EksAddon(this, 'snapshot-controller', {
      clusterName: this.cluster.name,
      addonName: 'snapshot-controller',
      resolveConflictsOnUpdate: 'OVERWRITE',
      tags,
    });
  }

  public get name(): string {
    return this.cluster.name;
  }
  public get endpoint(): string {
    return this.cluster.endpoint;
  }
  public get certificateAuthority(): string {
    return this.cluster.certificateAuthority.get(0).data;
  }
}
