import * as k8s from '../core/k8s';
import { ACME_INGRESS_CLASS } from './mesh-config';
import { Flow, FlowTarget } from '../core/flows';
import { meshFlows } from './flows';
import { Chart } from 'cdk8s';
import { HelmChart, NamespaceDeclaration, PlatformAddOn, PlatformContext, TenantContext } from '../core/addon';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { Labels, tenantNames } from '../core/names';
import { PlatformNamespaces } from '../core/namespaces';
import { OutputFolder } from '../core/output';
import { keycloakUrl } from '../core/realm';
import { placementApplies, traitsOf } from '../core/topology';
import { ServiceCatalog, ServiceDeclaration } from '../core/services';
import { TenantSpec } from '../core/input/types';
import { EnvironmentConfig } from '../core/model';
import { AllowNothingPolicy } from './allow-nothing-policy';
import { ConsoleRoutes, publishedConsoles } from './console-routes';
import { EgressGateway } from './egress-gateway';
import { ExternalDestination } from './external-destination';
import { IngressGateway } from './ingress-gateway';
import { IngressRateLimit, PLATFORM_HOST_REQUESTS_PER_SECOND } from './ingress-rate-limit';
import { tierValues } from '../quotas';
import { egressTlsPorts, istioCharts, istioPlatform } from './istio-charts';
import { flagger } from './flagger';
import { IstioInstallDocument } from './istio-install-document';
import { JwtRequirement } from './jwt-requirement';
import { CeresNamespaceCapability, TenantFolders } from '../core/capabilities';
import { MESH_CHECKS } from './mesh-checks';
import { EGRESS_GATEWAY, INGRESS_GATEWAY, MeshConfig, MeshProfile, resolveMeshSettings, spiffePrincipal } from './mesh-config';
import { MeshService, ServiceCaller } from './mesh-service';
import { meshCaAlerts } from './mesh-trust';
import { PrometheusAlertRules, runbookBase } from '../observability';
import { MeshTelemetry } from './mesh-telemetry';
import { NamespaceSidecar } from './namespace-sidecar';
import { TenantTrafficPolicy } from './tenant-traffic-policy';
import { StrictMutualTls } from './strict-mutual-tls';

/** The folder holding mesh-wide objects (mTLS, telemetry, gateways, ServiceEntries). */
export const MESH_FOLDER = 'mesh';
/** The unsynced folder holding the IstioOperator document for `istioctl install -f`. */
export const ISTIOCTL_FOLDER = 'istioctl';
/** The folder of the mesh CA's alerts (clusters that run istiod and a Prometheus). */
export const MESH_CA_FOLDER = 'mesh-ca';
/** Per cluster: the routes of its platform consoles (console-routes.ts). */
export const CONSOLES_FOLDER = 'consoles';
/** File, in each meshed namespace's folder, holding that namespace's mesh objects. */
export const MESH_FILE = 'mesh';

/** One meshed namespace: where its objects go, and its Sidecar. */
interface MeshedNamespace {
  readonly chart: Chart;
  readonly sidecar: NamespaceSidecar;
}

/**
 * The Istio service mesh of an environment: control plane and gateways (Helm charts, delivered by
 * the app of apps, plus an IstioOperator document for istioctl), Flagger for canaries, mesh-wide
 * STRICT mTLS and telemetry, default deny and dependency-derived ALLOW policies in every meshed
 * namespace (ceres and each tenant's), JWT requirements, ingress and egress, and traffic rules for
 * every service of the catalog. It adds its objects to the meshed namespaces' folders, which the
 * ceres-namespace and tenants add-ons provide.
 */
export class MeshAddOn implements PlatformAddOn {
  public flows(target: FlowTarget): Flow[] {
    const istiod = this.charts.find((c) => c.name === 'istiod');
    return istiod && placementApplies(istiod.placement, target.cluster) ? meshFlows(target) : [];
  }

