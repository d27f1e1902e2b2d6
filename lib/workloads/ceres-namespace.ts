import { k8s } from 'cdk8s-plus-28';
import { NamespaceDeclaration, PlatformAddOn, PlatformContext } from '../core/addon';
import { SyncWave, argoAnnotations } from '../core/argocd';
import { CeresNamespaceCapability } from '../core/capabilities';
import { Labels } from '../core/names';
import { PlatformNamespaces } from '../core/namespaces';
import { placementApplies, WORKLOAD_CLUSTERS } from '../core/topology';
import { dataEndpoints } from '../core/cloud';
import { Flow, FlowTarget } from '../core/flows';
import { ServiceEntry, ServiceEntrySpecLocation, ServiceEntrySpecResolution } from '../../imports/istio-networking.istio.io';
import { GuardedNamespace } from '../hardening';
import { meshNamespaceAllowances, NamespaceNetworkIsolation, NetworkAllowancePolicy, NetworkAllowances } from '../hardening';

/** The dist/ folder of the `ceres` namespace (its Application is `<env>-core`). */
export const CERES_NAMESPACE_FOLDER = 'core';

/**
 * The platform's own core namespace (`ceres`: operators, core services, databases, queues), isolated
 * like a tenant's: restricted pod security, mesh injection, default deny with the mesh allowances
 * (Prometheus may also scrape the core services' ports), and no token on the default account.
 * Provides the namespace and its folder to the add-ons that put objects there.
 */
export class CeresNamespaceAddOn implements PlatformAddOn {
  public readonly name = 'ceres-namespace';
  public readonly namespaces: readonly NamespaceDeclaration[] = [{ name: PlatformNamespaces.core, podSecurity: 'restricted', renderedBy: 'self', thirdPartyImages: false }];
  public readonly provides = [CeresNamespaceCapability];

  public deploy(ctx: PlatformContext): void {
    const ns = PlatformNamespaces.core;
    const folder = ctx.output.folder(CERES_NAMESPACE_FOLDER, {
      description: 'The ceres core namespace and its services',
      labels: { [Labels.costCenter]: 'platform' },
      stateful: true,
      syncWave: SyncWave.namespaces,
      placement: WORKLOAD_CLUSTERS,
    });
    new GuardedNamespace(folder.manifest('namespace'), 'Namespace', { name: ns, podSecurity: 'restricted', meshInjection: true, networkIsolated: true });
    const ports = ctx.services.services.filter((s) => s.namespace === ns).map((s) => s.port);
    const guardrails = folder.manifest('network-policies', { namespace: ns });
    new NamespaceNetworkIsolation(guardrails, 'Isolation', { namespace: ns, allowances: meshNamespaceAllowances({ metricsPorts: ports }) });
    new k8s.KubeServiceAccount(guardrails, 'DefaultAccount', {
      metadata: { name: 'default', namespace: ns, annotations: argoAnnotations({ wave: SyncWave.namespaces }) },
      automountServiceAccountToken: false,
    });
    ctx.provide(CeresNamespaceCapability, { namespace: ns, folder });

    // The cluster's managed data services (RDS, ElastiCache, Azure PostgreSQL): their private host
    // names and subnets differ per cluster, so each cluster's own folder declares them to the mesh
    // (ServiceEntry, visible to ceres only) and opens ceres's egress to their subnets and ports.
    for (const cluster of ctx.environment.clusters) {
      const endpoints = dataEndpoints(cluster);
      if (!endpoints.length || !placementApplies(WORKLOAD_CLUSTERS, cluster)) continue;
      const own = ctx.output.clusterFolder(cluster, DATA_ENDPOINTS_FOLDER, {
        description: `Managed data endpoints of ${cluster.name} for the ceres namespace (from the platform model, created by the cluster's Terraform stack)`,
        labels: { [Labels.costCenter]: 'platform' },
        syncWave: SyncWave.namespaces + 1,
      });
      const chart = own.manifest('data-endpoints', { namespace: ns });
      for (const e of endpoints) {
        new ServiceEntry(chart, `Endpoint-${e.name}`, {
          metadata: { name: `data-${e.name}`, namespace: ns, annotations: argoAnnotations({ wave: SyncWave.namespaces }) },
          spec: {
            hosts: [e.host],
            exportTo: ['.'],
            location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
            resolution: ServiceEntrySpecResolution.DNS,
            ports: [{ number: e.port, name: `tcp-${e.name}`, protocol: 'TCP' }],
          },
        });
      }
      new NetworkAllowancePolicy(chart, 'DataEgress', { namespace: ns, allowance: NetworkAllowances.toDataEndpoints(endpoints) });
    }
  }

  /** ceres's services reach the cluster's managed data services. */
  public flows(t: FlowTarget): Flow[] {
    if (!placementApplies(WORKLOAD_CLUSTERS, t.cluster)) return [];
    return dataEndpoints(t.cluster).map((e) => ({
      name: `workloads/ceres-to-${e.name}`,
      from: { pods: { namespace: PlatformNamespaces.core } },
      to: { external: { cidrs: e.cidrs, host: e.host }, ports: [{ port: e.port }] },
      reason: `ceres services use the cluster's ${e.name} at ${e.host}:${e.port}`,
    }));
  }
}

/** Each cluster's folder of its managed data endpoints. */
export const DATA_ENDPOINTS_FOLDER = 'data-endpoints';
