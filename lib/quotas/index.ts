// The public face of lib/quotas: other domains and apps import from here, never from its files.
export * from './tenant-quota';
export * from './tier-docs';
export * from './tier-priority-classes';
export * from './tier-table';
