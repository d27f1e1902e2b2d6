// The public face of lib/gitops: other domains and apps import from here, never from its files.
export * from './argo-cd';
export * from './controller-owned-fields';
export * from './gitops-addon';
export * from './addon-table';
