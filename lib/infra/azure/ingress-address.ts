import { Construct } from 'constructs';
import { TerraformOutput } from 'cdktf';
import { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { FailoverOutputs } from '../../core/traffic-failover';

export interface AzureIngressAddressProps {
  /** The public IP's name (`ingressAddress()` of lib/core/traffic-failover.ts): the gateway Service's `azure-pip-name`. */
  readonly name: string;
  /** Its resource group: the gateway Service's `azure-load-balancer-resource-group`. */
  readonly resourceGroupName: string;
  /** Azure region. */
  readonly location: string;
  /** Principal id of the cluster's control-plane identity, which attaches the address to its load balancer. */
  readonly clusterPrincipalId: string;
  /** Tags. */
  readonly tags: Record<string, string>;
}

/**
 * The static address of the cluster's ingress gateway: a zone-redundant Standard public IP the stack owns,
 * so it outlives the Service and the DNS failover (the AWS stack's SECONDARY record and health check) can
 * name it. The AKS cloud provider attaches it to the cluster's load balancer when the Service names it
 * (annotations `azure-pip-name` and `azure-load-balancer-resource-group`, kubernetes-sigs/cloud-provider-azure);
 * outside the node resource group it needs Network Contributor there, granted on this address only
 * (Microsoft's guide grants it on the whole resource group).
 */
export class AzureIngressAddress extends Construct {
  public readonly address: PublicIp;

  constructor(scope: Construct, id: string, props: AzureIngressAddressProps) {
    super(scope, id);
    this.address = new PublicIp(this, 'address', {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      sku: 'Standard',
      allocationMethod: 'Static',
      zones: ['1', '2', '3'],
      ipVersion: 'IPv4',
      tags: props.tags,
    });
    new RoleAssignment(this, 'attach', {
      scope: this.address.id,
      roleDefinitionName: 'Network Contributor',
      principalId: props.clusterPrincipalId,
      principalType: 'ServicePrincipal',
    });
    new TerraformOutput(this, FailoverOutputs.ingressAddress, {
      value: this.address.ipAddress,
      description: "Static public IP of the ingress gateway's load balancer: variable ingress_address_<cluster> of the environment's AWS stack (DNS failover).",
    }).overrideLogicalId(FailoverOutputs.ingressAddress);
  }
}
