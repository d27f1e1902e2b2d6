import { SUBSCRIPTION_LEVELS, SubscriptionLevel } from '../core/input/types';

/** CPU and memory, as Kubernetes quantities (`500m`, `1Gi`). */
export interface CpuMemory {
  /** CPU quantity (`500m`, `2`). */
  readonly cpu: string;
  /** Memory quantity (`512Mi`, `4Gi`). */
  readonly memory: string;
}

/** The hard limits of a tenant namespace's ResourceQuota. */
export interface TierQuota {
  /** Sum of CPU requests of all pods (`requests.cpu`). */
  readonly requestsCpu: string;
  /** Sum of memory requests (`requests.memory`). */
  readonly requestsMemory: string;
  /** Sum of CPU limits (`limits.cpu`). */
  readonly limitsCpu: string;
  /** Sum of memory limits (`limits.memory`). */
  readonly limitsMemory: string;
  /** Sum of storage requested by PersistentVolumeClaims (`requests.storage`). */
  readonly storage: string;
  /** Number of PersistentVolumeClaims. */
  readonly persistentVolumeClaims: number;
  /** Number of non-terminal pods. */
  readonly pods: number;
  /** Number of Services. */
  readonly services: number;
  /** Number of Services of type LoadBalancer (a cloud load balancer each, billed): 0 below enterprise. */
  readonly loadBalancers: number;
  /** Number of ConfigMaps. */
  readonly configMaps: number;
  /** Number of Secrets (SealedSecrets unseal into Secrets, CNPG creates a few per database). */
  readonly secrets: number;
}

/**
 * Per-container LimitRange values. `max` must admit the Istio sidecar (istio-proxy requests 100m/128Mi
 * and limits 2 CPU/1Gi by default), since every tenant pod gets one.
 */
export interface TierLimitRange {
  /** Requests given to a container that sets none. */
  readonly defaultRequest: CpuMemory;
  /** Limits given to a container that sets none. */
  readonly defaultLimit: CpuMemory;
  /** Smallest request a container may set. */
  readonly min: CpuMemory;
  /** Largest limit a container may set. */
  readonly max: CpuMemory;
}

/** Everything a subscription level grants, in one record. */
export interface TierValues {
  /** The subscription level these values belong to. */
  readonly level: SubscriptionLevel;
  /** The tenant namespace's ResourceQuota. */
  readonly quota: TierQuota;
  /** The tenant namespace's LimitRange: container defaults and bounds. */
  readonly limitRange: TierLimitRange;
  /** The PriorityClass tenant pods of this tier run with (set by a Kyverno mutation). */
  readonly priorityClass: { readonly name: string; readonly value: number; readonly description: string };
  /** Resources of each PostgreSQL instance of a tenant database (requests = limits: Guaranteed QoS). */
  readonly databaseInstance: CpuMemory;
  /** Requests per second each ingress gateway replica admits for each of the tenant's public hosts (local rate limit; 429 beyond). */
  readonly ingressRequestsPerSecond: number;
}

/**
 * The one table of tier values. Every number grows strictly from starter to professional to
 * enterprise (test/quotas checks it), except LoadBalancer Services, which only enterprise may create,
 * and the per-container minimums, which are the same floor for everybody.
 *
 * Sizing rationale: a tier's quota holds its database (instances × databaseInstance, all storage)
 * plus its workloads with their sidecars; priority values stay far below the system classes
 * (`system-cluster-critical` is 2 000 000 000) and below the platform's own services.
 */
export const TIERS: Readonly<Record<SubscriptionLevel, TierValues>> = {
  starter: {
    level: 'starter',
    quota: {
      requestsCpu: '2',
      requestsMemory: '4Gi',
      // Limits leave room for the injected sidecar (500m / 256Mi limit) next to each container's
      // default (250m / 256Mi): about ten meshed pods (verify: capacity/tenant-pods).
      limitsCpu: '8',
      limitsMemory: '12Gi',
      storage: '50Gi',
      persistentVolumeClaims: 5,
      pods: 20,
      services: 10,
      loadBalancers: 0,
      configMaps: 20,
      secrets: 20,
    },
    limitRange: {
      defaultRequest: { cpu: '50m', memory: '64Mi' },
      defaultLimit: { cpu: '250m', memory: '256Mi' },
      min: { cpu: '10m', memory: '16Mi' },
      max: { cpu: '2', memory: '2Gi' },
    },
    priorityClass: { name: 'ceres-tenant-starter', value: 1000, description: 'Pods of starter-tier tenants: evicted first under pressure' },
    databaseInstance: { cpu: '250m', memory: '512Mi' },
    ingressRequestsPerSecond: 50,
  },
  professional: {
    level: 'professional',
    quota: {
      requestsCpu: '8',
      requestsMemory: '16Gi',
      limitsCpu: '16',
      limitsMemory: '32Gi',
      storage: '250Gi',
      persistentVolumeClaims: 20,
      pods: 100,
      services: 30,
      loadBalancers: 0,
      configMaps: 100,
      secrets: 100,
    },
    limitRange: {
      defaultRequest: { cpu: '100m', memory: '128Mi' },
      defaultLimit: { cpu: '500m', memory: '512Mi' },
      min: { cpu: '10m', memory: '16Mi' },
      max: { cpu: '4', memory: '8Gi' },
    },
    priorityClass: { name: 'ceres-tenant-professional', value: 2000, description: 'Pods of professional-tier tenants' },
    databaseInstance: { cpu: '1', memory: '2Gi' },
    ingressRequestsPerSecond: 200,
  },
  enterprise: {
    level: 'enterprise',
    quota: {
      requestsCpu: '32',
      requestsMemory: '64Gi',
      limitsCpu: '64',
      limitsMemory: '128Gi',
      storage: '1Ti',
      persistentVolumeClaims: 100,
      pods: 500,
      services: 100,
      loadBalancers: 3,
      configMaps: 500,
      secrets: 500,
    },
    limitRange: {
      defaultRequest: { cpu: '200m', memory: '256Mi' },
      defaultLimit: { cpu: '1', memory: '1Gi' },
      min: { cpu: '10m', memory: '16Mi' },
      max: { cpu: '8', memory: '32Gi' },
    },
    priorityClass: { name: 'ceres-tenant-enterprise', value: 3000, description: 'Pods of enterprise-tier tenants: evicted last among tenants' },
    databaseInstance: { cpu: '2', memory: '4Gi' },
    ingressRequestsPerSecond: 1000,
  },
};

/** The tier values of a subscription level. */
export function tierValues(level: SubscriptionLevel): TierValues {
  return TIERS[level];
}

/** Tiers cheapest first. */
export const TIERS_IN_ORDER: readonly TierValues[] = SUBSCRIPTION_LEVELS.map((l) => TIERS[l]);
