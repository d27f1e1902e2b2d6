// The public face of lib/secrets: other domains and apps import from here, never from its files.
export * from './sealed-secrets-addon';
export * from './sealed-secrets';
export * from './external-secrets';
export * from './external-secrets-addon';
