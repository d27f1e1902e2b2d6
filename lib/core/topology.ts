import { ClusterConfig, EnvironmentConfig } from './model';

/**
 * How Argo CD reaches the clusters of an environment. Argo CD runs on the environment's primary
 * cluster (the hub): child Applications and Helm add-ons for the hub target `in-cluster`. Every other
 * cluster (secondary, tertiary, edge sites) is registered in that Argo CD under its own name with the
 * labels below, and the environment's ApplicationSet fans the synced folders out to them by label.
 */

/** Cluster-secret labels the ApplicationSet selects on (`argocd cluster add --label ...`). */
export const ClusterLabels = {
  environment: 'ceres.io/environment',
  /** `full` or `edge`: edge sites (K3s) get a lighter set of add-ons and folders. */
  profile: 'ceres.io/profile',
  cloud: 'ceres.io/cloud',
} as const;

/** Argo CD's name for the cluster it runs in. */
export const IN_CLUSTER = 'in-cluster';

export type ClusterProfile = 'full' | 'edge';

/** Edge sites are K3s mini clusters: they get the light profile. */
export function clusterProfile(cluster: ClusterConfig): ClusterProfile {
  return cluster.cloud === 'edge' || cluster.role === 'edge' ? 'edge' : 'full';
}

/** The cluster Argo CD runs in: the primary, else the first cluster. */
export function hubCluster(env: EnvironmentConfig): ClusterConfig {
  const hub = env.clusters.find((c) => c.role === 'primary') ?? env.clusters[0];
  if (!hub) throw new Error(`environment ${env.name} has no cluster; Argo CD needs one to run in`);
  return hub;
}

/** Clusters reached through the ApplicationSet (every cluster but the hub), in declaration order. */
export function remoteClusters(env: EnvironmentConfig): ClusterConfig[] {
  const hub = hubCluster(env);
  return env.clusters.filter((c) => c !== hub);
}

/** Argo CD destination name of a cluster: `in-cluster` for the hub, its registered name otherwise. */
export function destinationName(env: EnvironmentConfig, cluster: ClusterConfig): string {
  return cluster === hubCluster(env) ? IN_CLUSTER : cluster.name;
}

/** The labels a remote cluster must be registered with. */
export function clusterRegistrationLabels(env: EnvironmentConfig, cluster: ClusterConfig): Record<string, string> {
  return {
    [ClusterLabels.environment]: env.name,
    [ClusterLabels.profile]: clusterProfile(cluster),
    [ClusterLabels.cloud]: cluster.cloud,
  };
}
