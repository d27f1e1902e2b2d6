// The public face of lib/certificates: other domains and apps import from here, never from its files.
export * from './acme-cluster-issuer';
export * from './cert-manager';
export * from './certificates-addon';
export * from './dns01-solver-account';
