import { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry';
import { EksPodIdentityAssociation } from '@cdktf/provider-aws/lib/eks-pod-identity-association';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { AwsNodeRole } from './node-role';
import { PolicyStatement, policyDocument, serviceTrustPolicy } from './policies';

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
  /** The cluster's ARN, to which the controller policy limits its EKS reads. */
  readonly clusterArn: string;
  /** AWS region, for the controller policy conditions. */
  readonly region: string;
  /**
   * Names the chart and the EC2NodeClass use too (`karpenterNames()` of lib/core/cloud.ts): the interruption
   * queue, and the node role (its instance profile carries the same name).
   */
  readonly names: { readonly interruptionQueue: string; readonly nodeRole: string };
  /**
   * Namespace and service account of the Karpenter controller, bound to its role with EKS Pod Identity: the
   * platform model's `karpenter` workload identity.
   */
  readonly controller: { readonly namespace: string; readonly serviceAccount: string; readonly description?: string };
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
    const controller = props.controller;

    this.nodeRole = new AwsNodeRole(this, 'node-role', { name: props.names.nodeRole, tags });
    this.instanceProfile = new IamInstanceProfile(this, 'instance-profile', {
      name: props.names.nodeRole,
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
      name: props.names.interruptionQueue,
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
      description: controller.description,
      assumeRolePolicy: serviceTrustPolicy('pods.eks.amazonaws.com', ['sts:AssumeRole', 'sts:TagSession']),
      tags,
    });
    new IamRolePolicy(this, 'controller-policy', {
      role: this.controllerRole.id,
      name: 'karpenter-controller',
      policy: policyDocument(
        ...karpenterControllerStatements({
          // The literal name: it is part of tag keys in the conditions, and must read well in reviews.
          clusterName: props.namePrefix,
          clusterArn: props.clusterArn,
          region: props.region,
          accountId: new DataAwsCallerIdentity(this, 'account').accountId,
          nodeRoleArn: this.nodeRole.arn,
          queueArn: this.queue.arn,
        }),
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

/** What the Karpenter controller policy is scoped to. */
export interface KarpenterPolicyScope {
  /** The cluster name (tag values Karpenter puts on what it creates). */
  readonly clusterName: string;
  /** ARN of the cluster (for `eks:DescribeCluster` and zonal shift reads). */
  readonly clusterArn: string;
  /** AWS region the EC2 actions are limited to (`aws:RequestedRegion`). */
  readonly region: string;
  /** AWS account id, in the ARNs of the instance profiles Karpenter manages. */
  readonly accountId: string;
  /** The only role Karpenter may pass to EC2 (through its instance profiles). */
  readonly nodeRoleArn: string;
  /** ARN of the interruption queue the controller reads and deletes messages from. */
  readonly queueArn: string;
}

/**
 * The Karpenter v1 controller policy, scoped like the reference (terraform-aws-modules/eks `karpenter`):
 * it may launch instances only into this region's subnets, security groups and images, only with the
 * cluster's ownership and node pool tags in the request (`aws:RequestTag`), may tag, terminate and delete
 * only what carries those tags (`aws:ResourceTag`), may pass only the node role and only to EC2
 * (`iam:PassedToService`), and may manage only the instance profiles it tagged itself.
 */
export function karpenterControllerStatements(scope: KarpenterPolicyScope): PolicyStatement[] {
  const { clusterName, region, accountId } = scope;
  const ec2 = (type: string, account = '*') => `arn:aws:ec2:${region}:${account}:${type}/*`;
  const owned = { [`aws:RequestTag/kubernetes.io/cluster/${clusterName}`]: 'owned', 'aws:RequestTag/eks:eks-cluster-name': clusterName };
  const ownedResource = { [`aws:ResourceTag/kubernetes.io/cluster/${clusterName}`]: 'owned' };
  const launched = ['fleet', 'instance', 'volume', 'network-interface', 'launch-template', 'spot-instances-request'].map((t) => ec2(t));
  const profiles = `arn:aws:iam::${accountId}:instance-profile/*`;
  return [
    {
      Sid: 'AllowScopedEC2InstanceAccessActions',
      Effect: 'Allow',
      Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
      Resource: [
        `arn:aws:ec2:${region}::image/*`,
        `arn:aws:ec2:${region}::snapshot/*`,
        ec2('security-group'),
        ec2('subnet'),
        ec2('capacity-reservation'),
        ec2('placement-group'),
      ],
    },
    {
      Sid: 'AllowScopedEC2LaunchTemplateAccessActions',
      Effect: 'Allow',
      Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
      Resource: ec2('launch-template'),
      Condition: { StringEquals: ownedResource, StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' } },
    },
    {
      Sid: 'AllowScopedEC2InstanceActionsWithTags',
      Effect: 'Allow',
      Action: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'],
      Resource: [...launched, ec2('capacity-reservation')],
      Condition: { StringEquals: owned, StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' } },
    },
    {
      Sid: 'AllowScopedResourceCreationTagging',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: launched,
      Condition: {
        StringEquals: { ...owned, 'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'] },
        StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
      },
    },
    {
      Sid: 'AllowScopedResourceTagging',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: ec2('instance'),
      Condition: {
        StringEquals: ownedResource,
        StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
        StringEqualsIfExists: { 'aws:RequestTag/eks:eks-cluster-name': clusterName },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'] },
      },
    },
    {
      Sid: 'AllowScopedDeletion',
      Effect: 'Allow',
      Action: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
      Resource: [ec2('instance'), ec2('launch-template')],
      Condition: { StringEquals: ownedResource, StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' } },
    },
    {
      Sid: 'AllowRegionalReadActions',
      Effect: 'Allow',
      Action: [
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeCapacityReservations',
        'ec2:DescribeImages',
        'ec2:DescribeInstances',
        'ec2:DescribeInstanceStatus',
        'ec2:DescribeInstanceTypeOfferings',
        'ec2:DescribeInstanceTypes',
        'ec2:DescribeLaunchTemplates',
        'ec2:DescribePlacementGroups',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSpotPriceHistory',
        'ec2:DescribeSubnets',
      ],
      Resource: '*',
      Condition: { StringEquals: { 'aws:RequestedRegion': region } },
    },
    { Sid: 'AllowSSMReadActions', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: `arn:aws:ssm:${region}::parameter/aws/service/*` },
    { Sid: 'AllowPricingReadActions', Effect: 'Allow', Action: 'pricing:GetProducts', Resource: '*' },
    { Sid: 'AllowZonalShiftReadActions', Effect: 'Allow', Action: 'arc-zonal-shift:GetManagedResource', Resource: scope.clusterArn },
    {
      Sid: 'AllowInterruptionQueueActions',
      Effect: 'Allow',
      Action: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
      Resource: scope.queueArn,
    },
    {
      Sid: 'AllowPassingInstanceRole',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: scope.nodeRoleArn,
      Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    },
    {
      Sid: 'AllowScopedInstanceProfileCreationActions',
      Effect: 'Allow',
      Action: 'iam:CreateInstanceProfile',
      Resource: profiles,
      Condition: {
        StringEquals: { ...owned, 'aws:RequestTag/topology.kubernetes.io/region': region },
        StringLike: { 'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*' },
      },
    },
    {
      Sid: 'AllowScopedInstanceProfileTagActions',
      Effect: 'Allow',
      Action: 'iam:TagInstanceProfile',
      Resource: profiles,
      Condition: {
        StringEquals: {
          ...ownedResource,
          'aws:ResourceTag/topology.kubernetes.io/region': region,
          ...owned,
          'aws:RequestTag/topology.kubernetes.io/region': region,
        },
        StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*', 'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*' },
      },
    },
    {
      Sid: 'AllowScopedInstanceProfileActions',
      Effect: 'Allow',
      Action: ['iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile'],
      Resource: profiles,
      Condition: {
        StringEquals: { ...ownedResource, 'aws:ResourceTag/topology.kubernetes.io/region': region },
        StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*' },
      },
    },
    { Sid: 'AllowInstanceProfileReadActions', Effect: 'Allow', Action: 'iam:GetInstanceProfile', Resource: profiles },
    { Sid: 'AllowUnscopedInstanceProfileListAction', Effect: 'Allow', Action: 'iam:ListInstanceProfiles', Resource: '*' },
    { Sid: 'AllowAPIServerEndpointDiscovery', Effect: 'Allow', Action: 'eks:DescribeCluster', Resource: scope.clusterArn },
  ];
}
