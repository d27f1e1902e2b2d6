import {
  KeycloakRealmImport,
  KeycloakRealmImportProps,
  toJson_KeycloakRealmImportProps,
  toJson_KeycloakRealmImportSpecPlaceholders,
} from '../../imports/keycloak-realmimport-k8s.keycloak.org';
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { TenantSpec } from '../core/input/types';
import { KEYCLOAK, PLATFORM_REALM, REALM_BROKER_CLIENT, tenantRealm, TENANT_ROLES } from '../core/realm';
import { RealmSecretKeys, realmSecretName } from '../tenants';

/** The Secret (namespace `keycloak`, created at bootstrap) holding the secrets of the platform realm's confidential clients, one key per client id. */
export const PLATFORM_CLIENTS_SECRET = 'keycloak-platform-clients';

/** An OIDC client of the platform realm: who signs in through it and where Keycloak may send the browser back. */
export interface PlatformClient {
  /** Client id, as the consumer configures it (`argocd`, `grafana`, `kubernetes`). */
  readonly clientId: string;
  /** Shown on Keycloak's consent and account pages. */
  readonly name: string;
  /** Confidential (a secret shared with the consumer, key `<clientId>` of {@link PLATFORM_CLIENTS_SECRET}) or public (PKCE only: kubectl). */
  readonly confidential: boolean;
  /** Exact redirect URIs, never wildcards. */
  readonly redirectUris: readonly string[];
}

export interface PlatformRealmImportProps {
  /** The environment's Keycloak URL (issuers of the tenant realms it brokers). */
  readonly keycloakUrl: string;
  /** The tenants whose realms the platform realm brokers. */
  readonly tenants: readonly TenantSpec[];
  /** The clients of the platform's consumers (Argo CD, Grafana, the API servers). */
  readonly clients: readonly PlatformClient[];
  /** The platform realm's own groups, as tokens carry them (`ceres:platform-admin`: lib/core/realm.ts realmGroup). */
  readonly groups: readonly string[];
}

