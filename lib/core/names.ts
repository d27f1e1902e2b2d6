/**
 * Naming and labelling rules, in one place so that every derived name is predictable and checked.
 */

/** Kubernetes DNS-1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric, ≤ 63. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const MAX_LABEL_LENGTH = 63;

export function isDnsLabel(value: string): boolean {
  return value.length <= MAX_LABEL_LENGTH && DNS1123_LABEL.test(value);
}

/** Prefix of every tenant namespace. */
export const TENANT_NAMESPACE_PREFIX = 'tenant-';

/** Names derived from a tenant id; all of them must be DNS-1123 labels within 63 characters. */
export interface TenantNames {
  /** The tenant's namespace (`tenant-acme-001`). */
  readonly namespace: string;
  /** The dist/ folder, and so the Argo CD Application, of the tenant (`tenant-acme-001`). */
  readonly folder: string;
  /** The tenant's Argo CD AppProject. */
  readonly project: string;
}

export function tenantNames(tenantId: string): TenantNames {
  const ns = `${TENANT_NAMESPACE_PREFIX}${tenantId}`;
  return { namespace: ns, folder: ns, project: ns };
}

/**
 * Longest prefix the platform puts in front of a tenant id in any derived name. Argo CD Application
 * names are `<env>-<folder>` (the longest environment is `staging`), and the Application name becomes
 * the `app.kubernetes.io/instance` tracking label, limited to 63 characters.
 */
export const LONGEST_TENANT_NAME_PREFIX = `staging-${TENANT_NAMESPACE_PREFIX}`;
export const MAX_TENANT_ID_LENGTH = MAX_LABEL_LENGTH - LONGEST_TENANT_NAME_PREFIX.length;

/** Argo CD Application name for a dist folder of an environment. */
export function applicationName(env: string, folder: string): string {
  return `${env}-${folder}`;
}

/** Label keys used across the platform. */
export const Labels = {
  managedBy: 'app.kubernetes.io/managed-by',
  partOf: 'app.kubernetes.io/part-of',
  name: 'app.kubernetes.io/name',
  component: 'app.kubernetes.io/component',
  version: 'app.kubernetes.io/version',
  environment: 'ceres.io/environment',
  tenant: 'ceres.io/tenant',
  tier: 'ceres.io/tier',
  /** Cost allocation: who pays (a tenant id, or `platform`). */
  costCenter: 'ceres.io/cost-center',
} as const;

/** Value of `app.kubernetes.io/managed-by` on everything we render. */
export const MANAGED_BY = 'ceres-synth';
/** Value of `app.kubernetes.io/part-of` on everything we render. */
export const PART_OF = 'ceres';

/** The labels every object of the platform carries. */
export function standardLabels(env: string): Record<string, string> {
  return { [Labels.managedBy]: MANAGED_BY, [Labels.partOf]: PART_OF, [Labels.environment]: env };
}

/** The labels every object of a tenant carries, on top of the standard ones. */
export function tenantLabels(tenantId: string, tier: string): Record<string, string> {
  return { [Labels.tenant]: tenantId, [Labels.tier]: tier, [Labels.costCenter]: tenantId };
}
