import { Construct } from 'constructs';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { prefixLength, subnetCidr } from '../../core/cidr';

export interface AzureNetworkProps {
  /** Name prefix (the cluster name). */
  readonly name: string;
  readonly resourceGroupName: string;
  readonly location: string;
  /** VNet address space, a /16: nodes get the first /18, PostgreSQL and private endpoints a /24 each. */
  readonly cidr: string;
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
    if (prefixLength(props.cidr) !== 16) {
      throw new Error(`AzureNetwork '${props.name}': networkCidr must be a /16 (got ${props.cidr})`);
    }
    const base = { resourceGroupName: props.resourceGroupName };
    this.vnet = new VirtualNetwork(this, 'vnet', {
      ...base,
      name: `${props.name}-vnet`,
      location: props.location,
      addressSpace: [props.cidr],
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
    this.nodeSubnet = subnet('nodes', subnetCidr(props.cidr, 18, 0));
    this.postgresSubnet = subnet('postgres', subnetCidr(props.cidr, 24, 64), {
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
    this.endpointSubnet = subnet('private-endpoints', subnetCidr(props.cidr, 24, 65), {
      privateEndpointNetworkPolicies: 'Enabled',
    });
  }
}
