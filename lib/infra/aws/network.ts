import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { prefixLength } from '../../core/cidr';
import type { NetworkPlan } from '../../core/cloud';

export interface AwsNetworkProps {
  /** Name prefix of the network's resources (the cluster name). */
  readonly name: string;
  /** AWS region (the S3 gateway endpoint's service name). */
  readonly region: string;
  /**
   * The cluster's network plan (`networkPlan()` of lib/core/cloud.ts): the VPC CIDR, a /16, and one node,
   * data and public subnet per availability zone, in the order of `availabilityZones`. The
   * NetworkPolicies and ServiceEntries of the Kubernetes side name the same subnets.
   */
  readonly plan: NetworkPlan;
  /** Availability zones, three for HA (`awsZones()` of lib/core/cloud.ts). */
  readonly availabilityZones: readonly string[];
  /**
   * One NAT gateway per AZ (survives an AZ outage) or a single one (cheaper, for dev).
   * @default true
   */
  readonly natGatewayPerAz?: boolean;
  /**
   * Retention of the VPC flow logs, in days.
   * @default 90
   */
  readonly flowLogRetentionDays?: number;
  /** KMS key encrypting the flow log group. @default AWS-owned encryption */
  readonly logKmsKeyArn?: string;
  /** Name of the EKS cluster, for the subnet discovery tags of the load balancer controller and Karpenter. */
  readonly clusterName: string;
  /** Tags for every resource. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * A VPC across three AZs: private subnets for nodes (/18, room for VPC CNI pod IPs) and data (/21, no
 * route to the internet), public subnets only for NAT gateways and internet-facing load balancers, an S3
 * gateway endpoint (S3 traffic of nodes and data subnets bypasses NAT: no per-GB NAT charge for backups and
 * image layers), VPC flow logs of all traffic, and a default security group stripped of every rule.
 */
export class AwsNetwork extends Construct {
  public readonly vpc: Vpc;
  /** Private subnets for worker nodes and pods, one per AZ. */
  public readonly nodeSubnets: Subnet[] = [];
  /** Their CIDRs (literals, for security group rules of the data services). */
  public readonly nodeSubnetCidrs: string[] = [];
  /** Private subnets for databases and caches, one per AZ, without internet route. */
  public readonly dataSubnets: Subnet[] = [];
  /** Public subnets for NAT gateways and public load balancers only. */
  public readonly publicSubnets: Subnet[] = [];
  /** Public IPs of the NAT gateways: every connection from the cluster to the internet leaves from one of them. */
  public readonly natPublicIps: string[] = [];

