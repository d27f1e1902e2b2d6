import { createHash } from 'node:crypto';
import type { DatabaseSpec, TenantSpec } from './input/types';
import { ClusterConfig, EnvironmentConfig } from './model';
import { tenantNames } from './names';
import { azureResourceGroup, isProvisioned, ProvisionedCloud } from './cloud';
import { isDatabaseSite, PLATFORM_DATABASE } from './database-topology';
import { KEYCLOAK } from './realm';
import { ClusterPlacement, placementApplies, tenantPlacement, WORKLOAD_CLUSTERS } from './topology';
import { PlatformNamespaces } from './namespaces';
import { groupBy } from './collections';

/**
 * Tenant secrets held in each cloud's secret store (AWS Secrets Manager, Azure Key Vault, GCP Secret
 * Manager) and delivered by the External Secrets Operator: the one model both sides read. Terraform
 * creates each tenant's reader identity, scoped to that tenant's secrets only (IAM policy on a name
 * prefix, a Key Vault of its own, a Secret Manager IAM condition); the Kubernetes side renders the
 * same tenant's ServiceAccount (bound to that identity), its ClusterSecretStore (usable from its
 * namespace only) and an ExternalSecret per `external` secret, reading the same remote names.
 */

/** The `store` a tenant's `external` secret names: the secret store of the cloud of each cluster it lands on. */
export const CLOUD_SECRET_STORE = 'cloud';

/** The ServiceAccount, in each tenant namespace, that the tenant's ClusterSecretStore authenticates as. */
export const SECRET_READER_SERVICE_ACCOUNT = 'external-secrets-reader';

/** Separator between a tenant's namespace and a secret's key in the remote name (tenantIds never contain `--`). */
export const TENANT_SECRET_SEPARATOR = '--';

/**
 * The prefix of every remote secret name of a tenant (`tenant-acme-001--`). TenantIds are validated to
 * contain no `--`, so no tenant's prefix is a prefix of another tenant's names.
 */
export function tenantSecretPrefix(tenantId: string): string {
  return `${tenantNames(tenantId).namespace}${TENANT_SECRET_SEPARATOR}`;
}

/**
 * The name of a tenant's secret in its cloud store (`tenant-acme-001--smtp`), the same on every cloud:
 * letters, digits and hyphens only, which AWS Secrets Manager, Azure Key Vault and GCP Secret Manager
 * all accept (Key Vault: 127 characters at most).
 */
export function externalSecretRemoteName(tenantId: string, key: string): string {
  return `${tenantSecretPrefix(tenantId)}${key}`;
}

/** The ClusterSecretStore of a tenant on every cluster it lands on (same name everywhere, spec per cloud). */
export function tenantSecretStoreName(tenantId: string): string {
  return tenantNames(tenantId).namespace;
}

/** The cloud accounts of an environment that names must carry (role ARNs, service account e-mails). */
export function environmentAccounts(environment: EnvironmentConfig): NonNullable<EnvironmentConfig['cloudAccounts']> {
  return environment.cloudAccounts ?? {};
}

/**
 * The owner id of the platform's own reader (namespace `ceres`, for the platform database's
 * credentials), where a tenant's reader has its tenantId (Key Vault name, tags). No tenant may take it.
 */
export const PLATFORM_SECRETS_OWNER = 'ceres-platform';

/**
 * The application credentials of a database, the same on every site of its distributed topology
 * (CloudNativePG asks for identical role secrets in every Cluster, so that a promoted replica site
 * accepts the primary's credentials). The password is held once per cloud store under one name, put
 * there once from one generated value (the runbook's step); on every site an ExternalSecret of the
 * namespace's reader turns it into the `kubernetes.io/basic-auth` Secret the Cluster's bootstrap names.
 */