  public readonly name = 'mesh';
  public readonly checks = MESH_CHECKS;
  public readonly charts: readonly HelmChart[];
  public readonly namespaces: readonly NamespaceDeclaration[] = [
    { name: PlatformNamespaces.istio, podSecurity: 'privileged', reason: 'istio-cni node agent (hostPath, NET_ADMIN)', thirdPartyImages: true },
    { name: PlatformNamespaces.ingress, podSecurity: 'baseline', reason: 'gateway pods bind their ports with NET_BIND_SERVICE', thirdPartyImages: true },
    { name: PlatformNamespaces.egress, podSecurity: 'baseline', reason: 'gateway pods bind their ports with NET_BIND_SERVICE', thirdPartyImages: true },
    { name: PlatformNamespaces.flagger, podSecurity: 'restricted', thirdPartyImages: true },
  ];
  public readonly requires = [CeresNamespaceCapability, TenantFolders];

  constructor(private readonly config: MeshConfig = {}) {
    this.charts = [...istioCharts(config), flagger];
  }

  public deploy(ctx: PlatformContext): void {
    const external = ctx.services.external;
    const mesh = resolveMeshSettings(ctx.environment, this.config, egressTlsPorts(ctx));
    const platformLabels = { [Labels.costCenter]: 'platform' };

    // (1) The control plane and gateways are Helm charts (see istio-charts.ts); the same configuration
    // as an IstioOperator per cluster profile, for istioctl.
    const istioctl = ctx.output.folder(ISTIOCTL_FOLDER, {
      synced: false,
      description: 'IstioOperator for istioctl install -f (not synced by Argo CD)',
      labels: platformLabels,
    });
    // One document per profile and CNI platform (GKE and K3s keep CNI binaries elsewhere), as the charts get.
    const documented = new Set<string>();
    const meshClusters = ctx.environment.clusters.filter((c) => this.charts.some((chart) => chart.name === 'istiod' && placementApplies(chart.placement, c)));
    for (const cluster of meshClusters) {
      const profile: MeshProfile = traitsOf(cluster).light ? 'edge' : 'full';
      const platform = istioPlatform(cluster.cloud);
      const variant = profile === 'edge' ? 'edge' : (platform ?? '');
      if (documented.has(variant)) continue;
      documented.add(variant);
      const settings = resolveMeshSettings(ctx.environment, this.config, egressTlsPorts(ctx), profile);
      const suffix = variant ? `-${variant}` : '';
      new IstioInstallDocument(istioctl.manifest(`istio-install${suffix}`), `IstioInstall${suffix}`, {
        mesh: settings,
        name: `ceres-${ctx.environment.name}${suffix}`,
        platform,
      });
    }

    // The environment's one root of trust: istiod's plugged-in CA comes from its bootstrap step
    // (mesh-trust.ts); its expiry is alerted where a Prometheus reads istiod.
    const istiod = this.charts.find((c) => c.name === 'istiod')!;
    const caFolder = ctx.output.folder(MESH_CA_FOLDER, {
      description: "Alerts on the expiry of the mesh's root and intermediate CAs",
      syncWave: SyncWave.observability,
      placement: { ...istiod.placement, traits: [...(istiod.placement.traits ?? []), 'full'] },
      labels: platformLabels,
    });
    new PrometheusAlertRules(caFolder.manifest('alerts', { namespace: PlatformNamespaces.monitoring }), 'MeshCaAlerts', {
      name: 'ceres-mesh-ca',
      namespace: PlatformNamespaces.monitoring,
      groups: [meshCaAlerts()],
      runbookBaseUrl: runbookBase(ctx.platform.gitops.repoURL, ctx.platform.gitops.targetRevision),
    });

    // The consoles of each cluster that takes public traffic (Argo CD, Grafana, Kiali: the charts'
    // `console`), at `<app>.<cluster>.<baseDomain>` on its own ingress gateway.
    for (const cluster of meshClusters) {
      if (!publishedConsoles(ctx.catalog.charts, ctx.environment, cluster).length) continue;
      const consoles = ctx.output.clusterFolder(cluster, CONSOLES_FOLDER, {
        syncWave: SyncWave.policies,
        description: `The platform consoles of ${cluster.name} through its ingress gateway (certificates, Gateway, routes)`,
        labels: platformLabels,
      });
      new ConsoleRoutes(consoles.manifest('routes'), 'Consoles', { environment: ctx.environment, cluster, charts: ctx.catalog.charts });
    }

    // (2, 3, 6) Mesh-wide security, gateways, external destinations, telemetry.
    const meshFolder = ctx.output.folder(MESH_FOLDER, {
      syncWave: SyncWave.policies,
      description: 'Mesh-wide mTLS, telemetry, gateways and external services',
      labels: platformLabels,
    });
    const meshWide = meshFolder.manifest('mesh-wide');
    new StrictMutualTls(meshWide, 'StrictMtls');
    // The IngressClass of cert-manager's HTTP-01 solver Ingresses: Istio serves Ingresses of this
    // class (meshConfig.ingressClass) on the ingress gateway, port 80.
    new k8s.KubeIngressClass(meshWide, 'AcmeIngressClass', {
      metadata: { name: ACME_INGRESS_CLASS, annotations: argoAnnotations({ wave: SyncWave.operatorConfig }) },
      spec: { controller: 'istio.io/ingress-controller' },
    });
    new MeshTelemetry(meshWide, 'Telemetry', { tracingProvider: mesh.tracing.providerName, samplePercent: mesh.tracingSamplePercent });
    const ingress = new IngressGateway(meshFolder.manifest('ingress'), 'Ingress', { deployment: INGRESS_GATEWAY });
    const egressChart = meshFolder.manifest('egress');
    const egress = new EgressGateway(egressChart, 'Egress', { deployment: EGRESS_GATEWAY });

    // Meshed namespaces: the platform's core namespace and every tenant's.
    const namespaces = new Map<string, MeshedNamespace>();
    const meshed = (namespace: string, folder: OutputFolder): MeshedNamespace => {
      const entry = meshedNamespace(namespace, folder);
      namespaces.set(namespace, entry);
      return entry;
    };
    meshed(PlatformNamespaces.core, ctx.use(CeresNamespaceCapability).folder);
    const tenantFolders = ctx.use(TenantFolders);
    // A tenant the service catalog names (its services, its external dependencies) is meshed here,
    // with its services; every other tenant's mesh file is its own (deployTenant).
    const named = catalogNamespaces(ctx.services);
    for (const tenant of ctx.tenants) {
      const names = tenantNames(tenant.tenantId);
      if (!named.has(names.namespace)) continue;
      namespaces.set(names.namespace, tenantMesh(tenantFolders.get(tenant.tenantId)!.folder, tenant, ctx.environment));
    }

    // (4, 5) Services: only those whose namespace is meshed in this environment.
    const services = ctx.services.services.filter((s) => this.isDeployedHere(s, namespaces));
    const byKey = new Map(services.map((s) => [`${s.namespace}/${s.name}`, s]));
    const callers = new Map<string, ServiceCaller[]>();
    for (const s of services) {
      for (const dep of s.dependsOn ?? []) {
        const key = `${dep.namespace ?? s.namespace}/${dep.service}`;
        if (!byKey.has(key)) {
          throw new Error(
            `service ${s.namespace}/${s.name} depends on ${key}, which the service catalog does not declare in environment ${ctx.environment.name}; declare it or remove the dependency`,
          );
        }
        const list = callers.get(key) ?? [];
        list.push({ service: s, ports: dep.ports, paths: dep.paths, methods: dep.methods });
        callers.set(key, list);
        const depNs = dep.namespace ?? s.namespace;
        if (depNs !== s.namespace) namespaces.get(s.namespace)!.sidecar.allowEgressTo(`${depNs}/*`);
      }
    }
    for (const s of services) {
      new MeshService(namespaces.get(s.namespace)!.chart, `Service-${s.name}`, {
        service: s,
        callers: callers.get(`${s.namespace}/${s.name}`),
        baseDomain: ctx.environment.baseDomain,
        ingress,
        keycloakUrl: keycloakUrl(ctx.environment),
        canary: canaryPace(ctx.environment),
      });
    }

    // Rate limits per public host: the tenant's tier for tenant hosts, the platform's for its own.
    const tierOf = new Map(ctx.tenants.map((t) => [tenantNames(t.tenantId).namespace, t.subscriptionLevel]));
    const limits = new Map(
      ingress.publicHosts.map((h) => {
        const tier = tierOf.get(h.namespace);
        return [h.host, tier ? tierValues(tier).ingressRequestsPerSecond : PLATFORM_HOST_REQUESTS_PER_SECOND] as const;
      }),
    );
    new IngressRateLimit(meshFolder.manifest('ingress'), 'RateLimit', { deployment: INGRESS_GATEWAY, limits });

    // External dependencies, visible only to the meshed namespaces that declared them.
    for (const ext of external) {
      const users = ext.namespaces.filter((n) => namespaces.has(n));
      if (users.length === 0) continue;
      const destination = new ExternalDestination(egressChart, `External-${ext.name}`, { external: { ...ext, namespaces: users }, egress });
      for (const n of users) {
        const sidecar = namespaces.get(n)!.sidecar;
        for (const h of ext.hosts) sidecar.allowEgressTo(`${egress.deployment.namespace}/${h}`);
        if (destination.viaEgressGateway) sidecar.allowEgressTo(`${egress.deployment.namespace}/${egress.serviceHost}`);
      }
    }
  }