  constructor(scope: Construct, id: string, props: AwsNetworkProps) {
    super(scope, id);
    const { plan } = props;
    if (prefixLength(plan.cidr) !== 16) {
      throw new Error(`AwsNetwork '${props.name}': networkCidr must be a /16 (got ${plan.cidr})`);
    }
    if (props.availabilityZones.length !== 3) {
      throw new Error(`AwsNetwork '${props.name}': give exactly three availability zones`);
    }
    for (const kind of ['nodes', 'data', 'public'] as const) {
      if (plan[kind].length !== props.availabilityZones.length) {
        throw new Error(
          `AwsNetwork '${props.name}': the network plan has ${plan[kind].length} ${kind} subnets for ${props.availabilityZones.length} availability zones`,
        );
      }
    }
    const tags = props.tags ?? {};
    const named = (name: string, extra: Record<string, string> = {}) => ({ ...tags, ...extra, Name: name });

    this.vpc = new Vpc(this, 'vpc', {
      cidrBlock: plan.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: named(props.name),
    });

    // The default security group allows all traffic between its members; adopt it and remove every rule
    // so nothing can use it by accident (CIS AWS 5.4).
    new DefaultSecurityGroup(this, 'default-security-group', {
      vpcId: this.vpc.id,
      ingress: [],
      egress: [],
      tags: named(`${props.name}-default-deny`),
    });

    const igw = new InternetGateway(this, 'internet-gateway', { vpcId: this.vpc.id, tags: named(props.name) });
    const publicRoutes = new RouteTable(this, 'public-routes', { vpcId: this.vpc.id, tags: named(`${props.name}-public`) });
    new Route(this, 'public-default-route', {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: '0.0.0.0/0',
      gatewayId: igw.id,
    });
    const dataRoutes = new RouteTable(this, 'data-routes', { vpcId: this.vpc.id, tags: named(`${props.name}-data`) });

    const natPerAz = props.natGatewayPerAz ?? true;
    const nats: NatGateway[] = [];
    const privateRouteTables: RouteTable[] = [dataRoutes];
    props.availabilityZones.forEach((az, i) => {
      const pub = new Subnet(this, `public-${az}`, {
        vpcId: this.vpc.id,
        availabilityZone: az,
        cidrBlock: plan.public[i],
        mapPublicIpOnLaunch: false,
        tags: named(`${props.name}-public-${az}`, { 'kubernetes.io/role/elb': '1' }),
      });
      new RouteTableAssociation(this, `public-${az}-routes`, { subnetId: pub.id, routeTableId: publicRoutes.id });
      this.publicSubnets.push(pub);

      if (natPerAz || i === 0) {
        const eip = new Eip(this, `nat-${az}-ip`, { domain: 'vpc', tags: named(`${props.name}-nat-${az}`) });
        this.natPublicIps.push(eip.publicIp);
        nats.push(
          new NatGateway(this, `nat-${az}`, {
            allocationId: eip.allocationId,
            subnetId: pub.id,
            tags: named(`${props.name}-nat-${az}`),
            dependsOn: [igw],
          }),
        );
      }

      const nodeCidr = plan.nodes[i];
      this.nodeSubnetCidrs.push(nodeCidr);
      const node = new Subnet(this, `nodes-${az}`, {
        vpcId: this.vpc.id,
        availabilityZone: az,
        cidrBlock: nodeCidr,
        tags: named(`${props.name}-nodes-${az}`, {
          'kubernetes.io/role/internal-elb': '1',
          'karpenter.sh/discovery': props.clusterName,
        }),
      });
      const nodeRoutes = new RouteTable(this, `nodes-${az}-routes`, { vpcId: this.vpc.id, tags: named(`${props.name}-nodes-${az}`) });
      privateRouteTables.push(nodeRoutes);
      new Route(this, `nodes-${az}-default-route`, {
        routeTableId: nodeRoutes.id,
        destinationCidrBlock: '0.0.0.0/0',
        natGatewayId: nats[natPerAz ? i : 0].id,
      });
      new RouteTableAssociation(this, `nodes-${az}-routes-association`, { subnetId: node.id, routeTableId: nodeRoutes.id });
      this.nodeSubnets.push(node);

      const data = new Subnet(this, `data-${az}`, {
        vpcId: this.vpc.id,
        availabilityZone: az,
        cidrBlock: plan.data[i],
        tags: named(`${props.name}-data-${az}`),
      });
      new RouteTableAssociation(this, `data-${az}-routes`, { subnetId: data.id, routeTableId: dataRoutes.id });
      this.dataSubnets.push(data);
    });

    // S3 through a gateway endpoint (free) rather than NAT (per GB): backups, ECR image layers, SSM.
    new VpcEndpoint(this, 's3-endpoint', {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: privateRouteTables.map((t) => t.id),
      tags: named(`${props.name}-s3`),
    });

    // VPC flow logs of accepted and rejected traffic, kept in CloudWatch Logs.
    const flowLogGroup = new CloudwatchLogGroup(this, 'flow-logs', {
      name: `/aws/vpc/${props.name}/flow-logs`,
      retentionInDays: props.flowLogRetentionDays ?? 90,
      kmsKeyId: props.logKmsKeyArn,
      tags,
    });
    const flowLogRole = new IamRole(this, 'flow-logs-role', {
      name: `${props.name}-vpc-flow-logs`,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'vpc-flow-logs.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
      tags,
    });
    new IamRolePolicy(this, 'flow-logs-policy', {
      role: flowLogRole.id,
      name: 'write-flow-logs',
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
            Resource: `${flowLogGroup.arn}:*`,
          },
        ],
      }),
    });
    new FlowLog(this, 'flow-log', {
      vpcId: this.vpc.id,
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: flowLogGroup.arn,
      iamRoleArn: flowLogRole.arn,
      maxAggregationInterval: 60,
      tags,
    });
  }

  /** The VPC CIDR, for security group rules. */
  public get cidr(): string {
    return this.vpc.cidrBlock;
  }
}