export interface DatabaseCredentials {
  /** The Secret in the database's namespace on every site (`<database>-app`, the name CloudNativePG would otherwise generate). */
  readonly secretName: string;
  /** Its `username`: the database owner (CloudNativePG requires them equal). */
  readonly username: string;
  /** The password's name in the cloud secret store of every site, under the namespace's reader prefix (`<namespace>--postgres-<database>`). */
  readonly remoteName: string;
  /** The ClusterSecretStore of the namespace's reader (the same name on every site). */
  readonly storeName: string;
}

/** The key, in a namespace's area of the store, of a database's password. */
export function databaseCredentialsKey(database: string): string {
  return `postgres-${database}`;
}

/** The name of a database's password in the cloud store of every site (`<namespace>--postgres-<database>`). */
export function databaseCredentialsRemoteName(namespace: string, database: string): string {
  return `${namespace}${TENANT_SECRET_SEPARATOR}${databaseCredentialsKey(database)}`;
}

/** A database's application credentials (namespace: the tenant's or `ceres`; owner: its bootstrap owner). */
export function databaseCredentials(namespace: string, database: string, owner: string): DatabaseCredentials {
  return { secretName: `${database}-app`, username: owner, remoteName: databaseCredentialsRemoteName(namespace, database), storeName: namespace };
}

/** The KMS alias of the key an AWS cluster's readable secrets are encrypted with (its readers decrypt with it only). */
export function awsSecretKeyAlias(cluster: ClusterConfig): string {
  return `alias/${cluster.name}-tenant-secrets`;
}

/** The platform database's credentials. */
export function platformDatabaseCredentials(): DatabaseCredentials {
  return databaseCredentials(PLATFORM_DATABASE.namespace, PLATFORM_DATABASE.name, PLATFORM_DATABASE.database);
}

/**
 * The owner id of Keycloak's reader (namespace `keycloak`, lib/core/realm.ts `KEYCLOAK`): Keycloak's
 * database credentials and the realms' secrets (lib/core/realm-secrets.ts). No tenant may take it.
 */
export const KEYCLOAK_SECRETS_OWNER = 'ceres-keycloak';

/** Keycloak's database credentials (`keycloak-db-app` on every site, from `keycloak--postgres-keycloak-db`). */
export function keycloakDatabaseCredentials(): DatabaseCredentials {
  return databaseCredentials(KEYCLOAK.namespace, KEYCLOAK.database, KEYCLOAK.databaseName);
}

/**
 * The name, in Keycloak's area of the cloud store, of a tenant realm's secrets: `keycloak--realm-<tenantId>`,
 * a JSON object whose keys become the Secret the realm imports read (`broker-client-secret`, and
 * `ldap-bind-credential` when the tenant federates a directory).
 */
export function realmSecretsRemoteName(tenantId: string): string {
  return `${KEYCLOAK.namespace}${TENANT_SECRET_SEPARATOR}realm-${tenantId}`;
}

/**
 * The name, in Keycloak's area of the cloud store, of a confidential platform client's secret:
 * `keycloak--client-<clientId>` (the platform realm reads it; the consumer is given the same value).
 */
export function platformClientSecretRemoteName(clientId: string): string {
  return `${KEYCLOAK.namespace}${TENANT_SECRET_SEPARATOR}client-${clientId}`;
}

/** What Keycloak's reader reads: its database's credentials and the realms of the tenants deployed to the environment (and the clients' secrets, under the same prefix). */
function keycloakRemoteNames(environment: EnvironmentConfig, input: SecretInput): string[] {
  return [
    keycloakDatabaseCredentials().remoteName,
    ...input.tenants.filter((t) => t.environments.includes(environment.name)).map((t) => realmSecretsRemoteName(t.tenantId)),
  ];
}

/**
 * Argo CD's OIDC client secret as its consumer reads it (lib/gitops `ARGOCD_OIDC`): key
 * `oidc.keycloak.clientSecret` of `argocd-secret`, which Argo CD re-reads when it changes. On every
 * cluster whose cloud store the External Secrets Operator reads ({@link SECRET_DELIVERY_CLUSTERS}) it
 * is delivered from the store, under the name Keycloak's side reads (`keycloak--client-argocd`), by a
 * reader in `argocd` that may read that one name.
 */