/** The placeholder of a tenant realm's broker secret in the platform realm import. */
export function brokerSecretPlaceholder(tenantId: string): string {
  return `BROKER_SECRET_${tenantId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The placeholder of a confidential client's secret. */
export function clientSecretPlaceholder(clientId: string): string {
  return `CLIENT_SECRET_${clientId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The `groups` claim: group names without path, in ID and access tokens and userinfo. */
export const GROUPS_CLAIM_MAPPER = {
  name: 'groups',
  protocol: 'openid-connect',
  protocolMapper: 'oidc-group-membership-mapper',
  config: { 'claim.name': 'groups', 'full.path': 'false', 'id.token.claim': 'true', 'access.token.claim': 'true', 'userinfo.token.claim': 'true' },
} as const;

/**
 * The platform realm `ceres` (KeycloakRealmImport): the realm Argo CD, Grafana and the API servers
 * trust. Its clients are the consumers' (exact redirect URIs, PKCE, no implicit or password grants);
 * its groups are the platform's own and, per tenant realm, `<realm>:<role>` for each tenant role,
 * filled by the identity provider `<realm>` that brokers the tenant realm through its `ceres-broker`
 * client: a tenant user arrives with the group the tenant's RoleBindings name, and can only ever
 * arrive with groups of its own realm. Secrets are placeholders read from Secrets of the namespace.
 */
export class PlatformRealmImport extends Construct {
  constructor(scope: Chart, id: string, props: PlatformRealmImportProps) {
    super(scope, id);
    const placeholders: Record<string, { secret: { name: string; key: string } }> = {};
    const clients = [...props.clients]
      .sort((a, b) => a.clientId.localeCompare(b.clientId))
      .map((c) => {
        if (c.confidential) placeholders[clientSecretPlaceholder(c.clientId)] = { secret: { name: PLATFORM_CLIENTS_SECRET, key: c.clientId } };
        return {
          clientId: c.clientId,
          name: c.name,
          protocol: 'openid-connect',
          enabled: true,
          publicClient: !c.confidential,
          ...(c.confidential ? { clientAuthenticatorType: 'client-secret', secret: `\${${clientSecretPlaceholder(c.clientId)}}` } : {}),
          standardFlowEnabled: true,
          implicitFlowEnabled: false,
          directAccessGrantsEnabled: false,
          serviceAccountsEnabled: false,
          redirectUris: [...c.redirectUris].sort(),
          webOrigins: ['+'],
          attributes: { 'pkce.code.challenge.method': 'S256', 'post.logout.redirect.uris': '+' },
          optionalClientScopes: ['groups', 'offline_access'],
        };
      });
    const realms = props.tenants.map((t) => ({ tenant: t, model: tenantRealm({ keycloakUrl: props.keycloakUrl }, t) }));
    const identityProviders = realms.map(({ tenant, model }) => {
      placeholders[brokerSecretPlaceholder(tenant.tenantId)] = {
        secret: { name: realmSecretName(tenant.tenantId), key: RealmSecretKeys.brokerClientSecret },
      };
      return {
        alias: model.realm,
        displayName: tenant.displayName,
        providerId: 'keycloak-oidc',
        enabled: true,
        trustEmail: false,
        storeToken: false,
        firstBrokerLoginFlowAlias: 'first broker login',
        config: {
          issuer: model.issuer,
          authorizationUrl: `${model.issuer}/protocol/openid-connect/auth`,
          tokenUrl: `${model.issuer}/protocol/openid-connect/token`,
          userInfoUrl: `${model.issuer}/protocol/openid-connect/userinfo`,
          logoutUrl: `${model.issuer}/protocol/openid-connect/logout`,
          jwksUrl: model.jwksUri,
          useJwksUrl: 'true',
          validateSignature: 'true',
          clientId: REALM_BROKER_CLIENT,
          clientSecret: `\${${brokerSecretPlaceholder(tenant.tenantId)}}`,
          clientAuthMethod: 'client_secret_post',
          pkceEnabled: 'true',
          pkceMethod: 'S256',
          defaultScope: 'openid profile email',
          syncMode: 'FORCE',
        },
      };
    });
    // Each tenant role's group of the tenant realm becomes `<realm>:<role>` here, and nothing else does.
    const identityProviderMappers = realms.flatMap(({ model }) =>
      TENANT_ROLES.map((role) => ({
        name: `${model.realm}-${role}`,
        identityProviderAlias: model.realm,
        identityProviderMapper: 'oidc-advanced-group-idp-mapper',
        config: {
          syncMode: 'FORCE',
          claims: JSON.stringify([{ key: 'groups', value: model.groups[role] }]),
          'are.claim.values.regex': 'false',
          group: `/${model.boundGroups[role]}`,
        },
      })),
    );
    const groups = [...props.groups, ...realms.flatMap(({ model }) => TENANT_ROLES.map((r) => model.boundGroups[r]))];
    new LinearRealmImport(this, 'Resource', {
      metadata: { name: PLATFORM_REALM, namespace: KEYCLOAK.namespace, annotations: argoAnnotations({ wave: SyncWave.routes }) },
      spec: {
        keycloakCrName: KEYCLOAK.instance,
        ...(Object.keys(placeholders).length ? { placeholders: sortKeys(placeholders) } : {}),
        realm: {
          realm: PLATFORM_REALM,
          displayName: 'CERES platform',
          enabled: true,
          sslRequired: 'all',
          registrationAllowed: false,
          bruteForceProtected: true,
          groups: groups.map((name) => ({ name })),
          clientScopes: [
            { name: 'groups', protocol: 'openid-connect', attributes: { 'include.in.token.scope': 'true' }, protocolMappers: [GROUPS_CLAIM_MAPPER] },
          ],
          clients,
          ...(identityProviders.length ? { identityProviders, identityProviderMappers } : {}),
        },
      },
    });
  }
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * A KeycloakRealmImport whose `spec.placeholders` (one per tenant in the platform realm) are
 * serialized in linear time. The generated `toJson` builds a map by spreading the object built so
 * far once per entry, which is quadratic in the entries: about 0.1 s per environment at 1000 tenants,
 * a hundred times that at 10,000. The same JSON: the generated mapping of every other field, and
 * the placeholders mapped entry by entry where the generated code puts them (after `keycloakCRName`).
 */
export class LinearRealmImport extends KeycloakRealmImport {
  constructor(scope: Construct, id: string, props: KeycloakRealmImportProps) {
    super(scope, id, props);
  }

  public override toJson(): ReturnType<KeycloakRealmImport['toJson']> {
    // What the generated toJson maps: the object resolved as every ApiObject is.
    const resolved = ApiObject.prototype.toJson.call(this) as KeycloakRealmImportProps & { spec?: Record<string, unknown> };
    const placeholders = resolved.spec?.placeholders as Record<string, Parameters<typeof toJson_KeycloakRealmImportSpecPlaceholders>[0]> | undefined;
    if (placeholders === undefined) return { ...KeycloakRealmImport.GVK, ...toJson_KeycloakRealmImportProps(resolved) };
    const { placeholders: _, ...rest } = resolved.spec!;
    const json = { ...KeycloakRealmImport.GVK, ...toJson_KeycloakRealmImportProps({ ...resolved, spec: rest } as KeycloakRealmImportProps) } as unknown as {
      spec: Record<string, unknown>;
    };
    const mapped: Record<string, unknown> = {};
    for (const key of Object.keys(placeholders))
      if (placeholders[key] !== undefined) mapped[key] = toJson_KeycloakRealmImportSpecPlaceholders(placeholders[key]);
    const spec: Record<string, unknown> = {};
    if (json.spec.keycloakCRName !== undefined) spec.keycloakCRName = json.spec.keycloakCRName;
    spec.placeholders = mapped;
    for (const [k, v] of Object.entries(json.spec)) if (k !== 'keycloakCRName') spec[k] = v;
    return { ...json, spec };
  }
}
