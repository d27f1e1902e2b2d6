import { Cloud, ClusterConfig, ClusterProfileName, ClusterRole, EnvironmentConfig } from './model';

/**
 * What each kind of cluster can run, and how Argo CD reaches it.
 *
 * Every cluster runs its own Argo CD, which pulls the folders routed to it from git
 * (`dist/<env>/clusters/<cluster>/argocd/` is its app of apps). Nothing has to reach a cluster's
 * private API server from outside: the AKS and GKE control planes stay private, and an edge site
 * only needs outbound HTTPS to git and its registries. The price is one Argo CD per cluster
 * (one replica on edge sites), which the add-on table sizes per profile.
 */

/** What a cluster profile allows, read by chart and folder placement and by `npm run verify`. */
export interface ProfileTraits {
  /** The cloud a cluster of this profile must run on. */
  readonly cloud: Cloud;
  /** One line for docs. */
  readonly description: string;
  /**
   * Privileged node agents (hostPath, hostNetwork, privileged DaemonSets: istio-cni, Falco,
   * node-exporter, promtail, the Velero node agent) are admitted. GKE Autopilot refuses them.
   */
  readonly nodeAgents: boolean;
  /**
   * Tenants and the platform's core services run here: the sidecar mesh with its CNI node agent,
   * databases, canaries. Needs `nodeAgents`.
   */
  readonly workloads: boolean;
  /** A small site: single replicas, no disruption budgets, the light add-on set. */
  readonly light: boolean;
  /** The platform installs Karpenter (the cloud has no node autoscaling of its own for us). */
  readonly karpenter: boolean;
  /** The cloud runs the VPA recommender itself (GKE Autopilot), so the platform does not. */
  readonly managedVpa: boolean;
  /**
   * What the cluster brings before Argo CD syncs anything: a metrics-server, a default (encrypted)
   * StorageClass, and the volume snapshot API (`snapshot.storage.k8s.io`; on EKS from the
   * `snapshot-controller` add-on its Terraform stack installs). The platform adds what is missing.
   */
  readonly provides: { readonly metricsServer: boolean; readonly defaultStorageClass: boolean; readonly volumeSnapshots: boolean };
}

/** EKS brings neither a metrics-server nor a default StorageClass; its stack adds the snapshot controller. */
const EKS_PROVIDES = { metricsServer: false, defaultStorageClass: false, volumeSnapshots: true } as const;
/** AKS and GKE bring all three. */
const MANAGED_PROVIDES = { metricsServer: true, defaultStorageClass: true, volumeSnapshots: true } as const;
/** K3s brings metrics-server and `local-path`, no snapshot API. */
const K3S_PROVIDES = { metricsServer: true, defaultStorageClass: true, volumeSnapshots: false } as const;

/** The cluster profiles the platform knows. */
export const CLUSTER_PROFILES: Readonly<Record<ClusterProfileName, ProfileTraits>> = {
  eks: {
    cloud: 'aws',
    description: 'Amazon EKS with managed node groups and Karpenter',
    nodeAgents: true,
    workloads: true,
    light: false,
    karpenter: true,
    managedVpa: false,
    provides: EKS_PROVIDES,
  },
  aks: {
    cloud: 'azure',
    description: 'Azure AKS with VM scale sets',
    nodeAgents: true,
    workloads: true,
    light: false,
    karpenter: false,
    managedVpa: false,
    provides: MANAGED_PROVIDES,
  },
  'gke-standard': {
    cloud: 'gcp',
    description: 'GKE Standard with node pools',
    nodeAgents: true,
    workloads: true,
    light: false,
    karpenter: false,
    managedVpa: false,
    provides: MANAGED_PROVIDES,
  },
  'gke-autopilot': {
    cloud: 'gcp',
    description: 'GKE Autopilot: no privileged pods, so no sidecar mesh and no node agents; a standby for data (backups, databases)',
    nodeAgents: false,
    workloads: false,
    light: false,
    karpenter: false,
    managedVpa: true,
    provides: MANAGED_PROVIDES,
  },
  k3s: {
    cloud: 'edge',
    description: 'K3s edge site: the light add-on set, single replicas',
    nodeAgents: true,
    workloads: false,
    light: true,
    karpenter: false,
    managedVpa: false,
    provides: K3S_PROVIDES,
  },
};

/** The default profile of a cloud's clusters. */
export const DEFAULT_PROFILE: Readonly<Record<Cloud, ClusterProfileName>> = { aws: 'eks', azure: 'aks', gcp: 'gke-autopilot', edge: 'k3s' };

