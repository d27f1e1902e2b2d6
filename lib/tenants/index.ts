// The public face of lib/tenants: other domains and apps import from here, never from its files.
export * from './tenant-access';
export * from './tenant-project';
export * from './tenant-secrets';
export * from './tenant';
export * from './tenants-addon';
export * from './tenant-realm';
