import { KubeManifest } from '../../lib/core/checks';
import { KEYCLOAK, PLATFORM_REALM, realmIssuer } from '../../lib/core/realm';
import { keycloakCheck, keycloakFindings } from '../../lib/verify/checks/keycloak';
import { context, state } from './flow-fixtures';

/**
 * identity/keycloak on hand-made states: a Keycloak served at auth.ceres.io importing realm ceres
 * (client argocd) and a tenant realm, routed by a Gateway; consumers (Argo CD's values, a
 * RequestAuthentication) trusting those realms. Each test breaks one link.
 */
const HOST = 'auth.ceres.io';
const URL = `https://${HOST}`;
const ARGO_URL = 'https://argocd.ceres-prod-aws.ceres.io';

const keycloak = (name = 'keycloak', hostname = URL): KubeManifest => ({
  apiVersion: 'k8s.keycloak.org/v2alpha1',
  kind: 'Keycloak',
  metadata: { name, namespace: 'keycloak' },
  spec: { instances: 2, hostname: { hostname } },
});
const realmImport = (realm: string, target = 'keycloak', clients: unknown[] = []): KubeManifest => ({
  apiVersion: 'k8s.keycloak.org/v2alpha1',
  kind: 'KeycloakRealmImport',
  metadata: { name: realm, namespace: 'keycloak' },
  spec: { keycloakCRName: target, realm: { realm, clients } },
});
const gateway = (host = HOST): KubeManifest => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'Gateway',
  metadata: { name: 'keycloak', namespace: 'istio-ingress' },
  spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: [`keycloak/${host}`] }] },
});
const route = (host = HOST): KubeManifest => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'keycloak', namespace: 'keycloak' },
  spec: { hosts: [host], gateways: ['istio-ingress/keycloak'], http: [{ route: [{ destination: { host: 'keycloak-http.keycloak.svc.cluster.local' } }] }] },
});
const argoCd = (issuer = realmIssuer(URL, PLATFORM_REALM), clientID = 'argocd'): KubeManifest => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'argo-cd', namespace: 'argocd' },
  spec: {
    source: {
      chart: 'argo-cd',
      repoURL: 'https://argoproj.github.io/argo-helm',
      helm: { valuesObject: { configs: { cm: { url: ARGO_URL, 'oidc.config': `name: Keycloak\nissuer: ${issuer}\nclientID: ${clientID}\n` } } } },
    },
  },
});
const jwt = (issuer: string): KubeManifest => ({
  apiVersion: 'security.istio.io/v1',
  kind: 'RequestAuthentication',
  metadata: { name: 'tenant-jwt', namespace: 'tenant-a' },
  spec: { jwtRules: [{ issuer }] },
});
const argoClient = (redirect = `${ARGO_URL}/auth/callback`) => ({ clientId: 'argocd', redirectUris: [redirect] });
const good = (): KubeManifest[] => [
  keycloak(),
  realmImport(PLATFORM_REALM, 'keycloak', [argoClient()]),
  realmImport('a-realm'),
  gateway(),
  route(),
  argoCd(),
  jwt(realmIssuer(URL, 'a-realm')),
];
const findings = (objects: KubeManifest[]) => {
  const s = state({ objects });
  return keycloakFindings(s, context([s])).map((f) => f.message);
};
const replace = (kind: string, name: string, by: KubeManifest) => good().map((m) => (m.kind === kind && m.metadata.name === name ? by : m));

