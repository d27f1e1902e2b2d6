import { Chart } from 'cdk8s';
import { KeycloakRealmImport, KeycloakRealmImportSpecRealmComponents } from '../../imports/keycloak-realmimport-k8s.keycloak.org';
import { Construct } from 'constructs';
import { TenantSpec } from '../core/input/types';
import { Labels } from '../core/names';
import { brokerRedirectUri, KEYCLOAK, REALM_BROKER_CLIENT, tenantRealm, TENANT_ROLES } from '../core/realm';

/** The folder of the tenant realm imports, synced by the cluster that runs the environment's Keycloak (lib/core/realm.ts KEYCLOAK_PLACEMENT). */
export const KEYCLOAK_REALMS_FOLDER = 'keycloak-realms';

/** The Secret (in `keycloak`) holding a tenant's Keycloak credentials: broker client secret, LDAP bind password. */
export function realmSecretName(tenantId: string): string {
  return `keycloak-realm-${tenantId}`;
}

/** Keys of {@link realmSecretName}: never in git, created when the tenant is onboarded. */
export const RealmSecretKeys = { brokerClientSecret: 'broker-client-secret', ldapBindCredential: 'ldap-bind-credential' } as const;

export interface TenantRealmImportProps {
  /** The tenant's document. */
  readonly spec: TenantSpec;
  /** The platform's Keycloak URL (issuers and the broker's redirect). */
  readonly keycloakUrl: string;
}

/**
 * A tenant's Keycloak realm, generated from its document alone (KeycloakRealmImport of the Keycloak
 * operator, k8s.keycloak.org/v2alpha1): the groups `tenant-admin`, `tenant-developer`, `tenant-viewer`
 * (the bindings' groups are these, brokered into the platform realm as `<realm>:<group>`: lib/core/realm.ts),
 * a `groups` claim, the confidential broker client the platform realm signs users in through, and
 * optionally a read-only LDAPS user federation with group mapping. Secrets are placeholders read from
 * the Secret `keycloak-realm-<tenantId>`, never values.
 */
export class TenantRealmImport extends Construct {
  constructor(scope: Chart, id: string, props: TenantRealmImportProps) {
    super(scope, id);
    const { spec } = props;
    const model = tenantRealm({ keycloakUrl: props.keycloakUrl }, spec);
    const secret = realmSecretName(spec.tenantId);
    const placeholders: Record<string, { secret: { name: string; key: string } }> = {
      BROKER_CLIENT_SECRET: { secret: { name: secret, key: RealmSecretKeys.brokerClientSecret } },
    };
    const groupsMapper = {
      name: 'groups',
      protocol: 'openid-connect',
      protocolMapper: 'oidc-group-membership-mapper',
      config: { 'claim.name': 'groups', 'full.path': 'false', 'id.token.claim': 'true', 'access.token.claim': 'true', 'userinfo.token.claim': 'true' },
    };
    const components: Record<string, KeycloakRealmImportSpecRealmComponents[]> = {};
    const ldap = spec.ldap;
    if (ldap) {
      placeholders.LDAP_BIND_CREDENTIAL = { secret: { name: secret, key: RealmSecretKeys.ldapBindCredential } };
      const mappers = ldap.groupsDn
        ? [
            {
              name: 'groups',
              providerId: 'group-ldap-mapper',
              subComponents: {},
              config: {
                'groups.dn': [ldap.groupsDn],
                mode: ['READ_ONLY'],
                'preserve.group.inheritance': ['false'],
                'membership.attribute.type': ['DN'],
                'membership.ldap.attribute': [ldap.vendor === 'ad' ? 'member' : 'uniqueMember'],
                'group.name.ldap.attribute': ['cn'],
                'group.object.classes': [ldap.vendor === 'ad' ? 'group' : 'groupOfUniqueNames'],
              },
            },
          ]
        : [];
      components['org.keycloak.storage.UserStorageProvider'] = [
        {
          name: 'ldap',
          providerId: 'ldap',
          subComponents: { 'org.keycloak.storage.ldap.mappers.LDAPStorageMapper': mappers },
          config: {
            enabled: ['true'],
            vendor: [ldap.vendor],
            connectionUrl: [ldap.connectionUrl],
            usersDn: [ldap.usersDn],
            bindDn: [ldap.bindDn],
            bindCredential: ['${LDAP_BIND_CREDENTIAL}'],
            authType: ['simple'],
            editMode: ['READ_ONLY'],
            // LDAPS only (validated); StartTLS is not needed on an ldaps:// connection.
            useTruststoreSpi: ['always'],
            importEnabled: ['true'],
            syncRegistrations: ['false'],
            usernameLDAPAttribute: [ldap.vendor === 'ad' ? 'sAMAccountName' : 'uid'],
            rdnLDAPAttribute: [ldap.vendor === 'ad' ? 'cn' : 'uid'],
            uuidLDAPAttribute: [ldap.vendor === 'ad' ? 'objectGUID' : 'nsuniqueid'],
            userObjectClasses: [ldap.vendor === 'ad' ? 'person, organizationalPerson, user' : 'inetOrgPerson, organizationalPerson'],
            pagination: ['true'],
          },
        },
      ];
    }
    new KeycloakRealmImport(this, 'Resource', {
      metadata: { name: model.realm, namespace: KEYCLOAK.namespace, labels: { [Labels.costCenter]: spec.tenantId } },
      spec: {
        keycloakCrName: KEYCLOAK.instance,
        placeholders,
        realm: {
          realm: model.realm,
          displayName: spec.displayName,
          enabled: true,
          sslRequired: 'all',
          registrationAllowed: false,
          bruteForceProtected: true,
          groups: TENANT_ROLES.map((r) => ({ name: model.groups[r] })),
          clients: [
            {
              clientId: REALM_BROKER_CLIENT,
              name: 'CERES platform realm (identity brokering)',
              protocol: 'openid-connect',
              publicClient: false,
              clientAuthenticatorType: 'client-secret',
              secret: '${BROKER_CLIENT_SECRET}',
              standardFlowEnabled: true,
              implicitFlowEnabled: false,
              directAccessGrantsEnabled: false,
              serviceAccountsEnabled: false,
              redirectUris: [brokerRedirectUri(props.keycloakUrl, model.realm)],
              attributes: { 'pkce.code.challenge.method': 'S256' },
              protocolMappers: [groupsMapper],
            },
          ],
          ...(Object.keys(components).length ? { components } : {}),
        },
      },
    });
  }
}
