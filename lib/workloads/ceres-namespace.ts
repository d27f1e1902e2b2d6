import * as k8s from '../core/k8s';
import { Construct } from 'constructs';
import { ServiceDeclaration } from '../core/services';
import { DEFAULT_SIDECAR_RESOURCES } from '../mesh';
import { DEFAULT_WORKLOAD_RESOURCES } from './secure-workload';
import { NamespaceDeclaration, PlatformAddOn, PlatformContext } from '../core/addon';
import { SyncWave, argoAnnotations } from '../core/argocd';
import { CeresNamespaceCapability } from '../core/capabilities';
import { Labels } from '../core/names';
import { knownQuantity } from '../core/quantity';
import { PlatformNamespaces } from '../core/namespaces';
import { placementApplies, WORKLOAD_CLUSTERS } from '../core/topology';
import { dataEndpoints } from '../core/cloud';
import { databaseSites, PLATFORM_DATABASE, platformDatabaseInstances } from '../core/database-topology';
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
  public readonly namespaces: readonly NamespaceDeclaration[] = [
    { name: PlatformNamespaces.core, podSecurity: 'restricted', renderedBy: 'self', thirdPartyImages: false },
  ];
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
    // The platform database's instances run here on the database sites (lib/core/database-topology.ts platformDatabase).
    const platformDatabase = databaseSites(ctx.environment).length > 0;
    new NamespaceNetworkIsolation(guardrails, 'Isolation', {
      namespace: ns,
      allowances: meshNamespaceAllowances({ metricsPorts: ports, databases: platformDatabase }),
    });
    new k8s.KubeServiceAccount(guardrails, 'DefaultAccount', {
      metadata: { name: 'default', namespace: ns, annotations: argoAnnotations({ wave: SyncWave.namespaces }) },
      automountServiceAccountToken: false,
    });
    ctx.provide(CeresNamespaceCapability, { namespace: ns, folder });
    new CeresQuota(folder.manifest('quota', { namespace: ns }), 'Quota', {
      namespace: ns,
      services: ctx.services.services.filter((s) => s.namespace === ns),
      defaultReplicas: ctx.environment.sizing.coreServices,
      database: platformDatabase ? { ...PLATFORM_DATABASE.resources, pods: platformDatabaseInstances(ctx.environment.sizing.ha) + 1 } : undefined,
    });

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

/** Container defaults of `ceres` (the LimitRange fills them in for anything that declares none). */
const CERES_CONTAINER_DEFAULTS = { request: { cpu: 0.1, memory: 128 }, limit: { cpu: 0.5, memory: 256 } } as const;

/**
 * ResourceQuota and LimitRange of `ceres`, sized from the service catalog rather than guessed: every
 * service at its maximum replicas, each pod with its sidecar, twice over (a Flagger canary or a
 * rolling update runs old and new side by side), plus room for jobs. A service added to the catalog
 * raises the quota with it.
 */