describe('identity/keycloak', () => {
  it('passes a routed Keycloak importing the realms and clients its consumers use', () => {
    expect(findings(good())).toEqual([]);
    const s = state({ objects: good() });
    expect(keycloakCheck.run(s, context([s]))).toEqual([]);
  });

  it('finds a realm import whose Keycloak the cluster does not run', () => {
    expect(findings([...good(), realmImport('b-realm', 'other')])).toEqual([
      'imports realm b-realm into Keycloak keycloak/other, which ceres-prod-aws does not run: the operator never imports it',
    ]);
  });

  it('finds an issuer at a host no Keycloak is served at', () => {
    expect(findings(replace('Application', 'argo-cd', argoCd(realmIssuer('https://id.ceres.io', PLATFORM_REALM))))).toEqual([
      `Argo CD trusts https://id.ceres.io/realms/ceres, but no Keycloak of prod is served at id.ceres.io (Keycloak hosts: ${HOST})`,
    ]);
  });

  it('finds an issuer whose realm the Keycloak does not import', () => {
    expect(findings([...good(), jwt(realmIssuer(URL, 'c-realm'))])).toEqual([
      `RequestAuthentication tenant-a/tenant-jwt trusts realm c-realm at ${HOST}, which the Keycloak on ceres-prod-aws does not import (it imports a-realm, ceres)`,
    ]);
  });

  it('finds a Keycloak host that no Gateway routes', () => {
    const objects = good().filter((m) => m.kind !== 'VirtualService');
    expect(findings(objects)).toHaveLength(2);
    expect(findings(objects)[0]).toMatch(/no ingress Gateway server and VirtualService route auth\.ceres\.io/);
    expect(findings([...good().filter((m) => m.kind !== 'Gateway'), gateway('other.ceres.io')])[0]).toMatch(/no ingress Gateway server/);
  });

  it('finds a client the realm lacks, and a redirect URI it does not allow', () => {
    expect(findings(replace('Application', 'argo-cd', argoCd(undefined, 'argo')))).toEqual([
      'Argo CD signs in with client argo of realm ceres, which the realm import does not define',
    ]);
    expect(
      findings(replace('KeycloakRealmImport', PLATFORM_REALM, realmImport(PLATFORM_REALM, 'keycloak', [argoClient('https://elsewhere/auth/callback')]))),
    ).toEqual([
      `Argo CD is sent back to ${ARGO_URL}/auth/callback, which client argocd of realm ceres does not allow (redirect URIs: https://elsewhere/auth/callback)`,
    ]);
  });

  it("finds a replica site of Keycloak's database that does not route the Keycloak host", () => {
    const replica = (self: string): KubeManifest => ({
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: { name: KEYCLOAK.database, namespace: KEYCLOAK.namespace },
      spec: { replica: { self, primary: `${KEYCLOAK.database}-aws`, source: `${KEYCLOAK.database}-aws` } },
    });
    const serving = state({ objects: good() });
    const standby = (objects: KubeManifest[]) => ({
      ...state({ objects }),
      cluster: { ...serving.cluster, name: 'ceres-prod-azure', cloud: 'azure' as const },
    });
    const messages = (s: ReturnType<typeof standby>) => keycloakFindings(s, context([serving, s])).map((f) => f.message);
    expect(messages(standby([replica(`${KEYCLOAK.database}-azure`), gateway(), route()]))).toEqual([]);
    expect(messages(standby([replica(`${KEYCLOAK.database}-azure`), gateway()]))).toEqual([
      `ceres-prod-azure is a replica site of Keycloak's database, but no ingress Gateway server and VirtualService route ${HOST} here: after its promotion Keycloak would run without a way in`,
    ]);
    // The primary site is checked by the issuers' own rule, not this one.
    expect(messages(standby([replica(`${KEYCLOAK.database}-aws`)]))).toEqual([]);
  });

  it('reads the issuer of a Keycloak on another cluster of the environment', () => {
    const serving = state({ objects: good().filter((m) => m.kind !== 'Application' && m.kind !== 'RequestAuthentication') });
    const consuming = { ...state({ objects: [argoCd()] }), cluster: { ...serving.cluster, name: 'ceres-prod-azure', cloud: 'azure' as const } };
    expect(keycloakFindings(consuming, context([serving, consuming]))).toEqual([]);
    expect(keycloakFindings(consuming, context([consuming]))[0].message).toMatch(/the environment runs no Keycloak/);
  });
});
