import { parse } from 'yaml';
import { apiServerAuditPolicy } from '../../lib/hardening/audit-policy';
import { namespacesAtLevel } from '../../lib/hardening/namespace-security';
import { composePlatform } from '../../lib/core/composition';
import { platformAddOns } from '../../apps/platform/main';

const NAMESPACES = composePlatform(platformAddOns()).catalog.namespaces;
import { TIERS_IN_ORDER } from '../../lib/quotas/tier-table';
import { manifests, platform, render } from '../tenants/render-helpers';

describe('Kyverno admission policies', () => {
  const prod = render('prod');
  const policies = manifests(prod.objects, 'ClusterPolicy');
  const byName = new Map(policies.map((p) => [p.metadata.name!, p]));

  it('lives in the policies folder at the policies wave', () => {
    const folders = new Set(prod.objects.filter((o) => o.manifest.kind === 'ClusterPolicy').map((o) => o.folder));
    expect([...folders]).toEqual(['policies']);
    for (const p of policies) expect(p.metadata.annotations!['argocd.argoproj.io/sync-wave']).toBe('-10');
  });

  it('enforces every validation rule', () => {
    const validations = policies.flatMap((p) => p.spec.rules).filter((r: any) => r.validate);
    expect(validations.length).toBeGreaterThanOrEqual(8);
    for (const r of validations) expect(r.validate.failureAction).toBe('Enforce');
  });

  it('applies the restricted profile everywhere but the platform namespaces that need more', () => {
    const [restricted, baseline] = byName.get('ceres-pod-security')!.spec.rules;
    expect(restricted.validate.podSecurity).toEqual({ level: 'restricted', version: 'v1.28' });
    const excluded: string[] = restricted.exclude.any[0].resources.namespaces;
    expect(excluded.sort()).toEqual([...namespacesAtLevel(NAMESPACES, 'privileged'), ...namespacesAtLevel(NAMESPACES, 'baseline')].sort());
    for (const ns of ['ceres', 'tenant-acme-001', 'cert-manager', 'cnpg-system']) expect(excluded).not.toContain(ns);
    for (const ns of ['kube-system', 'istio-system', 'falco', 'monitoring']) expect(excluded).toContain(ns);
    expect(baseline.validate.podSecurity.level).toBe('baseline');
    expect(baseline.match.any[0].resources.namespaces).toEqual(namespacesAtLevel(NAMESPACES, 'baseline'));
  });

  it('forbids unpinned images and containers without requests and limits', () => {
    const images = byName.get('ceres-pinned-images')!.spec.rules;
    expect(images.map((r: any) => r.validate.pattern.spec.containers[0].image)).toEqual(['*:* | *@sha256:*', '!*:latest']);
    const resources = byName.get('ceres-require-resources')!.spec.rules[0].validate.pattern.spec.containers[0].resources;
    expect(resources).toEqual({ requests: { cpu: '?*', memory: '?*' }, limits: { cpu: '?*', memory: '?*' } });
  });

  it('limits tenant and core images to the platform registries', () => {
    const rule = byName.get('ceres-allowed-registries')!.spec.rules[0];
    expect(rule.match.any[0].resources.namespaces).toEqual(['tenant-*', 'ceres']);
    const allowed: string = rule.validate.pattern.spec.containers[0].image;
    for (const r of platform.allowedRegistries) expect(allowed).toContain(`${r}*`);
    expect(allowed).not.toContain('docker.io/library');
  });

  it('requires tenant labels and sets each tier its PriorityClass', () => {
    const labels = byName.get('ceres-tenant-labels')!.spec.rules;
    expect(labels[0].validate.pattern.metadata.labels).toHaveProperty(['ceres.io/tenant']);
    const priority = byName.get('ceres-tenant-priority')!.spec.rules;
    expect(priority.map((r: any) => [r.match.any[0].resources.namespaceSelector.matchLabels['ceres.io/tier'], r.mutate.patchStrategicMerge.spec.priorityClassName])).toEqual(
      TIERS_IN_ORDER.map((t) => [t.level, t.priorityClass.name]),
    );
    const classes = manifests(prod.objects, 'PriorityClass').map((c) => c.metadata.name);
    for (const t of TIERS_IN_ORDER) expect(classes).toContain(t.priorityClass.name);
  });
});

describe('platform namespaces', () => {
  const { objects } = render('prod');
  it('carry the Pod Security level each needs', () => {
    for (const decl of NAMESPACES) {
      const ns = manifests(objects, 'Namespace').find((n) => n.metadata.name === decl.name);
      if ((decl.renderedBy ?? 'platform') === 'platform' || decl.name === 'ceres') expect(ns!.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe(decl.podSecurity);
    }
    expect(NAMESPACES.find((n) => n.name === 'falco')!.podSecurity).toBe('privileged');
    expect(NAMESPACES.find((n) => n.name === 'ceres')!.podSecurity).toBe('restricted');
  });
});

describe('API server audit policy', () => {
  it('is written only for environments with an edge site, in an unsynced folder', () => {
    expect(render('prod').files.has('prod/edge/audit-policy.yaml')).toBe(true);
    expect(render('dev').files.has('dev/edge/audit-policy.yaml')).toBe(false);
  });

  it('logs secret access without bodies before any rule that would log a request body', () => {
    const policy = parse(apiServerAuditPolicy());
    expect(policy.apiVersion).toBe('audit.k8s.io/v1');
    expect(policy.kind).toBe('Policy');
    const rules: any[] = policy.rules;
    const secretsRule = rules.findIndex((r) => r.resources?.some((g: any) => g.group === '' && g.resources.includes('secrets')));
    expect(rules[secretsRule].level).toBe('Metadata');
    const firstBody = rules.findIndex((r) => r.level === 'Request' || r.level === 'RequestResponse');
    expect(secretsRule).toBeLessThan(firstBody);
    expect(rules[rules.length - 1].level).toBe('Metadata');
  });
});
