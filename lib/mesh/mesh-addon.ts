import { Chart } from 'cdk8s';
import { PlatformAddOn, PlatformContext } from '../core/addon';
import { SyncWave } from '../core/argocd';
import { Cloud } from '../core/model';
import { Labels, tenantNames } from '../core/names';
import { PlatformNamespaces } from '../core/namespaces';
import { appOfAppsFolder, OutputFolder } from '../core/output';
import { clusterProfile, destinationName } from '../gitops/cluster-targets';
import { ServiceDeclaration } from '../core/services';
import { AllowNothingPolicy } from './allow-nothing-policy';
import { EgressGateway } from './egress-gateway';
import { ExternalDestination } from './external-destination';
import { IngressGateway } from './ingress-gateway';
import { IstioHelmReleases } from './istio-helm-releases';
import { IstioInstallDocument } from './istio-install-document';
import { IstioPlatform } from './istio-values';
import { JwtRequirement } from './jwt-requirement';
import { MESH_CHECKS } from './mesh-checks';
import { EGRESS_GATEWAY, INGRESS_GATEWAY, MeshConfig, MeshProfile, resolveMeshSettings, spiffePrincipal } from './mesh-config';
import { MeshService, ServiceCaller } from './mesh-service';
import { MeshTelemetry } from './mesh-telemetry';
import { NamespaceSidecar } from './namespace-sidecar';
import { StrictMutualTls } from './strict-mutual-tls';

/** The folder holding mesh-wide objects (mTLS, telemetry, gateways, ServiceEntries). */
export const MESH_FOLDER = 'mesh';
/** The unsynced folder holding the IstioOperator document for `istioctl install -f`. */
export const ISTIOCTL_FOLDER = 'istioctl';
/** File, in each meshed namespace's folder, holding that namespace's mesh objects. */
export const MESH_FILE = 'mesh';

/** One meshed namespace: where its objects go, and its Sidecar. */
interface MeshedNamespace {
  readonly chart: Chart;
  readonly sidecar: NamespaceSidecar;
}

/**
 * The Istio service mesh of an environment (issue 4): control plane and gateways (Helm
 * Applications in the app of apps, plus an IstioOperator document), mesh-wide STRICT mTLS and
 * telemetry, default deny and dependency-derived ALLOW policies in every meshed namespace (ceres
 * and each tenant's), JWT requirements, ingress and egress, and traffic rules for every service of
 * the catalog. Register after the tenants and workloads add-ons: it adds to their folders.
 */
/** The Istio chart platform of a cluster: GKE and K3s keep CNI binaries in non-default places. */
function istioPlatform(cloud: Cloud): IstioPlatform | undefined {
  return cloud === 'gcp' ? 'gke' : cloud === 'edge' ? 'k3s' : undefined;
}

export class MeshAddOn implements PlatformAddOn {
  public readonly name = 'mesh';
  public readonly checks = MESH_CHECKS;

  constructor(private readonly config: MeshConfig = {}) {}

