import { KEYCLOAK, keycloakCluster, keycloakUrl, tenantRealm, TENANT_ROLES } from '../../lib/core/realm';
import { GitOpsAddOn } from '../../lib/gitops';
import { KEYCLOAK_REALMS_FOLDER, realmSecretName } from '../../lib/tenants';
import { baseAddOns, FIXTURE_INPUT, fixtureTenant, ofKind, renderAddOns, yamlFiles } from '../support/harness';

/** A tenant's realm, generated from its document alone: the groups its bindings name, a broker client, optional LDAP. */
const withLdap = fixtureTenant('dir-5', 'professional', {
  ldap: {
    connectionUrl: 'ldaps://ldap.dir.example.test:636',
    vendor: 'ad',
    usersDn: 'ou=people,dc=dir,dc=test',
    bindDn: 'cn=keycloak,dc=dir,dc=test',
    groupsDn: 'ou=groups,dc=dir,dc=test',
  },
});
const input = { ...FIXTURE_INPUT, tenants: [...FIXTURE_INPUT.tenants, withLdap] };
const out = renderAddOns([...baseAddOns(), new GitOpsAddOn()], { input });
const imports = ofKind(out, 'KeycloakRealmImport');
const importOf = (realm: string) => imports.find((m) => m.metadata.name === realm)!;

describe("a tenant's realm", () => {
  it("is one KeycloakRealmImport per tenant, for the environment's Keycloak, synced only by the cluster running it", () => {
    expect(imports.map((m) => m.metadata.name).sort()).toEqual(input.tenants.map((t) => t.keycloakRealm).sort());
    for (const o of out.objects.filter((x) => x.manifest.kind === 'KeycloakRealmImport')) expect(o.folder).toBe(KEYCLOAK_REALMS_FOLDER);
    for (const m of imports) expect(m.spec.keycloakCRName).toBe(KEYCLOAK.instance);
    const home = keycloakCluster(out.environment)!;
    expect(home).toBeDefined();
    for (const [cluster, objects] of out.view.clusters)
      expect({ cluster, synced: objects.some((o) => o.manifest.kind === 'KeycloakRealmImport') }).toEqual({ cluster, synced: cluster === home.name });
  });

  it('has exactly the groups the RoleBindings and the AppProject bind, once brokered as <realm>:<group>', () => {
    for (const t of input.tenants) {
      const realm = importOf(t.keycloakRealm).spec.realm;
      const model = tenantRealm({ keycloakUrl: keycloakUrl(out.environment) }, t);
      const brokered = realm.groups.map((g: any) => `${realm.realm}:${g.name}`).sort();
      const bound = ofKind(out, 'RoleBinding', `tenant-${t.tenantId}`)
        .filter((b) => (TENANT_ROLES as readonly string[]).includes(b.roleRef.name))
        .flatMap((b) => b.subjects.map((s: any) => s.name))
        .sort();
      expect(bound).toEqual(brokered);
      const project = ofKind(out, 'AppProject').find((p) => p.metadata.name === `tenant-${t.tenantId}`)!;
      expect(project.spec.roles.flatMap((r: any) => r.groups).sort()).toEqual(brokered);
      expect(brokered).toEqual(Object.values(model.boundGroups).sort());
    }
  });

  it('names its secrets only as placeholders of the tenant Secret, never values', () => {
    for (const t of input.tenants) {
      const m = importOf(t.keycloakRealm);
      const text = JSON.stringify(m.spec.realm);
      const used = [...text.matchAll(/\$\{([A-Z_]+)\}/g)].map((x) => x[1]);
      expect(Object.keys(m.spec.placeholders).sort()).toEqual([...new Set(used)].sort());
      for (const p of Object.values<any>(m.spec.placeholders)) expect(p.secret.name).toBe(realmSecretName(t.tenantId));
      const broker = m.spec.realm.clients[0];
      expect([broker.publicClient, broker.secret]).toEqual([false, '${BROKER_CLIENT_SECRET}']);
      expect(broker.redirectUris).toEqual([`${keycloakUrl(out.environment)}/realms/ceres/broker/${t.keycloakRealm}/endpoint`]);
    }
  });

  it('federates LDAPS read-only when the document asks, and only then', () => {
    const ldap = importOf(withLdap.keycloakRealm).spec.realm.components['org.keycloak.storage.UserStorageProvider'][0];
    expect(ldap.config).toMatchObject({ connectionUrl: [withLdap.ldap!.connectionUrl], editMode: ['READ_ONLY'], bindCredential: ['${LDAP_BIND_CREDENTIAL}'] });
    expect(ldap.subComponents['org.keycloak.storage.ldap.mappers.LDAPStorageMapper'][0].config['groups.dn']).toEqual([withLdap.ldap!.groupsDn]);
    for (const t of FIXTURE_INPUT.tenants) expect(importOf(t.keycloakRealm).spec.realm.components).toBeUndefined();
  });
});

describe('the YAML', () => {
  it('matches the reviewed realm of the LDAP fixture tenant', () => {
    expect(yamlFiles(out, new RegExp(`/${KEYCLOAK_REALMS_FOLDER}/${withLdap.keycloakRealm}\\.yaml$`))).toMatchSnapshot();
  });
});
