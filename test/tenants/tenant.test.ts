import * as k8s from '../../lib/core/k8s';
import { SynthError } from '../../lib/core/errors';
import { tenantNames } from '../../lib/core/names';
import { GitOpsAddOn } from '../../lib/gitops';
import { noRbacWildcards } from '../../lib/hardening/guardrail-checks';
import { TIERS } from '../../lib/quotas/tier-table';
import { TENANT_GUARDRAIL_KINDS } from '../../lib/tenants/tenant-project';
import {
  baseAddOns,
  buildAddOns,
  EMPTY_INPUT,
  FIXTURE_INPUT,
  fixtureTenant,
  ofKind,
  renderAddOns,
  renderOutput,
  TENANT_PER_TIER,
  yamlFiles,
  yamlOf,
} from '../support/harness';

/**
 * A tenant (lib/tenants/tenant.ts) expanded into its folder by the tenants add-on, with the AppProject
 * the app of apps renders for it (lib/tenants/tenant-project.ts). The fixture tenant `ent-1` is
 * enterprise, has a database, a sealed and an external secret.
 */
const addOns = () => [...baseAddOns(), new GitOpsAddOn()];
const out = renderAddOns(addOns());
const spec = FIXTURE_INPUT.tenants[0];
const NS = tenantNames(spec.tenantId).namespace;
const ENV = out.environment.name;
const ofTenant = (r: typeof out, ns: string) => r.objects.filter((o) => o.manifest.metadata.namespace === ns || o.manifest.metadata.name === ns);

