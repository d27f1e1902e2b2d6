import { Construct } from 'constructs';
import { PeerAuthentication, PeerAuthenticationSpecMtlsMode } from '../../imports/istio-security.istio.io';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { PlatformNamespaces } from '../core/namespaces';

export interface StrictMutualTlsProps {
  /** Root namespace of the mesh; a policy named `default` there applies mesh-wide. @default 'istio-system' */
  readonly rootNamespace?: string;
}

/**
 * Mesh-wide STRICT mutual TLS: every sidecar refuses plaintext. There is deliberately no option for
 * PERMISSIVE (the `no-permissive-mtls` check refuses it anywhere in an environment).
 */
export class StrictMutualTls extends Construct {
  constructor(scope: Construct, id: string, props: StrictMutualTlsProps = {}) {
    super(scope, id);
    new PeerAuthentication(this, 'Resource', {
      metadata: { name: 'default', namespace: props.rootNamespace ?? PlatformNamespaces.istio, annotations: argoAnnotations({ wave: SyncWave.policies }) },
      spec: { mtls: { mode: PeerAuthenticationSpecMtlsMode.STRICT } },
    });
  }
}