  public deploy(ctx: PlatformContext): void {
    const external = ctx.services.external;
    const egressPorts = external.filter((e) => e.protocol === 'TLS' && !e.hosts.some((h) => h.includes('*'))).map((e) => e.port);
    const ports = egressPorts.length ? egressPorts : [443];
    const mesh = resolveMeshSettings(ctx.environment, this.config, ports);
    const platformLabels = { [Labels.costCenter]: 'platform' };

    // (1) Control plane and gateways in every cluster of the environment, two install paths from
    // one configuration: Helm Applications (Argo CD) and an IstioOperator per cluster profile (istioctl).
    const releases = appOfAppsFolder(ctx.output).manifest('istio');
    const istioctl = ctx.output.folder(ISTIOCTL_FOLDER, { synced: false, description: 'IstioOperator for istioctl install -f (not synced by Argo CD)', labels: platformLabels });
    const documented = new Set<MeshProfile>();
    for (const cluster of ctx.environment.clusters) {
      const profile: MeshProfile = clusterProfile(cluster);
      const settings = profile === 'full' ? mesh : resolveMeshSettings(ctx.environment, this.config, ports, profile);
      new IstioHelmReleases(releases, `Istio-${cluster.name}`, {
        mesh: settings,
        namePrefix: cluster.name,
        destinationName: destinationName(ctx.environment, cluster),
        labels: { ...platformLabels, 'ceres.io/cluster': cluster.name },
        platform: istioPlatform(cluster.cloud),
      });
      if (documented.has(profile)) continue;
      documented.add(profile);
      const file = profile === 'full' ? 'istio-install' : `istio-install-${profile}`;
      new IstioInstallDocument(istioctl.manifest(file), `IstioInstall-${profile}`, {
        mesh: settings,
        name: `ceres-${ctx.environment.name}${profile === 'full' ? '' : `-${profile}`}`,
        platform: profile === 'edge' ? 'k3s' : undefined,
      });
    }

    // (2, 3, 6) Mesh-wide security, gateways, external destinations, telemetry.
    const meshFolder = ctx.output.folder(MESH_FOLDER, { syncWave: SyncWave.policies, description: 'Mesh-wide mTLS, telemetry, gateways and external services', labels: platformLabels });
    const meshWide = meshFolder.manifest('mesh-wide');
    new StrictMutualTls(meshWide, 'StrictMtls');
    new MeshTelemetry(meshWide, 'Telemetry', { tracingProvider: mesh.tracing.providerName, samplePercent: mesh.tracingSamplePercent });
    const ingress = new IngressGateway(meshFolder.manifest('ingress'), 'Ingress', { deployment: INGRESS_GATEWAY });
    const egressChart = meshFolder.manifest('egress');
    const egress = new EgressGateway(egressChart, 'Egress', { deployment: EGRESS_GATEWAY });

    // Meshed namespaces: the platform's core namespace and every tenant's.
    const namespaces = new Map<string, MeshedNamespace>();
    const meshed = (namespace: string, folder: OutputFolder): MeshedNamespace => {
      const chart = folder.manifest(MESH_FILE, { namespace });
      new AllowNothingPolicy(chart, 'AllowNothing', { namespace });
      const entry = { chart, sidecar: new NamespaceSidecar(chart, 'Sidecar', { namespace }) };
      namespaces.set(namespace, entry);
      return entry;
    };
    meshed(PlatformNamespaces.core, ctx.output.folder('core'));
    const gatewayPrincipal = spiffePrincipal(INGRESS_GATEWAY.namespace, INGRESS_GATEWAY.release);
    for (const tenant of ctx.tenants) {
      const names = tenantNames(tenant.tenantId);
      const { chart } = meshed(names.namespace, ctx.output.folder(names.folder));
      // Requests entering from outside the mesh must carry a token of the tenant's realm.
      new JwtRequirement(chart, 'TenantJwt', {
        name: 'tenant-jwt',
        namespace: names.namespace,
        keycloakUrl: ctx.platform.keycloakUrl,
        realm: tenant.keycloakRealm,
        enforcedFor: [gatewayPrincipal],
      });
    }

    // (4, 5) Services: only those whose namespace is meshed in this environment.
    const services = ctx.services.services.filter((s) => this.isDeployedHere(s, namespaces));
    const byKey = new Map(services.map((s) => [`${s.namespace}/${s.name}`, s]));
    const callers = new Map<string, ServiceCaller[]>();
    for (const s of services) {
      for (const dep of s.dependsOn ?? []) {
        const key = `${dep.namespace ?? s.namespace}/${dep.service}`;
        if (!byKey.has(key)) {
          throw new Error(`service ${s.namespace}/${s.name} depends on ${key}, which the service catalog does not declare in environment ${ctx.environment.name}; declare it or remove the dependency`);
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
        keycloakUrl: ctx.platform.keycloakUrl,
      });
    }

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

  /** A service is deployed where its namespace is meshed; tenant namespaces of absent tenants are skipped. */
  private isDeployedHere(service: ServiceDeclaration, namespaces: ReadonlyMap<string, MeshedNamespace>): boolean {
    if (namespaces.has(service.namespace)) return true;
    if (service.namespace.startsWith('tenant-')) return false;
    throw new Error(
      `service ${service.name} is declared in namespace ${service.namespace}, which is not meshed; services live in ${PlatformNamespaces.core} or a tenant namespace`,
    );
  }
}
