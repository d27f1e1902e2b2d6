import { EnvironmentName } from '../model';
import type { PostgresInput } from '../cloud';
import type { SecretInput } from '../secret-store';

/** The tiers a tenant subscribes to, cheapest first. */
export const SUBSCRIPTION_LEVELS = ['starter', 'professional', 'enterprise'] as const;
export type SubscriptionLevel = (typeof SUBSCRIPTION_LEVELS)[number];

/** PostgreSQL major versions the platform's database operator (CloudNativePG 1.30) runs. */
export const POSTGRES_VERSIONS = ['14', '15', '16', '17'] as const;
export type PostgresVersion = (typeof POSTGRES_VERSIONS)[number];

/** Storage URI schemes a backup may target. */
export const STORAGE_SCHEMES = ['s3', 'gs', 'azure'] as const;

/** Encryption a backup may ask for. */
export const BACKUP_ENCRYPTIONS = ['AES-256-GCM'] as const;

/** Where a validated document came from, for error messages further down the line. */
export interface SourceRef {
  /** Path relative to the project root (`apps/platform/tenants/acme.yaml`). */
  readonly file: string;
  /** 1-based index of the YAML document in the file. */
  readonly document: number;
}

/** A secret a tenant's workloads need, never as plaintext. */
export type TenantSecret =
  | {
      readonly name: string;
      /** A SealedSecret: values encrypted with the cluster's sealing key (`kubeseal --raw`). */
      readonly sealed: { readonly encryptedData: Readonly<Record<string, string>> };
    }
  | {
      readonly name: string;
      /**
       * A secret held in the cloud's secret store (`store: cloud`), delivered by the External Secrets
       * Operator: `key` is its name in the tenant's area, held there as `tenant-<tenantId>--<key>`.
       */
      readonly external: { readonly store: 'cloud'; readonly key: string };
    };

/** A tenant realm's read-only LDAP user federation (LDAPS only; the bind password is a Secret, never input). */
export interface TenantLdap {
  /** `ldaps://<host>[:<port>]`. */
  readonly connectionUrl: string;
  /** Directory kind (Keycloak's `vendor`). */
  readonly vendor: 'ad' | 'rhds' | 'other';
  /** Where the users are. */
  readonly usersDn: string;
  /** The read-only account Keycloak binds as. */
  readonly bindDn: string;
  /** Where the groups are (group mapping on when set). */
  readonly groupsDn?: string;
}

/** `CeresTenant`: a paying customer sharing the platform's clusters. */
export interface TenantSpec {
  /** `metadata.name`, unique among CeresTenants. */
  readonly name: string;
  /** The customer's name as people read it (the namespace's `ceres.io/display-name` annotation). */
  readonly displayName: string;
  /** Stable id: the namespace is `tenant-<tenantId>`, the Argo CD Application `<env>-tenant-<tenantId>`. */
  readonly tenantId: string;
  /** Keycloak realm, unique per tenant: the tenant's OIDC groups (`<realm>:<role>`) and JWT issuer derive from it. */
  readonly keycloakRealm: string;
  /** PostgreSQL schema of the tenant's data: a lowercase identifier, not a reserved word, not `pg_*`. */
  readonly databaseSchema: string;
  /** Tier: quotas, limits, priority and database size follow from it. */
  readonly subscriptionLevel: SubscriptionLevel;
  /** Environments the tenant is deployed to (default: all). */
  readonly environments: readonly EnvironmentName[];
  /** Optional read-only LDAP federation of the tenant's realm. @default none */
  readonly ldap?: TenantLdap;
  /** Secrets, sealed or external. @default [] */
  readonly secrets: readonly TenantSecret[];
  /** The document it was read from. */
  readonly source: SourceRef;
}

/** `CeresDatabase`: a PostgreSQL cluster in the tenant's namespace. */
export interface DatabaseSpec {
  /** `metadata.name`: the CloudNativePG Cluster's name in the tenant's namespace. */
  readonly name: string;
  /** Database engine; PostgreSQL, run by CloudNativePG, is the only one. */
  readonly type: 'postgres';
  /** PostgreSQL instances, 1 to 9 (one primary, the rest replicas). */
  readonly replicas: number;
  /** Storage per instance, a Kubernetes quantity (`100Gi`). */
  readonly size: string;
  /** PostgreSQL major version. */
  readonly version: PostgresVersion;
  /** The tenantId of the CeresTenant that owns the database. */
  readonly tenantId: string;
  /** The document it was read from. */
  readonly source: SourceRef;
}

/** Backup storage locations a CeresBackup may name. */
export const BACKUP_STORAGE_LOCATIONS = ['platform'] as const;

/** `CeresBackup`: a scheduled backup of namespaces. */
export interface BackupSpec {
  /** `metadata.name`: the Velero Schedule's name. */
  readonly name: string;
  /** 5-field cron expression. */
  readonly schedulePolicy: string;
  /** Days a backup is kept (1 to 3650): the Schedule's `ttl`. */
  readonly retentionDays: number;
  /** Namespace names or globs (`tenant-*`). */
  readonly includeNamespaces: readonly string[];
  /** Always the cluster's own backup store (see lib/core/cloud.ts backupStore). */
  readonly storageLocation: (typeof BACKUP_STORAGE_LOCATIONS)[number];
  /** Encryption asked for, recorded on the Schedule (`ceres.io/encryption`). @default 'AES-256-GCM' */
  readonly encryption: (typeof BACKUP_ENCRYPTIONS)[number];
  /** The document it was read from. */
  readonly source: SourceRef;
}

/** All tenant input, validated and cross-checked. */
export interface TenantInput {
  /** Every CeresTenant, in file order (files sorted by path). */
  readonly tenants: readonly TenantSpec[];
  /** Every CeresDatabase, in file order (files sorted by path). */
  readonly databases: readonly DatabaseSpec[];
  /** Every CeresBackup, in file order (files sorted by path). */
  readonly backups: readonly BackupSpec[];
}

/**
 * The part of the input one environment renders: the tenants that run in it, their databases, and
 * every backup. Rendering an environment reads nothing else of the input, and the render cache keys
 * the environment's output by exactly this (a tenant of another environment does not reach it).
 */
export function environmentInput(input: TenantInput, environment: string): TenantInput {
  const tenants = input.tenants.filter((t) => (t.environments as readonly string[]).includes(environment));
  const ids = new Set(tenants.map((t) => t.tenantId));
  return { tenants, databases: input.databases.filter((d) => ids.has(d.tenantId)), backups: input.backups };
}

/**
 * The part of the input the Terraform stacks read (lib/infra/facts.ts, InfraInput): which tenants run
 * where, their external secret references (the reader identities are scoped to them) and their
 * databases. A tenant's display name or tier does not reach Terraform, so this projection is what the
 * stacks are rendered from and the render cache keys them by.
 */
export function terraformInput(input: TenantInput): PostgresInput & SecretInput {
  return {
    tenants: input.tenants.map((t) => ({ tenantId: t.tenantId, environments: t.environments, secrets: t.secrets.filter((x) => 'external' in x) })),
    databases: input.databases.map((d) => ({ name: d.name, tenantId: d.tenantId })),
  };
}