  /**
   * A tenant's mesh file (default deny, Sidecar, traffic policy, its realm's JWT requirement), from the
   * tenant alone, unless the service catalog names its namespace (then `deploy` renders it with the
   * tenant's services and external dependencies).
   */
  public deployTenant(ctx: TenantContext): void {
    const names = tenantNames(ctx.tenant.tenantId);
    if (catalogNamespaces(ctx.services).has(names.namespace)) return;
    tenantMesh(ctx.output.folder(names.folder), ctx.tenant, ctx.environment);
  }

  /** A service is deployed where its namespace is meshed; tenant namespaces of absent tenants are skipped. */
  private isDeployedHere(service: ServiceDeclaration, namespaces: ReadonlyMap<string, MeshedNamespace>): boolean {
    if (namespaces.has(service.namespace)) return true;
    if (service.namespace.startsWith('tenant-')) return false;
    throw new Error(
      `service ${service.name} is declared in namespace ${service.namespace}, which is not meshed; services live in ${PlatformNamespaces.core} or a tenant namespace`,
    );
  }
}

/** The namespaces the service catalog names: its services' and its external dependencies' users. */
function catalogNamespaces(services: ServiceCatalog): Set<string> {
  return new Set([...services.services.map((s) => s.namespace), ...services.external.flatMap((e) => e.namespaces)]);
}

