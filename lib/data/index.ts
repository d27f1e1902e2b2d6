// The public face of lib/data: other domains and apps import from here, never from its files.
export * from './backup-bucket';
export * from './backup-schedule';
export * from './backups-addon';
export * from './cloudnative-pg';
export * from './databases-addon';
export * from './disaster-recovery';
export * from './flows';
export * from './platform-database';
export * from './storage';
export * from './tenant-database';
export * from './traffic-runbook';
export * from './velero';
