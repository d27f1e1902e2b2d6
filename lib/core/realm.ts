import type { TenantSpec } from './input/types';
import type { ClusterConfig, EnvironmentConfig } from './model';
import { ClusterPlacement, DATA_HOME, DATABASE_SITES, placementApplies } from './topology';

/**
 * The Keycloak realms of the platform as one model: every issuer, JWKS endpoint and group name that a
 * binding, an ingress JWT policy, Argo CD or the API servers use is computed here, from the platform's
 * Keycloak URL and a realm name (the platform realm, or a tenant's `keycloakRealm`), so they cannot
 * disagree. `npm run verify` (`identity/realms`) checks what was rendered against it.
 */

/**
 * Where Keycloak runs and under which name: one Keycloak per environment, on the environment's primary
 * cluster (its data home, a database site, so its PostgreSQL archives to the cluster's object store),
 * served at `auth.<environment baseDomain>`. Everything that trusts a realm (issuers, JWKS, redirect
 * URIs, the KeycloakRealmImports' target) reads these, so they point where Keycloak actually runs.
 */
export const KEYCLOAK = {
  /** The namespace of the operator, the Keycloak instance, its database and the realm imports. */
  namespace: 'keycloak',
  /** The `Keycloak` custom resource's name (a KeycloakRealmImport's `keycloakCRName`). */
  instance: 'keycloak',
  /** The CloudNativePG Cluster holding Keycloak's data (its `-app` Secret holds the credentials). */
  database: 'keycloak-db',
  /** Database and owner created at bootstrap. */
  databaseName: 'keycloak',
  /** The cluster folder of each site (`dist/<env>/clusters/<cluster>/keycloak/`, Application `<env>-keycloak`): the Keycloak, its Service and route. */
  folder: 'keycloak',
} as const;

/**
 * The cluster that imports the realms: the primary cluster of each environment, when it is a database
 * site (the `keycloak-realms` folder goes there). In normal operation it is also where Keycloak runs
 * ({@link keycloakCluster}); after a failover of Keycloak's database the realms stay in the database
 * and are served by the promoted site.
 */
export const KEYCLOAK_PLACEMENT: ClusterPlacement = { ...DATA_HOME, clouds: DATABASE_SITES.clouds };

/**
 * The clusters ready to run Keycloak: every database site (issue 12: every database has a replica in a
 * second cloud). Each runs the operator, a site of Keycloak's database (lib/core/database-topology.ts
 * `keycloakDatabase`), the route of `auth.<baseDomain>` and its certificate; the `Keycloak` itself runs
 * only where the database is primary (Keycloak cannot start on a read-only replica).
 */
export const KEYCLOAK_SITES: ClusterPlacement = DATABASE_SITES;

/** The cluster of an environment that imports its realms and, unless its database was failed over, runs its Keycloak (undefined when none qualifies). */
export function keycloakCluster(environment: Pick<EnvironmentConfig, 'clusters'>): ClusterConfig | undefined {
  return environment.clusters.find((c) => placementApplies(KEYCLOAK_PLACEMENT, c));
}

/** The public host of an environment's Keycloak: `auth.<baseDomain>`. */
export function keycloakHost(environment: Pick<EnvironmentConfig, 'baseDomain'>): string {
  return `auth.${environment.baseDomain}`;
}

/** The base URL of an environment's Keycloak (`https://auth.<baseDomain>`); a realm's issuer is `<url>/realms/<realm>`. */
export function keycloakUrl(environment: Pick<EnvironmentConfig, 'baseDomain'>): string {
  return `https://${keycloakHost(environment)}`;
}

/** The annotation of a tenant namespace naming its realm (rendered by lib/tenants, read by verify). */
export const REALM_ANNOTATION = 'ceres.io/keycloak-realm';

/** The Keycloak realm of the platform team; tenant realms are brokered into it, their groups arriving as `<realm>:<group>`. */
export const PLATFORM_REALM = 'ceres';

/** Group of the platform realm that administers Argo CD (and is Grafana's Admin). */
export const PLATFORM_ADMIN_GROUP = 'platform-admin';

/** Group of the platform realm with read-only access to the platform's views (Grafana's Viewer). */
export const PLATFORM_VIEWER_GROUP = 'platform-viewer';

/** The three roles every tenant namespace has, most privileged first: each is a group of the tenant's realm. */
export const TENANT_ROLES = ['tenant-admin', 'tenant-developer', 'tenant-viewer'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

/** The issuer of a realm: `<keycloakUrl>/realms/<realm>`. */
export function realmIssuer(keycloakUrl: string, realm: string): string {
  return `${keycloakUrl.replace(/\/+$/, '')}/realms/${realm}`;
}

/** The JWKS endpoint of a realm (the keys its tokens are signed with). */
export function realmJwksUri(keycloakUrl: string, realm: string): string {
  return `${realmIssuer(keycloakUrl, realm)}/protocol/openid-connect/certs`;
}

/**
 * A realm's group as signed-in users carry it to Argo CD and the API servers: `<realm>:<group>`. The
 * platform realm brokers each tenant realm with this prefix, so a realm can only ever produce groups of
 * its own tenant.
 */
export function realmGroup(realm: string, group: string): string {
  return `${realm}:${group}`;
}

/** A tenant's realm, as everything that trusts it needs it. */
export interface TenantRealm {
  /** The realm's name (the tenant's `keycloakRealm`). */
  readonly realm: string;
  /** Its issuer (ingress JWT policies of the tenant's hosts). */
  readonly issuer: string;
  /** Its JWKS endpoint. */
  readonly jwksUri: string;
  /** The realm's groups per tenant role, as named inside the realm (`tenant-admin`). */
  readonly groups: Readonly<Record<TenantRole, string>>;
  /** The same groups as bindings name them (`<realm>:tenant-admin`: RoleBindings, AppProject roles). */
  readonly boundGroups: Readonly<Record<TenantRole, string>>;
}

/** Where a realm is served: the base URL of the Keycloak that imports it ({@link keycloakUrl}). */
export interface RealmHost {
  /** Keycloak base URL (`https://auth.<baseDomain>`). */
  readonly keycloakUrl: string;
}

/** The realm of a tenant, derived from its document and the environment's Keycloak URL. */
export function tenantRealm(platform: RealmHost, tenant: Pick<TenantSpec, 'keycloakRealm'>): TenantRealm {
  const realm = tenant.keycloakRealm;
  const groups = Object.fromEntries(TENANT_ROLES.map((r) => [r, r])) as Record<TenantRole, string>;
  const boundGroups = Object.fromEntries(TENANT_ROLES.map((r) => [r, realmGroup(realm, groups[r])])) as Record<TenantRole, string>;
  return { realm, issuer: realmIssuer(platform.keycloakUrl, realm), jwksUri: realmJwksUri(platform.keycloakUrl, realm), groups, boundGroups };
}

/** The client of a tenant realm that the platform realm brokers it through (its identity provider `<realm>`). */
export const REALM_BROKER_CLIENT = 'ceres-broker';

/** Where the platform realm's identity provider for a tenant realm receives the broker's answer. */
export function brokerRedirectUri(keycloakUrl: string, realm: string): string {
  return `${realmIssuer(keycloakUrl, PLATFORM_REALM)}/broker/${realm}/endpoint`;
}
