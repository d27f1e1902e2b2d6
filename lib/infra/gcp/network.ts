import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { ComputeGlobalAddress } from '@cdktf/provider-google/lib/compute-global-address';
import { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network';
import { ComputeRouter } from '@cdktf/provider-google/lib/compute-router';
import { ComputeRouterNat } from '@cdktf/provider-google/lib/compute-router-nat';
import { ComputeSubnetwork } from '@cdktf/provider-google/lib/compute-subnetwork';
import { ServiceNetworkingConnection } from '@cdktf/provider-google/lib/service-networking-connection';
import { prefixLength } from '../../core/cidr';
import type { NetworkPlan } from '../../core/cloud';

/** Names of the subnet's secondary ranges used by GKE. */
export const GKE_POD_RANGE = 'pods';
export const GKE_SERVICE_RANGE = 'services';

export interface GcpNetworkProps {
  /** Name prefix (the cluster name). */
  readonly name: string;
  /** GCP project id. */
  readonly project: string;
  /** GCP region of the subnet. */
  readonly region: string;
  /**
   * The cluster's network plan (`networkPlan()` of lib/core/cloud.ts): the network's /16 and its one node
   * range, the subnet's primary range.
   */
  readonly plan: NetworkPlan;
  /** The subnet's secondary ranges for GKE services and pods (`gkeSecondaryRanges()` of lib/core/cloud.ts). */
  readonly secondaryRanges: { readonly services: string; readonly pods: string };
  /**
   * Prefix length of the range reserved for Google-managed services (Cloud SQL private IP).
   * @default 20
   */
  readonly privateServicesPrefixLength?: number;
  /** Resources the network waits for (the project's enabled APIs). @default [] */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * A custom-mode VPC with one regional subnet (secondary ranges for pods and services, private Google access,
 * flow logs), Cloud NAT for private nodes, and private services access (the peering Cloud SQL's private IP
 * uses).
 */
export class GcpNetwork extends Construct {
  public readonly network: ComputeNetwork;
  public readonly subnet: ComputeSubnetwork;
  /** The service networking peering; Cloud SQL instances depend on it. */
  public readonly privateServicesConnection: ServiceNetworkingConnection;

  constructor(scope: Construct, id: string, props: GcpNetworkProps) {
    super(scope, id);
    const { plan } = props;
    if (prefixLength(plan.cidr) !== 16) {
      throw new Error(`GcpNetwork '${props.name}': networkCidr must be a /16 (got ${plan.cidr})`);
    }
    if (plan.nodes.length !== 1) throw new Error(`GcpNetwork '${props.name}': the network plan has ${plan.nodes.length} node ranges, not one`);
    const project = props.project;
    this.network = new ComputeNetwork(this, 'network', {
      name: props.name,
      project,
      autoCreateSubnetworks: false,
      routingMode: 'REGIONAL',
      deleteDefaultRoutesOnCreate: false,
      dependsOn: props.dependsOn,
    });
    this.subnet = new ComputeSubnetwork(this, 'subnet', {
      name: `${props.name}-nodes`,
      project,
      region: props.region,
      network: this.network.id,
      ipCidrRange: plan.nodes[0],
      privateIpGoogleAccess: true,
      secondaryIpRange: [
        { rangeName: GKE_SERVICE_RANGE, ipCidrRange: props.secondaryRanges.services },
        { rangeName: GKE_POD_RANGE, ipCidrRange: props.secondaryRanges.pods },
      ],
      logConfig: { aggregationInterval: 'INTERVAL_5_SEC', flowSampling: 0.5, metadata: 'INCLUDE_ALL_METADATA' },
    });
    const router = new ComputeRouter(this, 'router', {
      name: `${props.name}-router`,
      project,
      region: props.region,
      network: this.network.id,
    });
    new ComputeRouterNat(this, 'nat', {
      name: `${props.name}-nat`,
      project,
      region: props.region,
      router: router.name,
      natIpAllocateOption: 'AUTO_ONLY',
      sourceSubnetworkIpRangesToNat: 'ALL_SUBNETWORKS_ALL_IP_RANGES',
      logConfig: { enable: true, filter: 'ERRORS_ONLY' },
    });
    const range = new ComputeGlobalAddress(this, 'private-services-range', {
      name: `${props.name}-private-services`,
      project,
      network: this.network.id,
      purpose: 'VPC_PEERING',
      addressType: 'INTERNAL',
      prefixLength: props.privateServicesPrefixLength ?? 20,
    });
    this.privateServicesConnection = new ServiceNetworkingConnection(this, 'private-services', {
      network: this.network.id,
      service: 'servicenetworking.googleapis.com',
      reservedPeeringRanges: [range.name],
    });
  }
}