describe('a tenant expanded into its namespace', () => {
  it('produces a known set of objects', () => {
    const kinds: Record<string, number> = {};
    for (const o of ofTenant(out, NS)) kinds[o.manifest.kind] = (kinds[o.manifest.kind] ?? 0) + 1;
    // namespace, 12 network policies (deny + 11 allowances with a database), quota, limit range,
    // 3 roles, 3 bindings, default account, 1 sealed secret, database cluster and its scheduled
    // backup; plus its AppProject in argocd (named like the namespace). Its external secret is read
    // per cluster by the External Secrets add-on (test/secrets/external-secrets-addon.test.ts).
    expect(kinds).toEqual({
      Namespace: 1,
      NetworkPolicy: 12,
      ResourceQuota: 1,
      LimitRange: 1,
      Role: 3,
      RoleBinding: 3,
      ServiceAccount: 1,
      SealedSecret: 1,
      Cluster: 1,
      ScheduledBackup: 1,
      AppProject: 1,
    });
    // Everything but the AppProject and the database is in the tenant's own folder; the database is in
    // the folder of each database site (lib/core/database-topology.ts), here the one cluster's.
    const own = (x: { manifest: { kind: string } }) => !['AppProject', 'Cluster', 'ScheduledBackup'].includes(x.manifest.kind);
    for (const o of ofTenant(out, NS).filter(own)) expect(o.folder).toBe(NS);
    for (const o of ofTenant(out, NS).filter((x) => ['Cluster', 'ScheduledBackup'].includes(x.manifest.kind))) {
      expect(o.folder).toBe(`clusters/${out.environment.clusters[0].name}/databases`);
    }
  });

  it('is 20 objects without database or secrets: namespace, 9 network policies, quota, limit range, 3 roles, 3 bindings, default account, AppProject', () => {
    const plain = renderAddOns(addOns(), { input: { ...EMPTY_INPUT, tenants: [fixtureTenant('plain-9', 'starter')] } });
    expect(ofTenant(plain, 'tenant-plain-9')).toHaveLength(20);
  });

  it('labels the namespace restricted, mesh-injected, tenant/tier/cost and protects it from pruning', () => {
    const ns = ofKind(out, 'Namespace').find((n) => n.metadata.name === NS)!;
    const l = ns.metadata.labels!;
    for (const mode of ['enforce', 'audit', 'warn']) {
      expect(l[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
      expect(l[`pod-security.kubernetes.io/${mode}-version`]).toBe('v1.28');
    }
    expect(l['istio-injection']).toBe('enabled');
    expect(l).toMatchObject({ 'ceres.io/tenant': spec.tenantId, 'ceres.io/tier': spec.subscriptionLevel, 'ceres.io/cost-center': spec.tenantId });
    expect(ns.metadata.annotations).toMatchObject({ 'ceres.io/display-name': spec.displayName, 'ceres.io/keycloak-realm': spec.keycloakRealm });
    expect(ns.metadata.annotations!['argocd.argoproj.io/sync-options']).toContain('Prune=false');
    expect(ns.metadata.annotations!['argocd.argoproj.io/sync-options']).toContain('Delete=false');
  });

  it("bounds each tenant by its tier's quota and limit range, and forbids LoadBalancers below enterprise", () => {
    const tiers = renderAddOns(addOns(), { input: TENANT_PER_TIER });
    for (const t of TENANT_PER_TIER.tenants) {
      const ns = tenantNames(t.tenantId).namespace;
      const level = t.subscriptionLevel;
      const quota = ofKind(tiers, 'ResourceQuota', ns)[0];
      expect(quota.spec.hard['requests.cpu']).toBe(TIERS[level].quota.requestsCpu);
      expect(quota.spec.hard['requests.storage']).toBe(TIERS[level].quota.storage);
      expect(quota.spec.hard['services.loadbalancers']).toBe(String(level === 'enterprise' ? TIERS.enterprise.quota.loadBalancers : 0));
      const limits = ofKind(tiers, 'LimitRange', ns)[0].spec.limits[0];
      expect(limits.defaultRequest).toEqual(TIERS[level].limitRange.defaultRequest);
      expect(limits.max).toEqual(TIERS[level].limitRange.max);
    }
  });

  it('binds least-privilege roles to the realm groups; viewers cannot read Secrets; no wildcard anywhere', () => {
    const roles = ofKind(out, 'Role', NS);
    expect(roles.map((r) => r.metadata.name).sort()).toEqual(['tenant-admin', 'tenant-developer', 'tenant-viewer']);
    const canRead = (role: string, resource: string) =>
      roles.find((r) => r.metadata.name === role)!.rules.some((r: any) => r.resources.includes(resource) && r.verbs.includes('get'));
    expect(canRead('tenant-viewer', 'secrets')).toBe(false);
    expect(canRead('tenant-developer', 'secrets')).toBe(false);
    expect(canRead('tenant-admin', 'secrets')).toBe(true);
    for (const role of roles) {
      for (const rule of role.rules) {
        for (const v of [...rule.verbs, ...rule.resources, ...rule.apiGroups]) expect(v).not.toContain('*');
        // Nobody edits the guardrails.
        if (['create', 'update', 'patch', 'delete'].some((verb) => rule.verbs.includes(verb))) {
          for (const guarded of ['resourcequotas', 'limitranges', 'networkpolicies', 'roles', 'rolebindings']) expect(rule.resources).not.toContain(guarded);
        }
      }
    }
    const bindings = ofKind(out, 'RoleBinding', NS);
    expect(bindings.map((b) => [b.subjects[0].name, b.roleRef.name]).sort()).toEqual(
      roles.map((r) => [`${spec.keycloakRealm}:${r.metadata.name}`, r.metadata.name]).sort(),
    );
    expect(noRbacWildcards.check(out.objects)).toEqual([]);
  });

  it('turns the default service account token off', () => {
    expect(ofKind(out, 'ServiceAccount', NS).find((s) => s.metadata.name === 'default')!.automountServiceAccountToken).toBe(false);
  });

  it('confines the tenant AppProject to its namespace, with no cluster-scoped kinds and no guardrail kinds, in each cluster that syncs the tenant', () => {
    const projects = out.objects.filter((o) => o.manifest.kind === 'AppProject' && o.manifest.metadata.name === NS);
    expect(projects.map((o) => o.folder)).toEqual(out.environment.clusters.map((c) => `clusters/${c.name}/argocd`));
    const project = projects[0].manifest;
    expect(project.metadata.namespace).toBe('argocd');
    expect(project.spec.sourceRepos).toEqual([out.platform.gitops.repoURL]);
    expect(project.spec.destinations.map((d: any) => d.namespace)).toEqual([NS]);
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    const blacklisted = project.spec.namespaceResourceBlacklist.map((k: any) => `${k.group}/${k.kind}`);
    for (const kind of ['/ResourceQuota', '/LimitRange', 'networking.k8s.io/NetworkPolicy', 'rbac.authorization.k8s.io/RoleBinding'])
      expect(blacklisted).toContain(kind);
    expect(blacklisted).toHaveLength(TENANT_GUARDRAIL_KINDS.length);
    // Its roles are the realm's groups, as in the cluster.
    expect(JSON.stringify(project.spec.roles)).toContain(`${spec.keycloakRealm}:tenant-admin`);
  });

  it('renders sealed secrets as SealedSecrets and leaves external ones to the External Secrets add-on, never a Secret', () => {
    const sealed = ofKind(out, 'SealedSecret', NS);
    const declaredSealed = spec.secrets.filter((s) => 'sealed' in s);
    expect(spec.secrets.some((s) => 'external' in s)).toBe(true);
    expect(sealed.map((s) => s.metadata.name)).toEqual(declaredSealed.map((s) => s.name));
    expect(Object.keys(sealed[0].spec.encryptedData)).toEqual(['stripe-key']);
    // No list of references in the tenant's folder any more, and no secret of any kind in plaintext.
    expect(ofTenant(out, NS).filter((o) => o.manifest.kind === 'ConfigMap' || o.manifest.kind === 'ExternalSecret')).toEqual([]);
    expect(ofKind(out, 'Secret')).toEqual([]);
  });
});

describe('a plaintext Secret in a tenant folder', () => {
  it('refuses the synth, naming the object and the fix', () => {
    const output = buildAddOns(addOns());
    const folder = output.folders.find((f) => f.name === NS)!;
    new k8s.KubeSecret(folder.manifest('leaked'), 'Leak', { metadata: { name: 'db-password', namespace: NS }, stringData: { password: 'hunter2' } });
    let error: unknown;
    try {
      renderOutput(output, addOns());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SynthError);
    const message = (error as SynthError).problems.join('\n');
    expect(message).toContain(`[no-plaintext-secrets] Secret ${NS}/db-password in dist/${ENV}/${NS}/leaked.yaml`);
    expect(message).toContain('SealedSecret');
  });
});

describe('the YAML', () => {
  it('matches the reviewed namespace, access and secrets of the enterprise fixture tenant, and its AppProject', () => {
    expect(yamlFiles(out, new RegExp(`^${ENV}/${NS}/(namespace|access|secrets)\\.yaml$`))).toMatchSnapshot();
    expect(yamlOf(out.objects.filter((o) => o.manifest.kind === 'AppProject' && o.manifest.metadata.name === NS))).toMatchSnapshot();
  });
});
