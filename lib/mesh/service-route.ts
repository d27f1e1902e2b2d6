import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { VirtualService, VirtualServiceSpecHttp } from '../../imports/istio-networking.istio.io';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { ServiceDestinationRule } from './service-destination-rule';

/** The reserved gateway name meaning "all sidecars of the mesh". */
export const MESH_GATEWAY = 'mesh';

/** One weighted destination of a route. */
export interface WeightedDestination {
  /** FQDN of the destination Service. */
  readonly host: string;
  /** Subset of the host's DestinationRule. @default the whole service */
  readonly subset?: string;
  /** Service port. @default the only port of the service */
  readonly port?: number;
  /** Share of the route's traffic, percent; the weights of one route sum to 100. */
  readonly weight: number;
}

/** One HTTP route of a VirtualService. */
export interface HttpRouteOptions {
  /** Route name (shows in Envoy stats and access logs). */
  readonly name: string;
  /** Only requests arriving through these gateways (`istio-ingress/ceres-ingress`, `mesh`). @default all gateways of the VirtualService */
  readonly gateways?: readonly string[];
  /** URI prefixes matched. @default every path */
  readonly prefixes?: readonly string[];
  /** Only requests to this gateway port (443: public routes never answer in cleartext on 80). @default every port */
  readonly port?: number;
  /** Where matching requests go, with weights summing to 100. */
  readonly destinations: readonly WeightedDestination[];
  /** Request timeout (Istio duration). @default '10s' */
  readonly timeout?: string;
  /** Retry attempts on 5xx, reset and connect failure. @default 2 */
  readonly retries?: number;
}

export interface ServiceRouteProps {
  /** metadata.name (the service name). */
  readonly name: string;
  /** Namespace of the VirtualService (the service's). */
  readonly namespace: string;
  /** Hosts the routes apply to: the Service FQDN, and public hosts when exposed. Never `*`. */
  readonly hosts: readonly string[];
  /** Gateways the VirtualService binds to. @default ['mesh'] */
  readonly gateways?: readonly string[];
  /** The DestinationRule defining the subsets routes name; when given, every subset is checked against it. @default no construct-level subset check */
  readonly destinationRule?: ServiceDestinationRule;
}

/**
 * A service's VirtualService. Routes are added with addHttpRoute() and rendered lazily; the
 * construct refuses weights that do not sum to 100 and subsets its DestinationRule lacks, so an
 * Envoy 503 becomes a synth error. Rendered in the routes wave, after the DestinationRules.
 */
export class ServiceRoute extends Construct {
  private readonly routes: HttpRouteOptions[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ServiceRouteProps,
  ) {
    super(scope, id);
    new VirtualService(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, annotations: argoAnnotations({ wave: SyncWave.routes }) },
      spec: {
        hosts: [...props.hosts],
        gateways: [...(props.gateways ?? [MESH_GATEWAY])],
        http: Lazy.any({ produce: () => this.routes.map(toHttpRoute) }) as unknown as VirtualServiceSpecHttp[],
      },
    });
    this.node.addValidation({ validate: () => this.validateRoutes() });
  }

  /** Adds an HTTP route; routes are matched in the order they are added. */
  public addHttpRoute(route: HttpRouteOptions): this {
    this.routes.push(route);
    return this;
  }

  private validateRoutes(): string[] {
    const name = `VirtualService ${this.props.namespace}/${this.props.name}`;
    const problems: string[] = [];
    if (this.routes.length === 0) problems.push(`${name} has no route; add one with addHttpRoute()`);
    for (const h of this.props.hosts)
      if (h === '*' || h.startsWith('*')) problems.push(`${name}: host "${h}" is a wildcard; name the hosts the routes are for`);
    const gateways = new Set(this.props.gateways ?? [MESH_GATEWAY]);
    for (const r of this.routes) {
      const sum = r.destinations.reduce((s, d) => s + d.weight, 0);
      if (r.destinations.length === 0) problems.push(`${name}: route ${r.name} has no destination`);
      else if (sum !== 100)
        problems.push(
          `${name}: weights of route ${r.name} sum to ${sum}, not 100 (${r.destinations.map((d) => `${d.subset ?? d.host}=${d.weight}`).join(', ')}); make them add up to 100`,
        );
      for (const g of r.gateways ?? [])
        if (!gateways.has(g)) problems.push(`${name}: route ${r.name} matches gateway ${g}, which the VirtualService is not bound to`);
      const dr = this.props.destinationRule;
      if (!dr) continue;
      for (const d of r.destinations) {
        if (d.subset && d.host === dr.host && !dr.subsetNames.has(d.subset)) {
          problems.push(
            `${name}: route ${r.name} sends traffic to subset ${d.subset}, which DestinationRule ${dr.host} does not define (defined: ${[...dr.subsetNames].join(', ') || 'none'}); Envoy would answer 503`,
          );
        }
      }
    }
    return problems;
  }
}

function toHttpRoute(r: HttpRouteOptions): VirtualServiceSpecHttp {
  const prefixes = r.prefixes?.length ? r.prefixes : [undefined];
  const gateways = r.gateways?.length ? [...r.gateways] : undefined;
  const match = gateways || r.prefixes?.length || r.port ? prefixes.map((p) => ({ gateways, uri: p ? { prefix: p } : undefined, port: r.port })) : undefined;
  const attempts = r.retries ?? 2;
  return {
    name: r.name,
    match,
    route: r.destinations.map((d) => ({
      destination: { host: d.host, subset: d.subset, port: d.port !== undefined ? { number: d.port } : undefined },
      weight: d.weight,
    })),
    timeout: r.timeout ?? '10s',
    retries: attempts > 0 ? { attempts, perTryTimeout: undefined, retryOn: '5xx,reset,connect-failure' } : { attempts: 0 },
  };
}
