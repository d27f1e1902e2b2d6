import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { buildEnvironment, platformAddOns } from '../../apps/platform/main';
import { RenderedObject } from '../../lib/core/checks';
import { SynthError } from '../../lib/core/errors';
import { renderEnvironment } from '../../lib/core/render';
import { namespaceDefaultDeny, noCrossTenantNetworkPaths, noRbacWildcards } from '../../lib/hardening/guardrail-checks';
import { TIERS } from '../../lib/quotas/tier-table';
import { TENANT_GUARDRAIL_KINDS } from '../../lib/tenants/tenant-project';
import { exampleInput, manifests, platform, render, tenant } from './render-helpers';

/** Objects of this add-ons (the mesh add-on adds its own Istio objects to the tenant folder). */
const notMesh = (o: RenderedObject) => !o.manifest.apiVersion.includes('istio.io/');

const ACME = 'tenant-acme-001';

describe('a tenant expanded into its namespace', () => {
  const { objects } = render('prod');
  const ofAcme = objects.filter(notMesh).filter((o) => o.manifest.metadata.namespace === ACME || o.manifest.metadata.name === ACME);

  it('produces a known set of objects per tenant', () => {
    const kinds: Record<string, number> = {};
    for (const o of ofAcme) kinds[o.manifest.kind] = (kinds[o.manifest.kind] ?? 0) + 1;
    // namespace, 10 network policies (deny + 9 allowances with a database), quota, limit range,
    // 3 roles, 3 bindings, default account, 1 sealed secret, external reference map, database
    // cluster and its scheduled backup; plus its AppProject in argocd (named like the namespace).
    expect(kinds).toEqual({
      Namespace: 1,
      NetworkPolicy: 11,
      ResourceQuota: 1,
      LimitRange: 1,
      Role: 3,
      RoleBinding: 3,
      ServiceAccount: 1,
      SealedSecret: 1,
      ConfigMap: 1,
      Cluster: 1,
      ScheduledBackup: 1,
      AppProject: 1,
    });
  });

  it('labels the namespace restricted, mesh-injected, tenant/tier/cost and protects it from pruning', () => {
    const ns = manifests(objects, 'Namespace').find((n) => n.metadata.name === ACME)!;
    const l = ns.metadata.labels!;
    for (const mode of ['enforce', 'audit', 'warn']) {
      expect(l[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
      expect(l[`pod-security.kubernetes.io/${mode}-version`]).toBe('v1.28');
    }
    expect(l['istio-injection']).toBe('enabled');
    expect(l).toMatchObject({ 'ceres.io/tenant': 'acme-001', 'ceres.io/tier': 'enterprise', 'ceres.io/cost-center': 'acme-001' });
    expect(ns.metadata.annotations!['argocd.argoproj.io/sync-options']).toContain('Prune=false');
    expect(ns.metadata.annotations!['argocd.argoproj.io/sync-options']).toContain('Delete=false');
  });

  it('bounds each tenant by its tier and forbids LoadBalancers below enterprise', () => {
    for (const [ns, level] of [[ACME, 'enterprise'], ['tenant-globex-002', 'professional'], ['tenant-initech-003', 'starter']] as const) {
      const quota = manifests(objects, 'ResourceQuota', ns)[0];
      expect(quota.spec.hard['requests.cpu']).toBe(TIERS[level].quota.requestsCpu);
      expect(quota.spec.hard['requests.storage']).toBe(TIERS[level].quota.storage);
      expect(quota.spec.hard['services.loadbalancers']).toBe(String(level === 'enterprise' ? TIERS.enterprise.quota.loadBalancers : 0));
      const limits = manifests(objects, 'LimitRange', ns)[0].spec.limits[0];
      expect(limits.defaultRequest).toEqual(TIERS[level].limitRange.defaultRequest);
      expect(limits.max).toEqual(TIERS[level].limitRange.max);
    }
  });

  it('renders quotas ordered starter < professional < enterprise for every resource (LoadBalancers and NodePorts aside)', () => {
    const amount = (q: string) => {
      const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti)?$/.exec(q)!;
      const f: Record<string, number> = { '': 1, m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
      return Number(m[1]) * f[m[2] ?? ''];
    };
    const hard = (ns: string) => manifests(objects, 'ResourceQuota', ns)[0].spec.hard as Record<string, string>;
    const [s, p, e] = ['tenant-initech-003', 'tenant-globex-002', ACME].map(hard);
    expect(Object.keys(s).length).toBe(12);
    for (const key of Object.keys(s)) {
      if (key === 'services.loadbalancers' || key === 'services.nodeports') continue;
      expect({ key, ordered: amount(s[key]) < amount(p[key]) && amount(p[key]) < amount(e[key]) }).toEqual({ key, ordered: true });
    }
  });

  it('binds least-privilege roles to the realm groups; viewers cannot read Secrets; no wildcard anywhere', () => {
    const roles = manifests(objects, 'Role', ACME);
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
    const bindings = manifests(objects, 'RoleBinding', ACME);
    expect(bindings.map((b) => b.subjects[0].name).sort()).toEqual(['acme-realm:tenant-admin', 'acme-realm:tenant-developer', 'acme-realm:tenant-viewer']);
    expect(noRbacWildcards.check(objects)).toEqual([]);
  });

  it('turns the default service account token off', () => {
    const sa = manifests(objects, 'ServiceAccount', ACME).find((s) => s.metadata.name === 'default')!;
    expect(sa.automountServiceAccountToken).toBe(false);
  });

  it('confines the tenant AppProject to its namespace, with no cluster-scoped kinds and no guardrail kinds', () => {
    const project = manifests(objects, 'AppProject').find((p) => p.metadata.name === ACME)!;
    expect(project.metadata.namespace).toBe('argocd');
    expect(project.spec.sourceRepos).toEqual([platform.gitops.repoURL]);
    expect(project.spec.destinations.map((d: any) => d.namespace)).toEqual([ACME]);
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    const blacklisted = project.spec.namespaceResourceBlacklist.map((k: any) => `${k.group}/${k.kind}`);
    for (const kind of ['/ResourceQuota', '/LimitRange', 'networking.k8s.io/NetworkPolicy', 'rbac.authorization.k8s.io/RoleBinding']) expect(blacklisted).toContain(kind);
    expect(blacklisted).toHaveLength(TENANT_GUARDRAIL_KINDS.length);
    // One per cluster that syncs the tenant, in that cluster's app of apps.
    const folders = objects.filter((o) => o.manifest.metadata.name === ACME && o.manifest.kind === 'AppProject').map((o) => o.folder);
    expect(folders.length).toBeGreaterThan(0);
    for (const f of folders) expect(f).toMatch(/^clusters\/[^/]+\/argocd$/);
  });

  it('renders sealed secrets as SealedSecrets and external ones as references, never a Secret', () => {
    const sealed = manifests(objects, 'SealedSecret', ACME);
    expect(sealed.map((s) => s.metadata.name)).toEqual(['acme-api-keys']);
    expect(Object.keys(sealed[0].spec.encryptedData)).toEqual(['stripe-key']);
    const refs = manifests(objects, 'ConfigMap', ACME)[0];
    expect(refs.data).toEqual({ 'acme-smtp': 'vault:tenants/acme-001/smtp' });
    expect(manifests(objects, 'Secret')).toEqual([]);
  });
});

describe('guardrails that refuse the synth', () => {
  it('refuses a plaintext Secret emitted by a construct in a tenant folder, naming the object and the fix', () => {
    const output = buildEnvironment(platform, exampleInput(), 'dev', platformAddOns());
    const folder = output.folders.find((f) => f.name === ACME)!;
    new k8s.KubeSecret(folder.manifest('leaked') as Chart, 'Leak', { metadata: { name: 'db-password', namespace: ACME }, stringData: { password: 'hunter2' } });
    let error: unknown;
    try {
      renderEnvironment(output, platformAddOns().flatMap((a) => a.checks ?? []));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SynthError);
    const message = (error as SynthError).problems.join('\n');
    expect(message).toContain('[no-plaintext-secrets] Secret tenant-acme-001/db-password in dist/dev/tenant-acme-001/leaked.yaml');
    expect(message).toContain('SealedSecret');
  });

  const at = (manifest: any): RenderedObject => ({ environment: 'prod', folder: 'x', file: 'prod/x/x.yaml', manifest });

  it('flags a cross-tenant or any-namespace NetworkPolicy', () => {
    const toOther = at({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'tenant-a' }, spec: { policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tenant-b' } } }] }] } });
    const fromAny = at({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'q', namespace: 'tenant-a' }, spec: { policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: {} }] }] } });
    const problems = noCrossTenantNetworkPaths.check([toOther, fromAny]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('tenant-b');
  });

  it('flags an isolated namespace without default deny', () => {
    const ns = at({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-z' } });
    expect(namespaceDefaultDeny.check([ns])[0]).toContain('no default-deny');
    const deny = at({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'd', namespace: 'tenant-z' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } });
    expect(namespaceDefaultDeny.check([ns, deny])).toEqual([]);
  });

  it('flags an RBAC wildcard', () => {
    const role = at({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['*'], verbs: ['get'] }] });
    expect(noRbacWildcards.check([role])[0]).toContain('wildcard in resources');
  });
});

describe('a tenant without database or secrets', () => {
  it('is 20 objects: namespace, 9 network policies, quota, limit range, 3 roles, 3 bindings, default account, AppProject', () => {
    const { objects } = render('dev', { tenants: [tenant('plain-9', 'starter')], databases: [], backups: [] });
    const mine = objects.filter(notMesh).filter((o) => o.manifest.metadata.namespace === 'tenant-plain-9' || o.manifest.metadata.name === 'tenant-plain-9');
    expect(mine).toHaveLength(20);
  });
});