export const ARGOCD_CLIENT_SECRET = {
  clientId: 'argocd',
  namespace: PlatformNamespaces.argocd,
  secret: 'argocd-secret',
  key: 'oidc.keycloak.clientSecret',
} as const;

/** The owner id of Argo CD's reader (Key Vault name, tags). No tenant may take it. */
export const ARGOCD_SECRETS_OWNER = 'ceres-argocd';

/**
 * Where the External Secrets Operator runs and reads the cluster's cloud store (lib/secrets
 * `externalSecrets.placement`): the clusters where tenants run, when they have a cloud store.
 */
export const SECRET_DELIVERY_CLUSTERS: ClusterPlacement = WORKLOAD_CLUSTERS;

/** Argo CD's reader on a cluster: its client secret, from the one name both sides read. */
export function argoCdSecretReader(): TenantSecretReader {
  const remoteName = platformClientSecretRemoteName(ARGOCD_CLIENT_SECRET.clientId);
  return {
    ...platformSecretReader(ARGOCD_SECRETS_OWNER, ARGOCD_CLIENT_SECRET.namespace, [remoteName], false),
    // That one name: the prefix is the name itself.
    prefix: remoteName,
    deliveries: [{ secret: ARGOCD_CLIENT_SECRET.secret, key: ARGOCD_CLIENT_SECRET.key, remoteName }],
  };
}

/** Owner ids the platform's own readers take (tenantIds may not). */
export const RESERVED_SECRET_OWNERS: readonly string[] = [PLATFORM_SECRETS_OWNER, KEYCLOAK_SECRETS_OWNER, ARGOCD_SECRETS_OWNER];

/**
 * A reader of the platform's own (not a tenant's), in a namespace of the platform: its store is the
 * namespace's name, it may read the names under `<namespace>--` only.
 */
export function platformSecretReader(owner: string, namespace: string, remoteNames: readonly string[], databases: boolean): TenantSecretReader {
  return {
    tenantId: owner,
    namespace,
    identityName: `secrets-${namespace}`,
    storeName: namespace,
    prefix: `${namespace}${TENANT_SECRET_SEPARATOR}`,
    remoteNames: [...remoteNames].sort(),
    databases,
  };
}

/** A tenant that reads secrets from its cloud store on a cluster: the model entry both apps read. */
export interface TenantSecretReader {
  /** The tenant (or {@link PLATFORM_SECRETS_OWNER} for the platform's reader in `ceres`). */
  readonly tenantId: string;
  /** Its namespace, where the reader ServiceAccount and the ExternalSecrets live. */
  readonly namespace: string;
  /** Short name of the cloud identity (`secrets-tenant-acme-001`), unique per cluster. */
  readonly identityName: string;
  /** The ClusterSecretStore the tenant's ExternalSecrets use. */
  readonly storeName: string;
  /** Prefix of the remote names it may read (`tenant-acme-001--`). */
  readonly prefix: string;
  /** Remote names of its `external` secrets (and of its databases' credentials), sorted. */
  readonly remoteNames: readonly string[];
  /**
   * It also delivers databases' credentials on this cluster (a database site): its store and
   * ServiceAccount are synced with the databases, before their Clusters, not last with the tenant's
   * other secrets (lib/core/argocd.ts SyncWave).
   */
  readonly databases: boolean;
  /** Keys it writes into existing Secrets of its namespace (a platform consumer's OIDC client secret). @default none */
  readonly deliveries?: readonly SecretDelivery[];
}

/** One value a platform reader delivers into a key of an existing Secret of its namespace (ExternalSecret `creationPolicy: Merge`). */
export interface SecretDelivery {
  /** The Secret (created by its chart: the ExternalSecret merges one key into it and never owns it). */
  readonly secret: string;
  /** The key it sets. */
  readonly key: string;
  /** The value's name in the cloud store. */
  readonly remoteName: string;
}

