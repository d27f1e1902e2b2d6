import { Construct } from 'constructs';
import { ServiceDeclaration, serviceAccountName, ServiceVersion } from '../core/services';
import { JwtRequirement } from './jwt-requirement';
import { serviceHost, spiffePrincipal } from './mesh-config';
import { AccessGrant, ServiceAccessPolicy } from './service-access-policy';
import { CanaryAnalysisOptions, ServiceCanary } from './service-canary';
import { ServiceDestinationRule } from './service-destination-rule';
import { MESH_GATEWAY, ServiceRoute, WeightedDestination } from './service-route';
import { IngressGateway } from './ingress-gateway';

/** A caller of a service, resolved from the catalog's dependsOn. */
export interface ServiceCaller {
  /** The calling service. */
  readonly service: ServiceDeclaration;
  /** Ports the caller may use (the service's port when the dependency names none). */
  readonly ports?: readonly number[];
  /** HTTP paths the caller may use (Istio path syntax). @default any */
  readonly paths?: readonly string[];
  /** HTTP methods the caller may use. @default any */
  readonly methods?: readonly string[];
}

export interface MeshServiceProps {
  /** The catalog entry. */
  readonly service: ServiceDeclaration;
  /** Services that declared a dependency on this one. @default [] */
  readonly callers?: readonly ServiceCaller[];
  /** The environment's public DNS zone; an exposed service is `<hostPrefix>.<baseDomain>`. */
  readonly baseDomain: string;
  /** The ingress Gateway exposed services attach to. */
  readonly ingress: IngressGateway;
  /** Keycloak base URL, for exposed services requiring a JWT. */
  readonly keycloakUrl: string;
  /** Canary pace of the environment. @default Flagger's analysis defaults of ServiceCanary */
  readonly canary?: CanaryAnalysisOptions;
}

/** Pod labels the workloads add-on gives every version's pods. */
export function podLabels(service: ServiceDeclaration, version: ServiceVersion): Record<string, string> {
  return { app: service.name, version: version.name };
}

/**
 * Selectors of a service's pods. Flagger renames the `app` label of the primary Deployment to
 * `<name>-primary`, so a Flagger-owned service needs a policy per Deployment.
 */
function workloadSelectors(service: ServiceDeclaration): { suffix: string; selector: Record<string, string> }[] {
  const base = [{ suffix: '', selector: { app: service.name } }];
  return service.rollout === 'flagger' ? [...base, { suffix: '-primary', selector: { app: `${service.name}-primary` } }] : base;
}

/** Istio path patterns for a URI prefix: the prefix itself and everything below it. */
function prefixPaths(prefix: string): string[] | undefined {
  if (prefix === '/' || prefix === '') return undefined;
  const p = prefix.replace(/\/+$/, '');
  return [p, `${p}/*`];
}

/**
 * Everything the mesh needs for one service of the catalog: traffic (a DestinationRule and a
 * VirtualService, or a Flagger Canary owning both), an ALLOW policy for its declared callers and
 * the ingress gateway, and, when exposed with requireJwt, a JWT requirement for its realm.
 */
export class MeshService extends Construct {
  public readonly host: string;
  /** Public host, when exposed. */
  public readonly publicHost?: string;

  constructor(scope: Construct, id: string, props: MeshServiceProps) {
    super(scope, id);
    const svc = props.service;
    const ns = svc.namespace;
    this.host = serviceHost(svc.name, ns);
    const expose = svc.expose;
    this.publicHost = expose ? `${expose.hostPrefix}.${props.baseDomain}` : undefined;
    const prefixes = expose?.pathPrefixes?.length ? expose.pathPrefixes : ['/'];
    if (this.publicHost) props.ingress.addHost(this.publicHost, ns);
    const gateways = this.publicHost ? [props.ingress.reference, MESH_GATEWAY] : [MESH_GATEWAY];
    const hosts = this.publicHost ? [this.publicHost, this.host] : [this.host];

    if (svc.rollout === 'flagger') {
      new ServiceCanary(this, 'Canary', {
        name: svc.name,
        namespace: ns,
        port: svc.port,
        autoscalerName: svc.name,
        hosts: this.publicHost ? [this.publicHost] : undefined,
        gateways: this.publicHost ? gateways : undefined,
        trafficPolicy: svc.trafficPolicy,
        timeout: svc.timeout,
        retries: svc.retries,
        analysis: props.canary,
      });
    } else {
      const dr = new ServiceDestinationRule(this, 'DestinationRule', {
        name: svc.name,
        namespace: ns,
        host: this.host,
        subsets: svc.versions.map((v) => ({ name: v.name, labels: { version: v.name } })),
        trafficPolicy: svc.trafficPolicy,
      });
      const single = svc.versions.length === 1;
      const destinations: WeightedDestination[] = svc.versions.map((v) => ({
        host: this.host,
        subset: v.name,
        port: svc.port,
        weight: v.weight ?? (single ? 100 : 0),
      }));
      const route = new ServiceRoute(this, 'Route', { name: svc.name, namespace: ns, hosts, gateways, destinationRule: dr });
      const common = { destinations, timeout: svc.timeout, retries: svc.retries };
      // Public routes answer on 443 only: port 80 of the host carries nothing but ACME HTTP-01
      // challenges (cert-manager's solver Ingress), which a route or redirect there would shadow.
      if (this.publicHost)
        route.addHttpRoute({
          name: 'ingress',
          gateways: [props.ingress.reference],
          prefixes: prefixes.filter((p) => p !== '/').length ? prefixes : undefined,
          port: 443,
          ...common,
        });
      route.addHttpRoute({ name: 'mesh', gateways: this.publicHost ? [MESH_GATEWAY] : undefined, ...common });
    }

    const grants: AccessGrant[] = (props.callers ?? []).map((c) => ({
      principals: [spiffePrincipal(c.service.namespace, serviceAccountName(c.service))],
      ports: c.ports?.length ? c.ports : [svc.port],
      paths: c.paths,
      methods: c.methods,
    }));
    const gatewayPrincipal = spiffePrincipal(props.ingress.deployment.namespace, props.ingress.deployment.release);
    if (this.publicHost) {
      const paths = prefixes.flatMap((p) => prefixPaths(p) ?? []);
      grants.push({ principals: [gatewayPrincipal], ports: [svc.port], paths: paths.length ? paths : undefined });
    }
    for (const { suffix, selector } of workloadSelectors(svc)) {
      if (grants.length) {
        const policy = new ServiceAccessPolicy(this, `Access${suffix}`, { name: `${svc.name}${suffix}`, namespace: ns, selector });
        for (const g of grants) policy.allow(g);
      }
      if (expose && (expose.requireJwt ?? true)) {
        new JwtRequirement(this, `Jwt${suffix}`, {
          name: `${svc.name}${suffix}-jwt`,
          namespace: ns,
          keycloakUrl: props.keycloakUrl,
          realm: expose.realm ?? 'ceres',
          selector,
          enforcedFor: [gatewayPrincipal],
        });
      }
    }
  }
}
