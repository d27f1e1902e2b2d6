import { EnvironmentName } from '../model';

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
  readonly file: string;
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
      /** A reference to a secret held outside git (a Vault / cloud secret manager path). */
      readonly external: { readonly store: string; readonly key: string };
    };

/** `CeresTenant`: a paying customer sharing the platform's clusters. */
export interface TenantSpec {
  readonly name: string;
  readonly displayName: string;
  readonly tenantId: string;
  readonly keycloakRealm: string;
  readonly databaseSchema: string;
  readonly subscriptionLevel: SubscriptionLevel;
  /** Environments the tenant is deployed to (default: all). */
  readonly environments: readonly EnvironmentName[];
  /** Secrets, sealed or external. @default [] */
  readonly secrets: readonly TenantSecret[];
  readonly source: SourceRef;
}

/** `CeresDatabase`: a PostgreSQL cluster in the tenant's namespace. */
export interface DatabaseSpec {
  readonly name: string;
  readonly type: 'postgres';
  readonly replicas: number;
  /** Storage per instance, a Kubernetes quantity (`100Gi`). */
  readonly size: string;
  readonly version: PostgresVersion;
  readonly tenantId: string;
  readonly source: SourceRef;
}

/** `CeresBackup`: a scheduled backup of namespaces. */
/** Backup storage locations a CeresBackup may name. */
export const BACKUP_STORAGE_LOCATIONS = ['platform'] as const;

export interface BackupSpec {
  readonly name: string;
  /** 5-field cron expression. */
  readonly schedulePolicy: string;
  readonly retentionDays: number;
  /** Namespace names or globs (`tenant-*`). */
  readonly includeNamespaces: readonly string[];
  /** `s3://bucket/prefix`, `gs://bucket/prefix` or `azure://container/prefix`. */
  /** Always the cluster's own backup store (see lib/core/cloud.ts backupStore). */
  readonly storageLocation: (typeof BACKUP_STORAGE_LOCATIONS)[number];
  readonly encryption: (typeof BACKUP_ENCRYPTIONS)[number];
  readonly source: SourceRef;
}

/** All tenant input, validated and cross-checked. */
export interface TenantInput {
  readonly tenants: readonly TenantSpec[];
  readonly databases: readonly DatabaseSpec[];
  readonly backups: readonly BackupSpec[];
}
