import { Capability } from './addon';
import { TenantSpec } from './input/types';
import { OutputFolder } from './output';

/**
 * The capabilities add-ons exchange. They are contracts, so they live in core: a provider and its
 * consumers import this file, never each other.
 */

/** A namespace and the dist/ folder its objects go to. */
export interface NamespaceFolder {
  /** Namespace name (`ceres`, `tenant-acme-001`). */
  readonly namespace: string;
  /** The dist/ folder the namespace's objects are rendered into. */
  readonly folder: OutputFolder;
}

/** The platform's core namespace (`ceres`: core services, operators, queues) and its folder. */
export const CeresNamespaceCapability = new Capability<NamespaceFolder>('ceres-namespace');

/** A tenant deployed to the environment: its validated document, namespace and folder. */
export interface TenantUnit extends NamespaceFolder {
  /** The tenant's validated CeresTenant document. */
  readonly spec: TenantSpec;
}

/** Every tenant of the environment, by tenantId, in input order. */
export const TenantFolders = new Capability<ReadonlyMap<string, TenantUnit>>('tenant-folders');
