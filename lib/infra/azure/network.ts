import { Construct } from 'constructs';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { prefixLength } from '../../core/cidr';
import type { NetworkPlan } from '../../core/cloud';

export interface AzureNetworkProps {
  /** Name prefix (the cluster name). */
  readonly name: string;
  /** Resource group of the VNet and its subnets. */
  readonly resourceGroupName: string;
  /** Azure location of the VNet. */
  readonly location: string;
  /**
   * The cluster's network plan (`networkPlan()` of lib/core/cloud.ts): the VNet's /16, one node subnet, one
   * data subnet (delegated to PostgreSQL) and one private endpoint subnet. The Kubernetes side's
   * NetworkPolicies name the same subnets.
   */
  readonly plan: NetworkPlan;
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * A VNet with a node subnet (Azure CNI overlay: pods do not consume VNet addresses), a subnet delegated to
 * PostgreSQL Flexible Server, and a subnet for private endpoints. No subnet gets default outbound access.
 */
export class AzureNetwork extends Construct {
  public readonly vnet: VirtualNetwork;
  public readonly nodeSubnet: Subnet;
  public readonly postgresSubnet: Subnet;
  public readonly endpointSubnet: Subnet;

  constructor(scope: Construct, id: string, props: AzureNetworkProps) {
    super(scope, id);
    const { plan } = props;
    if (prefixLength(plan.cidr) !== 16) {
      throw new Error(`AzureNetwork '${props.name}': networkCidr must be a /16 (got ${plan.cidr})`);
    }
    for (const kind of ['nodes', 'data', 'endpoints'] as const) {
      if (plan[kind].length !== 1) throw new Error(`AzureNetwork '${props.name}': the network plan has ${plan[kind].length} ${kind} subnets, not one`);
    }
    const base = { resourceGroupName: props.resourceGroupName };
    this.vnet = new VirtualNetwork(this, 'vnet', {
      ...base,
      name: `${props.name}-vnet`,
      location: props.location,
      addressSpace: [plan.cidr],
      tags: props.tags ?? {},
    });
    const subnet = (id: string, cidr: string, extra: Partial<ConstructorParameters<typeof Subnet>[2]> = {}) =>
      new Subnet(this, id, {
        ...base,
        name: id,
        virtualNetworkName: this.vnet.name,
        addressPrefixes: [cidr],
        defaultOutboundAccessEnabled: false,
        ...extra,
      });
    this.nodeSubnet = subnet('nodes', plan.nodes[0]);
    this.postgresSubnet = subnet('postgres', plan.data[0], {
      serviceEndpoints: ['Microsoft.Storage'],
      delegation: [
        {
          name: 'postgres-flexible-server',
          serviceDelegation: {
            name: 'Microsoft.DBforPostgreSQL/flexibleServers',
            actions: ['Microsoft.Network/virtualNetworks/subnets/join/action'],
          },
        },
      ],
    });
    this.endpointSubnet = subnet('private-endpoints', plan.endpoints[0], {
      privateEndpointNetworkPolicies: 'Enabled',
    });
  }
}
