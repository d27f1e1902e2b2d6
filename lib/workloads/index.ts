// The public face of lib/workloads: other domains and apps import from here, never from its files.
export * from './catalog-service';
export * from './ceres-namespace';
export * from './image-reference';
export * from './secure-workload';
export * from './workload-checks';
export * from './workloads-addon';
