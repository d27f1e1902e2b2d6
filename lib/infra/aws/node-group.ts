import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { EksNodeGroup } from '@cdktf/provider-aws/lib/eks-node-group';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import type { NodePoolConfig } from '../../core/model';
import { spotInstanceTypes } from '../../core/cloud';
import { nodeUserData } from '../../core/node-user-data';

export interface AwsNodeGroupProps {
  /** Prefix of resource names (the cluster name as a literal). */
  readonly namePrefix: string;
  /** The cluster's name attribute (a reference, so the group waits for the cluster). */
  readonly clusterName: string;
  /** The pool from the platform model: purpose, instance type, sizes, spot. */
  readonly pool: NodePoolConfig;
  /** IAM role of the nodes. */
  readonly nodeRoleArn: string;
  /** Private subnets of the nodes. */
  readonly subnetIds: string[];
  /**
   * Root volume size in GiB (gp3, encrypted).
   * @default 100
   */
  readonly diskSizeGiB?: number;
  /**
   * IMDS hop limit. 1 keeps pods (one hop further) away from the node's credentials; they use Pod
   * Identity / IRSA instead.
   * @default 1
   */
  readonly metadataHopLimit?: 1 | 2;
  /** Resources the node group waits for (the node role's policy attachments). @default [] */
  readonly dependsOn?: ITerraformDependable[];
  /** Tags for every resource. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * A managed node group of one model pool: AL2023 nodes from a launch template with IMDSv2 required,
 * encrypted gp3 root volumes and the CERES sysctl / kubelet tuning in user data; spot capacity over several
 * interchangeable instance types when the pool says so.
 */
export class AwsNodeGroup extends Construct {
  public readonly nodeGroup: EksNodeGroup;
  public readonly launchTemplate: LaunchTemplate;

  constructor(scope: Construct, id: string, props: AwsNodeGroupProps) {
    super(scope, id);
    const { pool } = props;
    const tags = props.tags ?? {};
    if (!(pool.min <= pool.desired && pool.desired <= pool.max)) {
      throw new Error(`node pool '${pool.name}' of ${props.namePrefix}: need min <= desired <= max`);
    }
    const name = `${props.namePrefix}-${pool.name}`;
    this.launchTemplate = new LaunchTemplate(this, 'launch-template', {
      name,
      description: `${name} nodes (CERES tuning, IMDSv2 only)`,
      updateDefaultVersion: true,
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpTokens: 'required',
        httpPutResponseHopLimit: props.metadataHopLimit ?? 1,
        instanceMetadataTags: 'disabled',
      },
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          ebs: {
            volumeSize: props.diskSizeGiB ?? 100,
            volumeType: 'gp3',
            encrypted: 'true',
            deleteOnTermination: 'true',
          },
        },
      ],
      monitoring: { enabled: true },
      userData: nodeUserData(pool.purpose),
      tagSpecifications: [
        { resourceType: 'instance', tags: { ...tags, Name: name } },
        { resourceType: 'volume', tags: { ...tags, Name: name } },
      ],
      tags,
    });

    this.nodeGroup = new EksNodeGroup(this, 'node-group', {
      clusterName: props.clusterName,
      nodeGroupName: pool.name,
      nodeRoleArn: props.nodeRoleArn,
      subnetIds: props.subnetIds,
      amiType: 'AL2023_x86_64_STANDARD',
      capacityType: pool.spot ? 'SPOT' : 'ON_DEMAND',
      // Spot: several interchangeable types (EKS uses the price-capacity-optimized strategy across them).
      instanceTypes: pool.spot ? spotInstanceTypes(pool.instanceType) : [pool.instanceType],
      scalingConfig: { minSize: pool.min, desiredSize: pool.desired, maxSize: pool.max },
      updateConfig: { maxUnavailablePercentage: 33 },
      launchTemplate: { id: this.launchTemplate.id, version: `${this.launchTemplate.latestVersion}` },
      labels: { 'ceres.io/pool': pool.name, 'ceres.io/purpose': pool.purpose },
      tags,
      // Cluster Autoscaler / Karpenter own the node count after creation.
      lifecycle: { ignoreChanges: ['scaling_config[0].desired_size'] },
      dependsOn: props.dependsOn,
    });
  }
}
