import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { managedPolicy, serviceTrustPolicy } from './policies';

/** The managed policies every EKS worker node needs (SSM for break-glass access without SSH). */
export const NODE_MANAGED_POLICIES = [
  'AmazonEKSWorkerNodePolicy',
  'AmazonEKS_CNI_Policy',
  'AmazonEC2ContainerRegistryReadOnly',
  'AmazonSSMManagedInstanceCore',
] as const;

export interface AwsNodeRoleProps {
  /** Role name. */
  readonly name: string;
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/** The IAM role of EKS worker nodes: the node, CNI, ECR read-only and SSM managed policies, nothing else. */
export class AwsNodeRole extends Construct {
  public readonly role: IamRole;
  /** The policy attachments; node groups depend on them so nodes can join at creation. */
  public readonly attachments: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: AwsNodeRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, 'role', {
      name: props.name,
      assumeRolePolicy: serviceTrustPolicy('ec2.amazonaws.com'),
      tags: props.tags ?? {},
    });
    for (const policy of NODE_MANAGED_POLICIES) {
      this.attachments.push(new IamRolePolicyAttachment(this, policy, { role: this.role.name, policyArn: managedPolicy(policy) }));
    }
  }

  public get arn(): string {
    return this.role.arn;
  }
}
