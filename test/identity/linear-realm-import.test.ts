import { KeycloakRealmImport, KeycloakRealmImportProps } from '../../imports/keycloak-realmimport-k8s.keycloak.org';
import { LinearRealmImport } from '../../lib/identity/platform-realm';
import { testChart } from '../support/harness';

/**
 * The platform realm's import serializes its placeholders (one per tenant) in linear time instead of
 * the generated code's quadratic spread; its JSON must be the generated class's, key order included.
 */
function props(placeholders?: number): KeycloakRealmImportProps {
  return {
    metadata: { name: 'ceres', namespace: 'keycloak', annotations: { 'argocd.argoproj.io/sync-wave': '40' } },
    spec: {
      keycloakCrName: 'keycloak',
      ...(placeholders === undefined
        ? {}
        : {
            placeholders: Object.fromEntries(
              Array.from({ length: placeholders }, (_, i) => [
                `BROKER_SECRET_T${String(i).padStart(4, '0')}`,
                { secret: { name: `realm-${i}`, key: 'broker-client-secret' } },
              ]),
            ),
          }),
      realm: { realm: 'ceres', enabled: true, groups: [{ name: 'ceres:platform-admin' }] },
    },
  };
}

/** JSON text, so that key order counts. */
function both(p: KeycloakRealmImportProps): [string, string] {
  const chart = testChart();
  return [JSON.stringify(new LinearRealmImport(chart, 'Linear', p).toJson()), JSON.stringify(new KeycloakRealmImport(chart, 'Generated', p).toJson())];
}

describe('LinearRealmImport', () => {
  it.each([undefined, 0, 1, 3, 500])('gives the generated JSON, in the same key order (%s placeholders)', (n) => {
    const [linear, generated] = both(props(n));
    expect(linear).toBe(generated);
    if (n) expect(linear.indexOf('"keycloakCRName"')).toBeLessThan(linear.indexOf('"placeholders"'));
  });
});