/** The part of the tenant input that decides which tenants read secrets where. */
export interface SecretInput {
  /** Tenants, with the environments they are deployed to and their secrets (none when absent). */
  readonly tenants: readonly (Pick<TenantSpec, 'tenantId' | 'environments'> & { readonly secrets?: TenantSpec['secrets'] })[];
  /** Databases, by the tenant they belong to. */
  readonly databases: readonly Pick<DatabaseSpec, 'name' | 'tenantId'>[];
}

/**
 * The readers of a cluster: every tenant deployed to the environment with an `external` secret whose
 * folder goes to the cluster, or with a database when the cluster is a database site (its
 * credentials); on a database site also the platform's reader in `ceres` (the platform database's
 * credentials) and Keycloak's in `keycloak` (its database's credentials and the realms' secrets);
 * where the External Secrets Operator runs, Argo CD's in `argocd` (its OIDC client secret).
 * Sorted by tenantId.
 */
export function secretReaders(environment: EnvironmentConfig, cluster: ClusterConfig, input: SecretInput): TenantSecretReader[] {
  if (!isProvisioned(cluster)) return [];
  const reserved = input.tenants.find((t) => RESERVED_SECRET_OWNERS.includes(t.tenantId));
  if (reserved) {
    throw new Error(`tenantId '${reserved.tenantId}' is reserved for the platform's own secret readers: rename the tenant (CeresTenant spec.tenantId)`);
  }
  const site = isDatabaseSite(environment, cluster);
  const out = [...tenantSecretReaders(environment, cluster, input), ...(placementApplies(SECRET_DELIVERY_CLUSTERS, cluster) ? [argoCdSecretReader()] : [])];
  if (!site) return out.sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  return [
    ...out,
    platformSecretReader(PLATFORM_SECRETS_OWNER, PLATFORM_DATABASE.namespace, [platformDatabaseCredentials().remoteName], true),
    // Keycloak's database site (every database site) and, where Keycloak runs, its realms' secrets.
    platformSecretReader(KEYCLOAK_SECRETS_OWNER, KEYCLOAK.namespace, keycloakRemoteNames(environment, input), true),
  ].sort((a, b) => a.tenantId.localeCompare(b.tenantId));
}

/**
 * The tenants reading cloud secrets on a cluster: every tenant deployed to the environment with an
 * `external` secret whose folder goes to the cluster ({@link tenantPlacement}), or, on a database
 * site, with a database (its credentials, {@link databaseCredentials}), on clusters with a cloud
 * store. Sorted by tenantId. {@link secretReaders} adds the platform's own reader.
 */
export function tenantSecretReaders(environment: EnvironmentConfig, cluster: ClusterConfig, input: SecretInput): TenantSecretReader[] {
  if (!isProvisioned(cluster)) return [];
  const out: TenantSecretReader[] = [];
  const site = isDatabaseSite(environment, cluster);
  // The tenants' databases, grouped once (a filter per tenant was quadratic at a thousand tenants).
  const databasesOf = groupBy(site ? input.databases : [], (d) => d.tenantId);
  for (const t of input.tenants) {
    if (!t.environments.includes(environment.name)) continue;
    if (!placementApplies(tenantPlacement(), cluster)) continue;
    const keys = (t.secrets ?? []).flatMap((s) => ('external' in s && s.external.store === CLOUD_SECRET_STORE ? [s.external.key] : []));
    // On a database site, the credentials of the tenant's databases (the same name on every site).
    const databases = (databasesOf.get(t.tenantId) ?? []).map((d) => databaseCredentialsKey(d.name));
    const clash = keys.find((k) => databases.includes(k));
    if (clash) {
      throw new Error(
        `tenant ${t.tenantId}: external secret key '${clash}' is the name of a database's credentials in the tenant's store (CeresTenant spec.secrets[].external.key): choose another key`,
      );
    }
    keys.push(...databases);
    if (!keys.length) continue;
    const namespace = tenantNames(t.tenantId).namespace;
    out.push({
      tenantId: t.tenantId,
      namespace,
      identityName: `secrets-${namespace}`,
      storeName: tenantSecretStoreName(t.tenantId),
      prefix: tenantSecretPrefix(t.tenantId),
      remoteNames: [...new Set(keys.map((k) => externalSecretRemoteName(t.tenantId, k)))].sort(),
      databases: databases.length > 0,
    });
  }
  return out.sort((a, b) => a.tenantId.localeCompare(b.tenantId));
}

