/**
 * The platform model: what platform engineers describe, and what every app (Kubernetes manifests,
 * Terraform) is generated from. Plain data, validated once (see `validatePlatform`), then read-only.
 */

/** The environments the platform knows, in promotion order. */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** Where a cluster runs. `edge` is an on-premises K3s site: no cloud resources are provisioned for it. */
export const CLOUDS = ['aws', 'azure', 'gcp', 'edge'] as const;
export type Cloud = (typeof CLOUDS)[number];

/**
 * What kind of cluster it is, which decides what it can run (see `CLUSTER_PROFILES` in topology.ts):
 * EKS, AKS, GKE Standard, GKE Autopilot (no privileged pods), or a K3s edge site.
 */
export type ClusterProfileName = 'eks' | 'aks' | 'gke-standard' | 'gke-autopilot' | 'k3s';

/** The part a cluster plays in an environment (the design's primary / secondary / tertiary / edge). */
export type ClusterRole = 'primary' | 'secondary' | 'tertiary' | 'edge';

/** What a node pool is for. */
export type NodePoolPurpose = 'system' | 'general' | 'memory';

export interface NodePoolConfig {
  /** Pool name, a DNS-1123 label (AKS further limits it to 12 lowercase alphanumerics). */
  readonly name: string;
  /** What the pool runs: its kubelet tuning (CPU and memory managers) and its `ceres.io/purpose` node label follow from it. */
  readonly purpose: NodePoolPurpose;
  /** Cloud instance type (`t3.large`, `Standard_D4s_v5`, `e2-standard-4`). */
  readonly instanceType: string;
  /** Minimum node count. */
  readonly min: number;
  /** Desired node count at creation. */
  readonly desired: number;
  /** Maximum node count. */
  readonly max: number;
  /** Spot / preemptible capacity. @default false */
  readonly spot?: boolean;
}

export interface ClusterConfig {
  /** Cluster name, a DNS-1123 label, unique in the platform (`ceres-prod-aws`). */
  readonly name: string;
  /** Where it runs; `edge` clusters get no cloud resources from Terraform. */
  readonly cloud: Cloud;
  /**
   * The kind of cluster; it must run on `cloud`.
   * @default the cloud's usual profile: aws → eks, azure → aks, gcp → gke-autopilot, edge → k3s
   */
  readonly profile?: ClusterProfileName;
  /** Its part in the environment: the `primary` cluster is the data home (databases) and the source of the sealing key at bootstrap. */
  readonly role: ClusterRole;
  /** Cloud region (`eu-west-1`, `westeurope`, `europe-west1`) or site name for edge clusters. */
  readonly region: string;
  /** DNS zone under which this cluster's public hosts live (`prod.ceres.io`). */
  readonly baseDomain: string;
  /** Kubernetes minor version. @default '1.30' */
  readonly kubernetesVersion: string;
  /** Primary CIDR of the cluster network (VPC / VNet / subnet). Not used for edge sites. */
  readonly networkCidr?: string;
  /** Node pools. GKE Autopilot and edge sites have none. */
  readonly nodePools: readonly NodePoolConfig[];
  /**
   * CIDRs allowed to reach the Kubernetes API when it is not fully private (CI runners, VPN).
   * @default [] (private endpoint only)
   */
  readonly apiAllowedCidrs?: readonly string[];
}

/** Replica counts and HA switches for one environment. */
export interface EnvironmentSizing {
  /** High availability: PDBs, zone spreading, multi-replica control planes. */
  readonly ha: boolean;
  /** istiod replicas (the chart autoscales between min and max). */
  readonly istiod: { readonly min: number; readonly max: number };
  /** Istio ingress gateway replicas (min/max of its autoscaler). */
  readonly ingressGateway: { readonly min: number; readonly max: number };
  /** Istio egress gateway replicas. */
  readonly egressGateway: { readonly min: number; readonly max: number };
  /** Replicas of the platform's core services (`api-server`), min/max of the HPA. */
  readonly coreServices: { readonly min: number; readonly max: number };
  /** Tracing sample rate in percent (0–100). */
  readonly tracingSamplePercent: number;
  /**
   * Progressive delivery pace: how long each canary step is held (Flagger's analysis interval) and
   * how many failed checks roll it back. The design holds production steps for hours.
   * @default { canaryStepInterval: '1m', canaryMetricWindow: '1m', canaryFailureThreshold: 5 }
   */
  readonly delivery?: { readonly canaryStepInterval: string; readonly canaryMetricWindow: string; readonly canaryFailureThreshold: number };
}

export interface GitOpsConfig {
  /** Git repository Argo CD reads `dist/` from. */
  readonly repoURL: string;
  /** Branch, tag or commit Argo CD tracks. */
  readonly targetRevision: string;
}

export interface EnvironmentConfig {
  /** Environment name: the `dist/<env>/` folder and the prefix of its Argo CD Applications. */
  readonly name: EnvironmentName;
  /** Clusters of this environment; Argo CD targets all of them. */
  readonly clusters: readonly ClusterConfig[];
  /** Replica counts, HA and tracing for the environment's platform components. */
  readonly sizing: EnvironmentSizing;
  /** The environment's public DNS zone (`ceres.io` for prod, `staging.ceres.io`, ...). */
  readonly baseDomain: string;
  /**
   * The cloud accounts the environment's stacks apply to, where names in manifests carry them (IRSA
   * role ARNs, Google service account e-mails). Terraform refuses to apply to another AWS account.
   * @default none
   */
  readonly cloudAccounts?: {
    /** AWS account id (12 digits). */
    readonly aws?: string;
    /** GCP project id. */
    readonly gcp?: string;
  };
  /**
   * The cluster whose PostgreSQL sites accept writes; the others replay its archive
   * (lib/core/database-topology.ts). Changing it is the database failover and fail-back of
   * docs/disaster-recovery.md.
   * @default the environment's `primary` cluster
   */
  readonly databasePrimary?: string;
}

export interface PlatformConfig {
  /** Platform name, used as a label value and name prefix. */
  readonly name: string;
  /** Container registries workloads may pull from (enforced by the policy engine). */
  readonly allowedRegistries: readonly string[];
  /** The git repository and revision every cluster's Argo CD syncs `dist/` from. */
  readonly gitops: GitOpsConfig;
  /** The platform's environments (`dev`, `staging`, `prod`), each with its clusters. */
  readonly environments: readonly EnvironmentConfig[];
}
