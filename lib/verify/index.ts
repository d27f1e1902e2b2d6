// The public face of lib/verify: other domains and apps import from here, never from its files.
export * from './checks';
export * from './helm';
export * from './manifests';
export * from './run';
export * from './scope';
export * from './state';
export * from './types';
