// The public face of lib/argocd: other domains and apps import from here, never from its files.
export * from './application-health';
export * from './folder-application';
export * from './folder-inventory';
export * from './helm-application';
export * from './manifests-application';
export * from './platform-project';
export * from './root-application';
export * from './stateful-protection-check';