/** A meshed namespace's chart (`mesh.yaml` in its folder), with its default deny and Sidecar. */
function meshedNamespace(namespace: string, folder: OutputFolder): MeshedNamespace {
  const chart = folder.manifest(MESH_FILE, { namespace });
  new AllowNothingPolicy(chart, 'AllowNothing', { namespace });
  return { chart, sidecar: new NamespaceSidecar(chart, 'Sidecar', { namespace }) };
}

/** A tenant's namespace meshed: its traffic policy and the JWT of its realm for requests from outside. */
function tenantMesh(folder: OutputFolder, tenant: TenantSpec, environment: EnvironmentConfig): MeshedNamespace {
  const names = tenantNames(tenant.tenantId);
  const entry = meshedNamespace(names.namespace, folder);
  const gatewayPrincipal = spiffePrincipal(INGRESS_GATEWAY.namespace, INGRESS_GATEWAY.release);
  new TenantTrafficPolicy(entry.chart, 'TenantTraffic', { namespace: names.namespace, gatewayPrincipals: [gatewayPrincipal] });
  // Requests entering from outside the mesh must carry a token of the tenant's realm.
  new JwtRequirement(entry.chart, 'TenantJwt', {
    name: 'tenant-jwt',
    namespace: names.namespace,
    keycloakUrl: keycloakUrl(environment),
    realm: tenant.keycloakRealm,
    enforcedFor: [gatewayPrincipal],
  });
  return entry;
}

/** The environment's canary pace (EnvironmentSizing.delivery), as ServiceCanary analysis options. */
export function canaryPace(environment: {
  readonly sizing: { readonly delivery?: { canaryStepInterval: string; canaryMetricWindow: string; canaryFailureThreshold: number } };
}): { interval?: string; metricWindow?: string; threshold?: number } | undefined {
  const d = environment.sizing.delivery;
  return d ? { interval: d.canaryStepInterval, metricWindow: d.canaryMetricWindow, threshold: d.canaryFailureThreshold } : undefined;
}
