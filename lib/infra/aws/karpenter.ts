import { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry';
import { EksPodIdentityAssociation } from '@cdktf/provider-aws/lib/eks-pod-identity-association';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { AwsNodeRole } from './node-role';
import { policyDocument, serviceTrustPolicy } from './policies';

/** The EC2 events Karpenter handles ahead of time (drains the node before AWS takes it away). */
export const KARPENTER_INTERRUPTION_EVENTS = {
  'spot-interruption': { source: ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] },
  rebalance: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance Rebalance Recommendation'] },
  'instance-state-change': { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] },
  'scheduled-change': { source: ['aws.health'], 'detail-type': ['AWS Health Event'] },
} as const;

export interface KarpenterAwsResourcesProps {
  /** Prefix of resource names (the cluster name as a literal, so names are readable in the plan). */
  readonly namePrefix: string;
  /** The cluster's name attribute (a reference, so resources wait for the cluster). */
  readonly clusterName: string;
  readonly clusterArn: string;
  /** AWS region, for the controller policy conditions. */
  readonly region: string;
  /**
   * Namespace and service account of the Karpenter controller (Pod Identity association).
   * @default { namespace: 'kube-system', serviceAccount: 'karpenter' }
   */
  readonly controller?: { readonly namespace: string; readonly serviceAccount: string };
  /**
   * How long interruption messages stay in the queue, in seconds.
   * @default 300
   */
  readonly messageRetentionSeconds?: number;
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * The AWS side of Karpenter: a node role and instance profile (with an EKS access entry so its nodes can
 * join), the SQS interruption queue (SSE, TLS only) fed by EventBridge rules for spot interruptions,
 * rebalance recommendations, instance state changes and scheduled changes, and the controller's IAM role
 * bound with EKS Pod Identity. The Kubernetes side (Helm chart, NodePools, EC2NodeClass) is GitOps.
 */
export class KarpenterAwsResources extends Construct {
  public readonly nodeRole: AwsNodeRole;
  public readonly instanceProfile: IamInstanceProfile;
  public readonly queue: SqsQueue;
  public readonly controllerRole: IamRole;

  constructor(scope: Construct, id: string, props: KarpenterAwsResourcesProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    const controller = props.controller ?? { namespace: 'kube-system', serviceAccount: 'karpenter' };

    this.nodeRole = new AwsNodeRole(this, 'node-role', { name: `${props.namePrefix}-karpenter-node`, tags });
    this.instanceProfile = new IamInstanceProfile(this, 'instance-profile', {
      name: `${props.namePrefix}-karpenter-node`,
      role: this.nodeRole.role.name,
      tags,
    });
    new EksAccessEntry(this, 'node-access-entry', {
      clusterName: props.clusterName,
      principalArn: this.nodeRole.arn,
      type: 'EC2_LINUX',
      tags,
    });

    this.queue = new SqsQueue(this, 'interruption-queue', {
      name: `${props.namePrefix}-karpenter`,
      messageRetentionSeconds: props.messageRetentionSeconds ?? 300,
      sqsManagedSseEnabled: true,
      tags,
    });
    new SqsQueuePolicy(this, 'interruption-queue-policy', {
      queueUrl: this.queue.url,
      policy: policyDocument(
        {
          Sid: 'EventBridgeWrite',
          Effect: 'Allow',
          Principal: { Service: ['events.amazonaws.com', 'sqs.amazonaws.com'] },
          Action: 'sqs:SendMessage',
          Resource: this.queue.arn,
        },
        {
          Sid: 'DenyHTTP',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sqs:*',
          Resource: this.queue.arn,
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ),
    });
    for (const [name, pattern] of Object.entries(KARPENTER_INTERRUPTION_EVENTS)) {
      const rule = new CloudwatchEventRule(this, `${name}-rule`, {
        name: `${props.namePrefix}-karpenter-${name}`,
        description: `Karpenter interruption handling: ${name}`,
        eventPattern: JSON.stringify(pattern),
        tags,
      });
      new CloudwatchEventTarget(this, `${name}-target`, {
        rule: rule.name,
        targetId: 'karpenter-interruption-queue',
        arn: this.queue.arn,
      });
    }

    this.controllerRole = new IamRole(this, 'controller-role', {
      name: `${props.namePrefix}-karpenter-controller`,
      assumeRolePolicy: serviceTrustPolicy('pods.eks.amazonaws.com', ['sts:AssumeRole', 'sts:TagSession']),
      tags,
    });
    new IamRolePolicy(this, 'controller-policy', {
      role: this.controllerRole.id,
      name: 'karpenter-controller',
      policy: policyDocument(
        {
          Sid: 'Provisioning',
          Effect: 'Allow',
          Action: [
            'ec2:CreateFleet',
            'ec2:CreateLaunchTemplate',
            'ec2:CreateTags',
            'ec2:DeleteLaunchTemplate',
            'ec2:RunInstances',
            'ec2:TerminateInstances',
          ],
          Resource: '*',
          Condition: { StringEquals: { 'aws:RequestedRegion': props.region } },
        },
        {
          Sid: 'Discovery',
          Effect: 'Allow',
          Action: [
            'ec2:DescribeAvailabilityZones',
            'ec2:DescribeImages',
            'ec2:DescribeInstances',
            'ec2:DescribeInstanceTypeOfferings',
            'ec2:DescribeInstanceTypes',
            'ec2:DescribeLaunchTemplates',
            'ec2:DescribeSecurityGroups',
            'ec2:DescribeSpotPriceHistory',
            'ec2:DescribeSubnets',
            'pricing:GetProducts',
            'ssm:GetParameter',
          ],
          Resource: '*',
        },
        {
          Sid: 'Interruptions',
          Effect: 'Allow',
          Action: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
          Resource: this.queue.arn,
        },
        { Sid: 'PassNodeRole', Effect: 'Allow', Action: 'iam:PassRole', Resource: this.nodeRole.arn },
        {
          Sid: 'InstanceProfiles',
          Effect: 'Allow',
          Action: [
            'iam:AddRoleToInstanceProfile',
            'iam:CreateInstanceProfile',
            'iam:DeleteInstanceProfile',
            'iam:GetInstanceProfile',
            'iam:RemoveRoleFromInstanceProfile',
            'iam:TagInstanceProfile',
          ],
          Resource: '*',
        },
        { Sid: 'Cluster', Effect: 'Allow', Action: 'eks:DescribeCluster', Resource: props.clusterArn },
      ),
    });
    new EksPodIdentityAssociation(this, 'controller-identity', {
      clusterName: props.clusterName,
      namespace: controller.namespace,
      serviceAccount: controller.serviceAccount,
      roleArn: this.controllerRole.arn,
      tags,
    });
  }
}
