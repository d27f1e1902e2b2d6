import {
  backupStore,
  BackupStore,
  clusterWorkloadIdentities,
  DataEndpoint,
  dataEndpoints,
  networkPlan,
  NetworkPlan,
  PostgresInput,
  WorkloadIdentity,
} from '../core/cloud';
import type { ClusterConfig, EnvironmentConfig, PlatformConfig } from '../core/model';
import { fittedCloudName, SecretInput, TenantSecretReader, secretReaders } from '../core/secret-store';

/**
 * What a stack reads from the platform model (lib/core/cloud.ts) instead of deriving it: the network
 * plan, the backup store, the workload identities and the private data endpoints of its cluster. The
 * Kubernetes side reads the same functions, so the two cannot drift apart.
 */
export interface ClusterFacts {
  /** The cluster's network plan: VPC/VNet and subnet CIDRs. */
  readonly plan: NetworkPlan;
  /** The cluster's backup store: bucket or storage account, containers and prefixes. */
  readonly store: BackupStore;
  /** The ServiceAccounts bound to cloud identities, and what each may touch. */
  readonly identities: readonly WorkloadIdentity[];
  /** The private endpoints of the managed data services (PostgreSQL, Redis). */
  readonly endpoints: readonly DataEndpoint[];
  /** The tenants that read secrets from the cloud's secret store on the cluster (lib/core/secret-store.ts). */
  readonly secretReaders: readonly TenantSecretReader[];
}

/** The tenant input a stack needs (which PostgreSQL clusters run where, which tenants read cloud secrets): `{ tenants: [], databases: [] }` for none. */
export type InfraInput = PostgresInput & SecretInput;

/** No tenants, no databases. */
export const NO_TENANT_INPUT: InfraInput = { tenants: [], databases: [] };

/** The model's facts of a cloud cluster; fails for a cluster the model gives no network plan or backup store. */
export function clusterFacts(platform: PlatformConfig, environment: EnvironmentConfig, cluster: ClusterConfig, input: InfraInput): ClusterFacts {
  const plan = networkPlan(cluster);
  if (!plan) throw new Error(`cluster '${cluster.name}' needs a networkCidr (the network plan of lib/core/cloud.ts is cut out of it)`);
  const store = backupStore(platform, environment, cluster);
  if (!store) throw new Error(`cluster '${cluster.name}' has no backup store in the platform model`);
  const identities = clusterWorkloadIdentities(platform, environment, cluster, input);
  const seen = new Set<string>();
  for (const identity of identities) {
    if (seen.has(identity.name)) throw new Error(`cluster '${cluster.name}' has two workload identities named '${identity.name}'`);
    seen.add(identity.name);
  }
  return { plan, store, identities, endpoints: dataEndpoints(cluster), secretReaders: secretReaders(environment, cluster, input) };
}

/**
 * A cloud resource name `<prefix>-<name>` that fits `max` characters: as is when it fits, else cut and
 * ended with 6 hex digits of its SHA-256, so distinct long names stay distinct and the same name gives
 * the same result everywhere. Identity names of PostgreSQL clusters (`pg-<namespace>-<cluster>`) can
 * exceed the 30 characters of a Google service account id or the 64 of an IAM role.
 */
export function fittedName(prefix: string, name: string, max: number): string {
  // One rule, in the platform model: the Kubernetes side derives the same names (lib/core/secret-store.ts).
  return fittedCloudName(prefix, name, max);
}
