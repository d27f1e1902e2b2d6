import { Construct } from 'constructs';
import { ServiceEntry, ServiceEntrySpecLocation, ServiceEntrySpecResolution, VirtualService } from '../../imports/istio-networking.istio.io';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { ExternalService } from '../core/services';
import { EgressGateway } from './egress-gateway';
import { MESH_GATEWAY } from './service-route';

export interface ExternalDestinationProps {
  /** The declared external dependency. */
  readonly external: ExternalService;
  /** The egress gateway TLS destinations are routed through. */
  readonly egress: EgressGateway;
}

/**
 * One external dependency: a ServiceEntry registering its hosts (the mesh is REGISTRY_ONLY, so
 * nothing else outside is reachable), visible only to the namespaces that declared it. TLS
 * destinations with exact host names are routed through the egress gateway (sidecar → gateway →
 * outside, SNI pass-through). Wildcard and plain TCP destinations (managed Postgres and Redis
 * endpoints) cannot be SNI-routed by a gateway, so sidecars reach them directly, still limited to
 * the declared hosts and port.
 */
export class ExternalDestination extends Construct {
  /** Whether the destination leaves through the egress gateway. */
  public readonly viaEgressGateway: boolean;

  constructor(scope: Construct, id: string, props: ExternalDestinationProps) {
    super(scope, id);
    const ext = props.external;
    const egress = props.egress;
    const namespace = egress.deployment.namespace;
    const wildcard = ext.hosts.some((h) => h.includes('*'));
    this.viaEgressGateway = ext.protocol === 'TLS' && !wildcard;
    const exportTo = [...new Set(['.', ...ext.namespaces])];
    this.node.addValidation({
      validate: () => (ext.namespaces.length === 0 ? [`external service ${ext.name} is used by no namespace; list the namespaces that call it`] : []),
    });

    new ServiceEntry(this, 'Entry', {
      metadata: { name: ext.name, namespace },
      spec: {
        hosts: [...ext.hosts],
        exportTo,
        location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
        // Wildcards cannot be resolved by DNS: the original destination address is used.
        resolution: wildcard ? ServiceEntrySpecResolution.NONE : ServiceEntrySpecResolution.DNS,
        ports: [{ number: ext.port, name: `${ext.protocol.toLowerCase()}-${ext.port}`, protocol: ext.protocol }],
      },
    });
    if (!this.viaEgressGateway) return;

    for (const h of ext.hosts) egress.addTlsHost(h, ext.port);
    new VirtualService(this, 'Route', {
      metadata: { name: `${ext.name}-egress`, namespace, annotations: argoAnnotations({ wave: SyncWave.routes }) },
      spec: {
        hosts: [...ext.hosts],
        exportTo,
        gateways: [MESH_GATEWAY, egress.reference],
        tls: [
          {
            match: [{ gateways: [MESH_GATEWAY], port: ext.port, sniHosts: [...ext.hosts] }],
            route: [{ destination: { host: egress.serviceHost, port: { number: ext.port } }, weight: 100 }],
          },
          {
            match: [{ gateways: [egress.reference], port: ext.port, sniHosts: [...ext.hosts] }],
            route: [{ destination: { host: ext.hosts[0], port: { number: ext.port } }, weight: 100 }],
          },
        ],
      },
    });
  }
}
