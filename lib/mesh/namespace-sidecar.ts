import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Sidecar, SidecarSpecEgress, SidecarSpecOutboundTrafficPolicyMode } from '../../imports/istio-networking.istio.io';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { PlatformNamespaces } from '../core/namespaces';
import { TracingBackend } from '../observability';

export interface NamespaceSidecarProps {
  /** The meshed namespace. */
  readonly namespace: string;
}

/**
 * The default Sidecar of a namespace: its proxies receive configuration only for their own
 * namespace, the control plane, the namespaces of the services they call and the external hosts
 * they declared, and refuse any other destination (REGISTRY_ONLY). Smaller proxies, smaller blast radius.
 */
export class NamespaceSidecar extends Construct {
  // The tracing provider's service must be in the proxies' registry view, or spans have nowhere to go.
  private readonly hosts = new Set<string>(['./*', `${PlatformNamespaces.istio}/*`, `${PlatformNamespaces.monitoring}/${TracingBackend.host}`]);

  constructor(scope: Construct, id: string, props: NamespaceSidecarProps) {
    super(scope, id);
    new Sidecar(this, 'Resource', {
      metadata: { name: 'default', namespace: props.namespace, annotations: argoAnnotations({ wave: SyncWave.namespaces }) },
      spec: {
        egress: Lazy.any({ produce: (): SidecarSpecEgress[] => [{ hosts: this.egressHosts }] }) as unknown as SidecarSpecEgress[],
        outboundTrafficPolicy: { mode: SidecarSpecOutboundTrafficPolicyMode.REGISTRY_UNDERSCORE_ONLY },
      },
    });
  }

  /** Lets the namespace's proxies see `<namespace>/<host>` (`ceres/*`, `istio-egress/auth.ceres.io`). */
  public allowEgressTo(host: string): this {
    if (!/^[^/]+\/[^/]+$/.test(host)) throw new Error(`Sidecar egress host "${host}" must be <namespace>/<host>`);
    this.hosts.add(host);
    return this;
  }

  /** The egress hosts, own namespace first, then sorted. */
  public get egressHosts(): string[] {
    const [own, ...rest] = [...this.hosts];
    return [own, ...rest.sort()];
  }
}