class CeresQuota extends Construct {
  constructor(
    scope: Construct,
    id: string,
    props: {
      readonly namespace: string;
      readonly services: readonly ServiceDeclaration[];
      readonly defaultReplicas: { readonly max: number };
      /** The platform database's pods (instances plus one bootstrap or join job), each with these requests = limits. */
      readonly database?: { readonly pods: number; readonly cpu: string; readonly memory: string };
    },
  ) {
    super(scope, id);
    const sidecar = {
      request: { cpu: cores(DEFAULT_SIDECAR_RESOURCES.requests.cpu), memory: mebibytes(DEFAULT_SIDECAR_RESOURCES.requests.memory) },
      limit: { cpu: cores(DEFAULT_SIDECAR_RESOURCES.limits.cpu), memory: mebibytes(DEFAULT_SIDECAR_RESOURCES.limits.memory) },
    };
    const sum = { requestCpu: 0, requestMemory: 0, limitCpu: 0, limitMemory: 0, pods: 0 };
    for (const s of props.services) {
      const r = s.resources ?? DEFAULT_WORKLOAD_RESOURCES;
      const pods = (s.replicas ?? props.defaultReplicas).max * s.versions.length * 2;
      sum.pods += pods;
      sum.requestCpu += pods * (cores(r.requests.cpu) + sidecar.request.cpu);
      sum.requestMemory += pods * (mebibytes(r.requests.memory) + sidecar.request.memory);
      sum.limitCpu += pods * (cores(r.limits.cpu) + sidecar.limit.cpu);
      sum.limitMemory += pods * (mebibytes(r.limits.memory) + sidecar.limit.memory);
    }
    if (props.database) {
      // CloudNativePG pods: no sidecar (outside the mesh), requests = limits.
      const d = props.database;
      sum.pods += d.pods;
      sum.requestCpu += d.pods * cores(d.cpu);
      sum.limitCpu += d.pods * cores(d.cpu);
      sum.requestMemory += d.pods * mebibytes(d.memory);
      sum.limitMemory += d.pods * mebibytes(d.memory);
    }
    const headroom = 10; // pods for jobs and one-offs
    const annotations = argoAnnotations({ wave: SyncWave.namespaces });
    const cpu = (v: number) => `${Math.ceil(v)}`;
    const mem = (v: number) => `${Math.ceil(v / 1024)}Gi`;
    new k8s.KubeResourceQuota(this, 'Quota', {
      metadata: {
        name: 'ceres-quota',
        namespace: props.namespace,
        annotations: {
          ...annotations,
          'ceres.io/sized-from': props.database
            ? "the service catalog: max replicas x versions x 2, with sidecars; the platform database's instances and one job"
            : 'the service catalog: max replicas x versions x 2, with sidecars',
        },
      },
      spec: {
        hard: {
          'requests.cpu': k8s.Quantity.fromString(cpu(sum.requestCpu + headroom * (CERES_CONTAINER_DEFAULTS.request.cpu + sidecar.request.cpu))),
          'requests.memory': k8s.Quantity.fromString(mem(sum.requestMemory + headroom * (CERES_CONTAINER_DEFAULTS.request.memory + sidecar.request.memory))),
          'limits.cpu': k8s.Quantity.fromString(cpu(sum.limitCpu + headroom * (CERES_CONTAINER_DEFAULTS.limit.cpu + sidecar.limit.cpu))),
          'limits.memory': k8s.Quantity.fromString(mem(sum.limitMemory + headroom * (CERES_CONTAINER_DEFAULTS.limit.memory + sidecar.limit.memory))),
          pods: k8s.Quantity.fromNumber(sum.pods + headroom),
          // The platform's services are exposed through the ingress gateway only.
          'services.loadbalancers': k8s.Quantity.fromNumber(0),
          'services.nodeports': k8s.Quantity.fromNumber(0),
        },
      },
    });
    new k8s.KubeLimitRange(this, 'Limits', {
      metadata: { name: 'ceres-limits', namespace: props.namespace, annotations },
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: {
              cpu: k8s.Quantity.fromString(`${CERES_CONTAINER_DEFAULTS.request.cpu * 1000}m`),
              memory: k8s.Quantity.fromString(`${CERES_CONTAINER_DEFAULTS.request.memory}Mi`),
            },
            default: {
              cpu: k8s.Quantity.fromString(`${CERES_CONTAINER_DEFAULTS.limit.cpu * 1000}m`),
              memory: k8s.Quantity.fromString(`${CERES_CONTAINER_DEFAULTS.limit.memory}Mi`),
            },
            max: { cpu: k8s.Quantity.fromString('4'), memory: k8s.Quantity.fromString('8Gi') },
          },
        ],
      },
    });
  }
}

/** CPU quantity → cores. */
const cores = knownQuantity;

/** Memory quantity → MiB. */
function mebibytes(v: string): number {
  return knownQuantity(v) / 2 ** 20;
}