/** A cluster's profile (its `profile`, else its cloud's default). */
export function profileOf(cluster: ClusterConfig): ClusterProfileName {
  return cluster.profile ?? DEFAULT_PROFILE[cluster.cloud];
}

/** A cluster's traits. */
export function traitsOf(cluster: ClusterConfig): ProfileTraits {
  return CLUSTER_PROFILES[profileOf(cluster)];
}

/** Traits a placement can require. */
export type PlacementTrait = 'nodeAgents' | 'workloads' | 'karpenter' | 'full' | 'unmanagedVpa';

function hasTrait(t: ProfileTraits, trait: PlacementTrait): boolean {
  switch (trait) {
    case 'full':
      return !t.light;
    case 'unmanagedVpa':
      return !t.managedVpa;
    default:
      return t[trait];
  }
}

/**
 * Which clusters get a chart or a folder: every cluster, unless traits or clouds narrow it. The
 * traits say why (`['workloads']`: where tenants run), so a new profile gets the right set.
 */
export interface ClusterPlacement {
  /** Traits every target cluster must have. @default none (every cluster) */
  readonly traits?: readonly PlacementTrait[];
  /** Clouds that get it. @default every cloud */
  readonly clouds?: readonly Cloud[];
  /** Cluster roles that get it (`primary`: the environment's data home). @default every role */
  readonly roles?: readonly ClusterRole[];
}

/** Every cluster. */
export const EVERY_CLUSTER: ClusterPlacement = {};

/** Where tenants and the core services run (the sidecar mesh, canaries). */
export const WORKLOAD_CLUSTERS: ClusterPlacement = { traits: ['workloads'] };

/** Where Velero backs up: cloud clusters (they have a backup store) that run workloads. */
export const BACKUP_CLUSTERS: ClusterPlacement = { traits: ['workloads'], clouds: ['aws', 'azure', 'gcp'] };

/**
 * Where the environment's databases run: its primary cluster, the data home (the issue of
 * replicas in other clouds is the databases' own; until then one primary per database).
 */
export const DATA_HOME: ClusterPlacement = { traits: ['workloads'], roles: ['primary'] };

/**
 * The clusters that run the environment's databases: clusters with workloads on a cloud whose
 * identities can federate with the others' (AWS, Azure). The primary site is the data home (or
 * `databasePrimary`); the others are replica sites (lib/core/database-topology.ts).
 */
export const DATABASE_SITES: ClusterPlacement = { traits: ['workloads'], clouds: ['aws', 'azure'] };

/**
 * Where a tenant's folder goes: every workload cluster (its databases are not in it: each database
 * site has its own folder, lib/core/database-topology.ts). The tenant folder is placed by it, and
 * what follows a tenant onto a cluster (its secret readers) reads it too.
 */
export function tenantPlacement(): ClusterPlacement {
  return WORKLOAD_CLUSTERS;
}

/** Whether a cluster matches a placement. */
export function placementApplies(placement: ClusterPlacement, cluster: ClusterConfig): boolean {
  const traits = traitsOf(cluster);
  if (placement.clouds && !placement.clouds.includes(cluster.cloud)) return false;
  if (placement.roles && !placement.roles.includes(cluster.role)) return false;
  return (placement.traits ?? []).every((t) => hasTrait(traits, t));
}

/** One line for docs: `every cluster`, `clusters with workloads`, `aws clusters with karpenter`. */
export function describePlacement(placement: ClusterPlacement): string {
  const clouds = [placement.roles?.join('/'), placement.clouds?.join('/')]
    .filter(Boolean)
    .map((s) => `${s} `)
    .join('');
  const traits = placement.traits?.length ? ` with ${placement.traits.join(', ')}` : '';
  return clouds || traits ? `${clouds}clusters${traits}` : 'every cluster';
}

/** Argo CD's name for the cluster it runs in; every Application of a cluster's Argo CD targets it. */
export const IN_CLUSTER = 'in-cluster';

/** The cluster of an environment named `name`. */
export function clusterNamed(env: EnvironmentConfig, name: string): ClusterConfig | undefined {
  return env.clusters.find((c) => c.name === name);
}

/** The environment's primary cluster (else its first): where the cost report prices the environment. */
export function primaryCluster(env: EnvironmentConfig): ClusterConfig {
  const primary = env.clusters.find((c) => c.role === 'primary') ?? env.clusters[0];
  if (!primary) throw new Error(`environment ${env.name} has no cluster`);
  return primary;
}
