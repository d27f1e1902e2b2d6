import { ManifestCheck } from './checks';
import { BackupSpec, DatabaseSpec, TenantSpec } from './input/types';
import { EnvironmentConfig, PlatformConfig } from './model';
import { EnvironmentOutput } from './output';
import { ServiceCatalog } from './services';

/** What an add-on sees when it deploys into one environment. */
export interface PlatformContext {
  readonly platform: PlatformConfig;
  readonly environment: EnvironmentConfig;
  readonly output: EnvironmentOutput;
  /** Tenants deployed to this environment (their `environments` include it), in input order. */
  readonly tenants: readonly TenantSpec[];
  /** Databases of those tenants. */
  readonly databases: readonly DatabaseSpec[];
  /** Platform backup schedules. */
  readonly backups: readonly BackupSpec[];
  /** The services deployed in this environment (workloads and mesh both derive from it). */
  readonly services: ServiceCatalog;
}

/**
 * One part of the platform (the core namespace, tenants, the mesh, observability, GitOps). The
 * platform app only orders add-ons (EKS Blueprints' `ClusterAddOn`): a new add-on never edits the core.
 */
export interface PlatformAddOn {
  /** Short name, for messages. */
  readonly name: string;
  /** Adds this add-on's folders and objects to one environment. */
  deploy(ctx: PlatformContext): void;
  /** Checks over the rendered objects of each environment, run before anything is written. */
  readonly checks?: readonly ManifestCheck[];
}
