import { karpenterNames, SPOT_NODE_LABELS } from '../core/cloud';
import { Construct } from 'constructs';
import {
  Ec2NodeClass,
  Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType,
  Ec2NodeClassSpecMetadataOptionsHttpEndpoint,
  Ec2NodeClassSpecMetadataOptionsHttpTokens,
} from '../../imports/karpenter-ec2nodeclass-karpenter.k8s.aws';
import {
  NodePool,
  NodePoolSpecDisruptionConsolidationPolicy,
  NodePoolSpecLimits,
  NodePoolSpecTemplateSpecRequirementsOperator as Op,
} from '../../imports/karpenter-nodepool-karpenter.sh';
import { ClusterConfig } from '../core/model';
import { nodeUserDataMime } from '../core/node-user-data';
import { clusterPricing } from './cluster-pricing';

export interface KarpenterCapacityProps {
  /** The AWS cluster (its general and memory node pools size the NodePools' limits). */
  readonly cluster: ClusterConfig;
  /**
   * Share of general-purpose CPU kept on on-demand capacity (the baseline that survives a spot
   * reclaim wave).
   * @default 0.25
   */
  readonly onDemandBaselineShare?: number;
  /** AMI alias. @default 'al2023@latest' */
  readonly amiAlias?: string;
  /** Root volume size. @default '50Gi' */
  readonly rootVolumeSize?: string;
}

const NODE_CLASS = 'default';
// The label Karpenter sets on its nodes, which the cost rules read too.
const CAPACITY_TYPE = SPOT_NODE_LABELS.aws[0].key;

/**
 * Karpenter capacity of an AWS cluster: one EC2NodeClass (IMDSv2 only, hop limit 1 so pods cannot
 * reach instance credentials, encrypted gp3 root volumes, subnets and security groups found by the
 * `karpenter.sh/discovery` tag Terraform sets, the node role Terraform creates, the CERES sysctl and
 * kubelet tuning as user data) and three NodePools:
 * - `on-demand-baseline` (weight 100): on-demand general capacity up to a share of the CPU;
 * - `general` (weight 50): spot first, on-demand when spot is short, consolidated when empty or
 *   underutilized;
 * - `memory` (weight 10): on-demand memory-optimized nodes for databases, consolidated only when
 *   empty (moving a database primary costs a failover).
 */
export class KarpenterCapacity extends Construct {
  constructor(scope: Construct, id: string, props: KarpenterCapacityProps) {
    super(scope, id);
    const cluster = props.cluster;
    // vCPUs per instance type from the price table, which every node pool of the model must be in.
    const pools = clusterPricing(cluster).pools;
    const cpu = (purpose: string) => pools.filter((p) => p.pool.purpose === purpose).reduce((sum, p) => sum + p.pool.max * p.instance.vcpus, 0);
    const generalCpu = Math.max(cpu('general'), 8);
    const memoryCpu = Math.max(cpu('memory'), 8);
    const baselineCpu = Math.max(2, Math.ceil(generalCpu * (props.onDemandBaselineShare ?? 0.25)));
    const discovery = { 'karpenter.sh/discovery': cluster.name };

    new Ec2NodeClass(this, 'node-class', {
      metadata: { name: NODE_CLASS },
      spec: {
        role: karpenterNames(cluster).nodeRole,
        // Pin a dated alias (al2023@vYYYYMMDD) to control AMI rollouts; latest follows EKS releases.
        amiSelectorTerms: [{ alias: props.amiAlias ?? 'al2023@latest' }],
        subnetSelectorTerms: [{ tags: discovery }],
        securityGroupSelectorTerms: [{ tags: discovery }],
        metadataOptions: {
          httpEndpoint: Ec2NodeClassSpecMetadataOptionsHttpEndpoint.ENABLED,
          httpTokens: Ec2NodeClassSpecMetadataOptionsHttpTokens.REQUIRED,
          httpPutResponseHopLimit: 1,
        },
        blockDeviceMappings: [
          {
            deviceName: '/dev/xvda',
            rootVolume: true,
            ebs: {
              volumeSize: props.rootVolumeSize ?? '50Gi',
              volumeType: Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType.GP3,
              encrypted: true,
              deleteOnTermination: true,
            },
          },
        ],
        tags: { 'ceres.io/cluster': cluster.name },
        // The CERES node tuning (lib/core/node-tuning.ts): sysctls and the kubelet NodeConfig, merged by
        // Karpenter with its own NodeConfig. One NodeClass serves every NodePool, so it carries the general
        // purpose kubelet settings (no CPU pinning on consolidating, spot-heavy capacity).
        userData: nodeUserDataMime('general'),
      },
    });

    const nodeClassRef = { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: NODE_CLASS };
    const common = [
      { key: 'kubernetes.io/arch', operator: Op.IN, values: ['amd64'] },
      { key: 'kubernetes.io/os', operator: Op.IN, values: ['linux'] },
      { key: 'karpenter.k8s.aws/instance-generation', operator: Op.GT, values: ['4'] },
    ];
    const pool = (
      name: string,
      weight: number,
      capacityTypes: string[],
      categories: string[],
      limitCpu: number,
      policy: NodePoolSpecDisruptionConsolidationPolicy,
      after: string,
    ) =>
      new NodePool(this, name, {
        metadata: { name },
        spec: {
          weight,
          limits: { cpu: NodePoolSpecLimits.fromNumber(limitCpu) },
          disruption: { consolidationPolicy: policy, consolidateAfter: after, budgets: [{ nodes: '10%' }] },
          template: {
            metadata: { labels: { 'ceres.io/node-pool': name } },
            spec: {
              nodeClassRef,
              expireAfter: '720h',
              requirements: [
                ...common,
                { key: CAPACITY_TYPE, operator: Op.IN, values: capacityTypes },
                { key: 'karpenter.k8s.aws/instance-category', operator: Op.IN, values: categories },
              ],
            },
          },
        },
      });
    const underutilized = NodePoolSpecDisruptionConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED;
    pool('on-demand-baseline', 100, ['on-demand'], ['c', 'm'], baselineCpu, underutilized, '5m');
    pool('general', 50, ['spot', 'on-demand'], ['c', 'm'], generalCpu, underutilized, '1m');
    pool('memory', 10, ['on-demand'], ['r'], memoryCpu, NodePoolSpecDisruptionConsolidationPolicy.WHEN_EMPTY, '10m');
  }
}