/** Where a tenant's secrets live on a cluster's cloud, as the store and the identity's grant name it. */
export type CloudSecretLocation =
  /** AWS Secrets Manager of the cluster's region and the environment's account. */
  | { readonly cloud: 'aws'; readonly region: string; readonly accountId: string }
  /** A Key Vault of the tenant's own (Key Vault RBAC cannot be scoped to a name prefix), in the cluster's resource group. */
  | { readonly cloud: 'azure'; readonly vaultName: string; readonly vaultUrl: string; readonly resourceGroup: string; readonly location: string }
  /** Secret Manager of the environment's project. */
  | { readonly cloud: 'gcp'; readonly projectId: string; readonly location: string };

/** Key Vault names: 3-24 letters, digits and single hyphens, starting with a letter, globally unique. */
const KEY_VAULT_NAME_MAX = 24;

/**
 * The Key Vault of a tenant on an Azure cluster: `t-<tenantId, first 15 characters>-<6 hex digits of
 * cluster and tenant>` (Key Vault names are global and 24 characters at most; the hash keeps the same
 * tenant on two clusters, and two long tenantIds sharing a start, apart).
 */
export function tenantKeyVaultName(cluster: ClusterConfig, tenantId: string): string {
  const hash = createHash('sha256').update(`${cluster.name}/${tenantId}`).digest('hex').slice(0, 6);
  const name = `t-${tenantId.slice(0, 15).replace(/-+$/, '')}-${hash}`;
  if (name.length > KEY_VAULT_NAME_MAX) throw new Error(`Key Vault name ${name} is longer than ${KEY_VAULT_NAME_MAX} characters`);
  return name;
}

/**
 * Where a tenant's secrets live for a cluster. Throws with the platform description's field when the
 * environment lacks the account the names need (AWS role ARNs carry the account id; GCP service
 * account e-mails the project id).
 */
export function cloudSecretLocation(
  environment: EnvironmentConfig,
  cluster: ClusterConfig & { cloud: ProvisionedCloud },
  tenantId: string,
): CloudSecretLocation {
  const accounts = environmentAccounts(environment);
  const missing = (field: string) =>
    new Error(
      `apps/platform/platform.ts: environment '${environment.name}' needs cloudAccounts.${field}: ${tenantId === PLATFORM_SECRETS_OWNER ? "the platform database's credentials are read" : `tenant ${tenantId} reads secrets`} from the ${cluster.cloud} secret store on ${cluster.name}, whose identity names carry it`,
    );
  switch (cluster.cloud) {
    case 'aws':
      if (!accounts.aws) throw missing('aws');
      return { cloud: 'aws', region: cluster.region, accountId: accounts.aws };
    case 'gcp':
      if (!accounts.gcp) throw missing('gcp');
      return { cloud: 'gcp', projectId: accounts.gcp, location: cluster.region };
    case 'azure': {
      const vaultName = tenantKeyVaultName(cluster, tenantId);
      return {
        cloud: 'azure',
        vaultName,
        vaultUrl: `https://${vaultName}.vault.azure.net/`,
        resourceGroup: azureResourceGroup(cluster),
        location: cluster.region,
      };
    }
  }
}

