import { ACME_INGRESS_CLASS } from '../mesh';
import { Construct } from 'constructs';
import { ClusterIssuer } from '../../imports/cert-manager-clusterissuer-cert-manager.io';
import { argoAnnotations, SyncWave } from '../core/argocd';

/** Let's Encrypt ACME directories. */
export const AcmeServers = {
  production: 'https://acme-v02.api.letsencrypt.org/directory',
  staging: 'https://acme-staging-v02.api.letsencrypt.org/directory',
} as const;

export interface AcmeClusterIssuerProps {
  /** ClusterIssuer name (`ClusterIssuers.production`). */
  readonly name: string;
  /** ACME directory URL. */
  readonly server: string;
  /** Contact for expiry and revocation notices from the CA. */
  readonly email: string;
  /**
   * Ingress class that answers HTTP-01 challenges: Istio's ingress gateway serves Kubernetes Ingress
   * objects of class `istio`.
   * @default 'istio'
   */
  readonly ingressClassName?: string;
}

/**
 * A cert-manager ClusterIssuer for an ACME CA with the HTTP-01 solver through the Istio ingress
 * gateway (no DNS credentials needed; wildcard certificates would need DNS-01 instead).
 */
export class AcmeClusterIssuer extends Construct {
  constructor(scope: Construct, id: string, props: AcmeClusterIssuerProps) {
    super(scope, id);
    new ClusterIssuer(this, 'Resource', {
      metadata: { name: props.name, annotations: argoAnnotations({ wave: SyncWave.operatorConfig }) },
      spec: {
        acme: {
          server: props.server,
          email: props.email,
          privateKeySecretRef: { name: `${props.name}-account-key` },
          solvers: [{ http01: { ingress: { ingressClassName: props.ingressClassName ?? ACME_INGRESS_CLASS } } }],
        },
      },
    });
  }
}
