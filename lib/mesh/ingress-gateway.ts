import { Construct } from 'constructs';
import {
  Certificate,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyRotationPolicy,
} from '../../imports/cert-manager-certificate-cert-manager.io';
import { Gateway, GatewaySpecServers, GatewaySpecServersTlsMinProtocolVersion, GatewaySpecServersTlsMode } from '../../imports/istio-networking.istio.io';
import { ClusterIssuers } from '../core/argocd';
import { gatewayResource } from './gateway-resource';
import { GatewayDeployment, INGRESS_GATEWAY } from './mesh-config';

const HOST = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

export interface IngressGatewayProps {
  /** The gateway deployment the Gateway binds to. @default INGRESS_GATEWAY (istio-ingress/istio-ingressgateway) */
  readonly deployment?: GatewayDeployment;
  /** cert-manager ClusterIssuer of the certificates. @default 'letsencrypt-prod' */
  readonly issuer?: string;
}

/** A public host served by the ingress gateway. */
interface PublicHost {
  readonly host: string;
  /** Namespace whose VirtualServices may bind to the host. */
  readonly namespace: string;
  readonly credentialName: string;
}

/**
 * The ingress Gateway: for every public host an HTTPS server (TLS from a cert-manager Certificate,
 * TLS 1.2 minimum) and an HTTP server that only redirects to HTTPS. Hosts are exact names, scoped
 * to the namespace of the service they expose (`ceres/api.ceres.io`): never `*`, so no other
 * namespace can attach a route to them.
 */
export class IngressGateway extends Construct {
  public readonly deployment: GatewayDeployment;
  private readonly hosts = new Map<string, PublicHost>();
  private readonly issuer: string;
  private resource?: Gateway;

  constructor(scope: Construct, id: string, props: IngressGatewayProps = {}) {
    super(scope, id);
    this.deployment = props.deployment ?? INGRESS_GATEWAY;
    this.issuer = props.issuer ?? ClusterIssuers.production;
  }

  /** `<namespace>/<gateway>`, for VirtualServices binding to this Gateway. */
  public get reference(): string {
    return `${this.deployment.namespace}/${this.deployment.gatewayName}`;
  }

  /** Serves `host` over HTTPS (with an HTTP redirect) for VirtualServices of `namespace`. Returns the TLS secret name. */
  public addHost(host: string, namespace: string): string {
    if (!HOST.test(host)) throw new Error(`IngressGateway: "${host}" is not an exact DNS name; public hosts are never wildcards`);
    const existing = this.hosts.get(host);
    if (existing) {
      if (existing.namespace !== namespace)
        throw new Error(`IngressGateway: host ${host} is already served for namespace ${existing.namespace}; one host has one owner`);
      return existing.credentialName;
    }
    const credentialName = `${host.replace(/\./g, '-')}-tls`;
    this.hosts.set(host, { host, namespace, credentialName });
    this.ensureResource();
    // The gateway reads TLS secrets from its own namespace, so the Certificate lives there.
    new Certificate(this, `Certificate-${host}`, {
      metadata: { name: credentialName, namespace: this.deployment.namespace },
      spec: {
        secretName: credentialName,
        dnsNames: [host],
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: this.issuer },
        privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS },
      },
    });
    return credentialName;
  }

  /** The public hosts and the namespaces of their services. */
  public get publicHosts(): readonly { readonly host: string; readonly namespace: string }[] {
    return [...this.hosts.values()].map((h) => ({ host: h.host, namespace: h.namespace }));
  }

  /** The Gateway is created with its first host: a Gateway without servers is invalid. */
  private ensureResource(): void {
    this.resource ??= gatewayResource(this, this.deployment, () => this.servers());
  }

  private servers(): GatewaySpecServers[] {
    const out: GatewaySpecServers[] = [];
    for (const h of [...this.hosts.values()].sort((a, b) => (a.host < b.host ? -1 : 1))) {
      const slug = h.host.replace(/\./g, '-');
      const scoped = [`${h.namespace}/${h.host}`];
      out.push({
        name: `https-${slug}`,
        port: { number: 443, name: `https-${slug}`, protocol: 'HTTPS' },
        hosts: scoped,
        tls: {
          mode: GatewaySpecServersTlsMode.SIMPLE,
          credentialName: h.credentialName,
          minProtocolVersion: GatewaySpecServersTlsMinProtocolVersion.TLSV1_UNDERSCORE_2,
        },
      });
      // Port 80 serves only ACME HTTP-01 challenges: an httpsRedirect here would redirect the
      // challenge too (istio/istio#33593, #27643), so no certificate could ever be issued.
      out.push({ name: `http-${slug}`, port: { number: 80, name: `http-${slug}`, protocol: 'HTTP' }, hosts: scoped });
    }
    return out;
  }
}
