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
  /**
   * Solve with DNS-01 through Route 53 instead of HTTP-01: the role to assume and the ServiceAccount
   * (in cert-manager's namespace) whose token cert-manager exchanges for it.
   * @default HTTP-01
   */
  readonly route53?: { readonly role: string; readonly serviceAccount: string; readonly region: string };
}

/**
 * A cert-manager ClusterIssuer for an ACME CA with the HTTP-01 solver through the Istio ingress
 * gateway (no DNS credentials needed; wildcard certificates would need DNS-01 instead), or, where
 * the names resolve elsewhere while the cluster waits for a failover, DNS-01 through Route 53.
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
          solvers: [
            props.route53
              ? {
                  dns01: {
                    route53: {
                      region: props.route53.region,
                      role: props.route53.role,
                      auth: { kubernetes: { serviceAccountRef: { name: props.route53.serviceAccount } } },
                    },
                  },
                }
              : { http01: { ingress: { ingressClassName: props.ingressClassName ?? ACME_INGRESS_CLASS } } },
          ],
        },
      },
    });
  }
}