/** IAM role names: at most 64 characters. */
const IAM_ROLE_NAME_MAX = 64;

/** A cloud resource name `<prefix>-<name>` cut to `max` with a hash (the same rule as lib/infra's fittedName). */
export function fittedCloudName(prefix: string, name: string, max: number): string {
  const full = `${prefix}-${name}`;
  if (full.length <= max) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 6);
  return `${full.slice(0, max - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/** The IAM role of a tenant's secret reader on an AWS cluster (the name Terraform gives it and the ServiceAccount's ARN names). */
export function awsSecretReaderRoleName(cluster: ClusterConfig, reader: Pick<TenantSecretReader, 'identityName'>): string {
  return fittedCloudName(cluster.name, reader.identityName, IAM_ROLE_NAME_MAX);
}

/** Google service account ids: 6-30 characters. */
const GSA_ID_MAX = 30;

/** The Google service account id of a tenant's secret reader on a GCP cluster. */
export function gcpSecretReaderAccountId(cluster: ClusterConfig, reader: Pick<TenantSecretReader, 'identityName'>): string {
  return fittedCloudName(cluster.name, reader.identityName, GSA_ID_MAX);
}

/** The annotations that bind a reader's ServiceAccount to its cloud identity (Azure's client id exists only after apply: bootstrap sets it). */
export function secretReaderAnnotations(
  environment: EnvironmentConfig,
  cluster: ClusterConfig & { cloud: ProvisionedCloud },
  reader: TenantSecretReader,
): Record<string, string> {
  const where = cloudSecretLocation(environment, cluster, reader.tenantId);
  switch (where.cloud) {
    case 'aws':
      return { 'eks.amazonaws.com/role-arn': `arn:aws:iam::${where.accountId}:role/${awsSecretReaderRoleName(cluster, reader)}` };
    case 'gcp':
      return { 'iam.gke.io/gcp-service-account': `${gcpSecretReaderAccountId(cluster, reader)}@${where.projectId}.iam.gserviceaccount.com` };
    case 'azure':
      return { [AZURE_CLIENT_ID_FROM_ANNOTATION]: `${AZURE_SECRET_READERS_OUTPUT}.${reader.identityName}` };
  }
}

/**
 * Marks an Azure reader ServiceAccount whose `azure.workload.identity/client-id` the cluster's bootstrap
 * sets from a Terraform output (`<output>.<identity name>`): the client id exists only after apply.
 */
export const AZURE_CLIENT_ID_FROM_ANNOTATION = 'ceres.io/azure-client-id-from';

/** Terraform output of the Azure stack: tenant secret reader identity name → client id. */
export const AZURE_SECRET_READERS_OUTPUT = 'secret_reader_client_ids';

/**
 * The command that puts one value into a reader's area of the cluster's cloud store (bootstrap steps;
 * the value is a shell expression such as `"$ARGOCD_OIDC_CLIENT_SECRET"`, never a literal). On AWS the
 * secret is encrypted with the cluster's readable-secrets key; on Azure it goes into the owner's vault.
 */
export function secretStorePutCommand(
  environment: EnvironmentConfig,
  cluster: ClusterConfig & { cloud: ProvisionedCloud },
  owner: string,
  remoteName: string,
  value: string,
): string {
  const where = cloudSecretLocation(environment, cluster, owner);
  switch (where.cloud) {
    case 'aws':
      return `aws secretsmanager create-secret --region ${where.region} --name ${remoteName} --kms-key-id ${awsSecretKeyAlias(cluster)} --secret-string ${value}`;
    case 'azure':
      return `az keyvault secret set --vault-name ${where.vaultName} --name ${remoteName} --value ${value}`;
    case 'gcp':
      return `printf %s ${value} | gcloud secrets create ${remoteName} --project ${where.projectId} --data-file=- --replication-policy=user-managed --locations=${where.location}`;
  }
}
