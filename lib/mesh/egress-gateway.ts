import { Construct } from 'constructs';
import { Gateway, GatewaySpecServers, GatewaySpecServersTlsMode } from '../../imports/istio-networking.istio.io';
import { gatewayResource } from './gateway-resource';
import { EGRESS_GATEWAY, GatewayDeployment } from './mesh-config';

export interface EgressGatewayProps {
  /** The gateway deployment the Gateway binds to. @default EGRESS_GATEWAY (istio-egress/istio-egressgateway) */
  readonly deployment?: GatewayDeployment;
}

/**
 * The egress Gateway: TLS pass-through (SNI routed) for the external hosts that leave the mesh
 * through the egress gateway. One server per port; hosts are exact names.
 */
export class EgressGateway extends Construct {
  public readonly deployment: GatewayDeployment;
  private readonly hostsByPort = new Map<number, Set<string>>();
  private resource?: Gateway;

  constructor(scope: Construct, id: string, props: EgressGatewayProps = {}) {
    super(scope, id);
    this.deployment = props.deployment ?? EGRESS_GATEWAY;
  }

  /** `<namespace>/<gateway>`, for VirtualServices binding to this Gateway. */
  public get reference(): string {
    return `${this.deployment.namespace}/${this.deployment.gatewayName}`;
  }

  /** Cluster-local FQDN of the egress gateway's Service. */
  public get serviceHost(): string {
    return `${this.deployment.release}.${this.deployment.namespace}.svc.cluster.local`;
  }

  /** Passes TLS for `host` on `port` through to the outside world. */
  public addTlsHost(host: string, port: number): void {
    if (host.includes('*')) throw new Error(`EgressGateway: "${host}" is a wildcard; SNI pass-through needs exact host names`);
    const hosts = this.hostsByPort.get(port) ?? new Set<string>();
    hosts.add(host);
    this.hostsByPort.set(port, hosts);
    this.ensureResource();
  }

  /** Ports the gateway's Service must expose. */
  public get ports(): number[] {
    return [...this.hostsByPort.keys()].sort((a, b) => a - b);
  }

  /** The Gateway is created with its first host: a Gateway without servers is invalid. */
  private ensureResource(): void {
    this.resource ??= gatewayResource(this, this.deployment, () => this.servers());
  }

  private servers(): GatewaySpecServers[] {
    return this.ports.map((port) => ({
      name: `tls-${port}`,
      port: { number: port, name: `tls-${port}`, protocol: 'TLS' },
      hosts: [...this.hostsByPort.get(port)!].sort(),
      tls: { mode: GatewaySpecServersTlsMode.PASSTHROUGH },
    }));
  }
}
