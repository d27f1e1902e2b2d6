import { isProvisioned } from '../../core/cloud';
import { keycloakUrl as environmentKeycloakUrl, PLATFORM_REALM, REALM_ANNOTATION, realmIssuer, tenantRealm, TENANT_ROLES, TenantRealm } from '../../core/realm';
import { allObjects } from '../state';
import { ClusterState, describeManifest, Finding, VerifyCheck, VerifyContext } from '../types';
import { stackFor } from './identity';

export { REALM_ANNOTATION };

type Emit = Omit<Finding, 'check' | 'environment' | 'cluster'>;

const asArray = <T>(v: T | readonly T[] | undefined): T[] => (v === undefined || v === null ? [] : Array.isArray(v) ? [...v] : [v as T]);

/**
 * The realms, bindings and issuers of a cluster agree with the realm model (lib/core/realm.ts):
 * - in a tenant namespace (annotated with its realm), every Group a RoleBinding names is one of that
 *   realm's groups as bound (`<realm>:<role>`), and each tenant role is bound to its own group;
 * - every RequestAuthentication there accepts that realm's issuer and JWKS only;
 * - every tenant AppProject's roles name the groups of the realm of the namespace it deploys to;
 * - Argo CD signs in against the platform realm's issuer, and so do the API servers (EKS identity
 *   provider config of the cluster's Terraform stack).
 */
export function realmFindings(state: ClusterState, ctx: VerifyContext): Emit[] {
  const out: Emit[] = [];
  const objects = allObjects(state);
  const keycloakUrl = environmentKeycloakUrl(state.environment);
  const realms = new Map<string, TenantRealm>();
  for (const o of objects) {
    const m = o.manifest;
    const realm = m.kind === 'Namespace' ? m.metadata.annotations?.[REALM_ANNOTATION] : undefined;
    if (realm) realms.set(m.metadata.name!, tenantRealm({ keycloakUrl }, { keycloakRealm: realm }));
  }
  const known = new Set([...realms.values()].flatMap((r) => Object.values(r.boundGroups)));
  for (const o of objects) {
    const m = o.manifest;
    const ns = m.metadata.namespace ?? '';
    const realm = realms.get(ns);
    const object = describeManifest(m);
    if (realm && m.kind === 'RoleBinding') {
      for (const s of asArray<any>(m.subjects).filter((x) => x.kind === 'Group')) {
        if (!Object.values(realm.boundGroups).includes(s.name))
          out.push({
            file: o.file,
            object,
            message: `${object} binds group ${s.name}, which is not a group of ${ns}'s realm ${realm.realm} (${Object.values(realm.boundGroups).join(', ')})${known.has(s.name) ? ": it is another tenant's" : ''}`,
            fix: 'bind the tenant realm groups from lib/core/realm.ts tenantRealm(), not a name written by hand',
          });
      }
      const role = TENANT_ROLES.find((r) => m.roleRef?.kind === 'Role' && m.roleRef?.name === r);
      if (role && !asArray<any>(m.subjects).some((x) => x.kind === 'Group' && x.name === realm.boundGroups[role]))
        out.push({
          file: o.file,
          object,
          message: `${object} binds Role ${role} without the realm's group ${realm.boundGroups[role]}`,
          fix: `bind ${realm.boundGroups[role]}`,
        });
    }
    if (realm && m.kind === 'RequestAuthentication') {
      for (const rule of asArray<any>(m.spec?.jwtRules)) {
        if (rule.issuer !== realm.issuer || (rule.jwks_uri ?? rule.jwksUri) !== realm.jwksUri)
          out.push({
            file: o.file,
            object,
            message: `${object} accepts issuer ${rule.issuer} (keys ${rule.jwks_uri ?? rule.jwksUri ?? 'none'}), not ${ns}'s realm ${realm.realm}: ${realm.issuer}`,
            fix: 'take issuer and JWKS from lib/core/realm.ts realmIssuer/realmJwksUri of the tenant realm',
          });
      }
    }
    if (m.kind === 'AppProject') {
      const destinations = asArray<any>(m.spec?.destinations).map((d) => d.namespace);
      const projectRealm = destinations.length === 1 ? realms.get(destinations[0]) : undefined;
      if (!projectRealm) continue;
      for (const role of asArray<any>(m.spec?.roles)) {
        for (const g of asArray<string>(role.groups))
          if (!Object.values(projectRealm.boundGroups).includes(g))
            out.push({
              file: o.file,
              object,
              message: `${object} role ${role.name} grants group ${g}, not a group of ${destinations[0]}'s realm ${projectRealm.realm}`,
              fix: 'name the tenant realm groups from lib/core/realm.ts',
            });
      }
    }
  }
  const platformIssuer = realmIssuer(keycloakUrl, PLATFORM_REALM);
  for (const o of objects.filter((x) => x.manifest.kind === 'Application')) {
    const values = o.manifest.spec?.source?.helm?.valuesObject;
    const oidc = values?.configs?.cm?.['oidc.config'];
    if (o.manifest.spec?.source?.chart !== 'argo-cd' || typeof oidc !== 'string') continue;
    const issuer = /issuer:\s*(\S+)/.exec(oidc)?.[1];
    if (issuer !== platformIssuer)
      out.push({
        file: o.file,
        object: describeManifest(o.manifest),
        message: `Argo CD signs in against ${issuer ?? 'no issuer'}, not the platform realm ${platformIssuer}`,
        fix: 'take the issuer from lib/core/realm.ts realmIssuer(keycloakUrl, PLATFORM_REALM)',
      });
  }
  const cluster = state.cluster;
  if (isProvisioned(cluster) && cluster.cloud === 'aws') {
    const stack = stackFor(ctx, state.environment.name, 'aws');
    for (const r of stack?.resources.filter((x) => x.type === 'aws_eks_identity_provider_config') ?? []) {
      const issuer = asArray<any>(r.body.oidc)[0]?.issuer_url;
      if (issuer !== platformIssuer)
        out.push({
          file: stack!.file,
          object: r.address,
          message: `the API server of ${cluster.name} trusts ${issuer}, not the platform realm ${platformIssuer} its RoleBindings' groups come from`,
          fix: 'configure the identity provider from lib/core/cloud.ts kubernetesOidc()',
        });
    }
  }
  return out;
}

export const realmCheck: VerifyCheck = {
  name: 'identity/realms',
  description:
    "tenant RoleBindings, AppProject roles and RequestAuthentications name their namespace's realm groups and issuer; Argo CD and the API servers trust the platform realm (lib/core/realm.ts)",
  run: (state, ctx) =>
    realmFindings(state, ctx).map((f) => ({ check: 'identity/realms', environment: state.environment.name, cluster: state.cluster.name, ...f })),
};
