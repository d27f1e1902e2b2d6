import { Capability } from './addon';
import { TenantSpec } from './input/types';
import { OutputFolder } from './output';

/**
 * The capabilities add-ons exchange. They are contracts, so they live in core: a provider and its
 * consumers import this file, never each other.
 */

/** A namespace and the dist/ folder its objects go to. */
export interface NamespaceFolder {
  readonly namespace: string;
  readonly folder: OutputFolder;
}

/** The platform's core namespace (`ceres`: core services, operators, queues) and its folder. */
export const CeresNamespaceCapability = new Capability<NamespaceFolder>('ceres-namespace');

/** A tenant deployed to the environment: its validated document, namespace and folder. */
export interface TenantUnit extends NamespaceFolder {
  readonly spec: TenantSpec;
}

/** Every tenant of the environment, by tenantId, in input order. */
export const TenantFolders = new Capability<ReadonlyMap<string, TenantUnit>>('tenant-folders');
