// The public face of lib/identity: other domains and apps import from here, never from its files.
export * from './keycloak-addon';
export * from './keycloak-operator';
export * from './keycloak-server';
export * from './platform-realm';
