import { parse } from 'yaml';
import { platformAddOns } from '../../apps/platform/main';
import { SyncWave } from '../../lib/core/argocd';
import { composePlatform } from '../../lib/core/composition';
import { tenantNames } from '../../lib/core/names';
import { placementApplies } from '../../lib/core/topology';
import { apiServerAuditPolicy } from '../../lib/hardening/audit-policy';
import { namespacesAtLevel } from '../../lib/hardening/namespace-security';
import { TIERS_IN_ORDER } from '../../lib/quotas/tier-table';
import { FixtureClusters, fixturePlatform, ofKind, renderAddOns, TENANT_PER_TIER, wave, yamlFiles } from '../support/harness';

/**
 * The guardrails add-on: Kyverno ClusterPolicies, tier PriorityClasses and API fairness (`policies`),
 * the platform namespaces each cluster's charts install into (`platform-namespaces`), the edge audit
 * policy. Its inputs are every add-on's namespaces and charts, so it is rendered here with the
 * platform's add-on list, on the fixture platform and tenants.
 */
const NAMESPACES = composePlatform(platformAddOns()).catalog.namespaces;
const CHARTS = composePlatform(platformAddOns()).catalog.charts;
const MANIFESTS = composePlatform(platformAddOns()).catalog.manifests;
const out = renderAddOns(platformAddOns(), { input: TENANT_PER_TIER });
const ENV = out.environment.name;
const policies = ofKind(out, 'ClusterPolicy');
const byName = new Map(policies.map((p) => [p.metadata.name!, p]));
const tenantNamespaces = TENANT_PER_TIER.tenants.map((t) => tenantNames(t.tenantId).namespace);

describe('Kyverno admission policies', () => {
  it('live in the policies folder at the policies wave', () => {
    expect([...new Set(out.objects.filter((o) => o.manifest.kind === 'ClusterPolicy').map((o) => o.folder))]).toEqual(['policies']);
    for (const p of policies) expect(p.metadata.annotations!['argocd.argoproj.io/sync-wave']).toBe('-10');
  });

  it('enforce every validation rule', () => {
    const validations = policies.flatMap((p) => p.spec.rules).filter((r: any) => r.validate);
    expect(validations.length).toBeGreaterThanOrEqual(8);
    for (const r of validations) expect(r.validate.failureAction).toBe('Enforce');
  });

  it('apply the restricted profile everywhere but the platform namespaces that need more', () => {
    const [restricted, baseline] = byName.get('ceres-pod-security')!.spec.rules;
    expect(restricted.validate.podSecurity).toEqual({ level: 'restricted', version: 'v1.28' });
    const excluded: string[] = restricted.exclude.any[0].resources.namespaces;
    expect(excluded.sort()).toEqual([...namespacesAtLevel(NAMESPACES, 'privileged'), ...namespacesAtLevel(NAMESPACES, 'baseline')].sort());
    for (const ns of ['ceres', ...tenantNamespaces, 'cert-manager', 'cnpg-system']) expect(excluded).not.toContain(ns);
    for (const ns of ['kube-system', 'istio-system', 'falco', 'monitoring']) expect(excluded).toContain(ns);
    expect(baseline.validate.podSecurity.level).toBe('baseline');
    expect(baseline.match.any[0].resources.namespaces).toEqual(namespacesAtLevel(NAMESPACES, 'baseline'));
  });

  it('forbid unpinned images and containers without requests and limits', () => {
    const images = byName.get('ceres-pinned-images')!.spec.rules;
    expect(images.map((r: any) => r.validate.pattern.spec.containers[0].image)).toEqual(['*:* | *@sha256:*', '!*:latest']);
    const resources = byName.get('ceres-require-resources')!.spec.rules[0].validate.pattern.spec.containers[0].resources;
    expect(resources).toEqual({ requests: { cpu: '?*', memory: '?*' }, limits: { cpu: '?*', memory: '?*' } });
  });

  it("limit tenant and core images to the platform's registries", () => {
    const rule = byName.get('ceres-allowed-registries')!.spec.rules[0];
    expect(rule.match.any[0].resources.namespaces).toEqual(['tenant-*', 'ceres']);
    const allowed: string = rule.validate.pattern.spec.containers[0].image;
    for (const r of out.platform.allowedRegistries) expect(allowed).toContain(`${r}*`);
    expect(allowed).not.toContain('docker.io/library');
  });

  it('require tenant labels and give each tier its PriorityClass', () => {
    expect(byName.get('ceres-tenant-labels')!.spec.rules[0].validate.pattern.metadata.labels).toHaveProperty(['ceres.io/tenant']);
    const priority = byName.get('ceres-tenant-priority')!.spec.rules;
    expect(
      priority.map((r: any) => [r.match.any[0].resources.namespaceSelector.matchLabels['ceres.io/tier'], r.mutate.patchStrategicMerge.spec.priorityClassName]),
    ).toEqual(TIERS_IN_ORDER.map((t) => [t.level, t.priorityClass.name]));
    // The tier label the mutation selects on is the one tenant namespaces carry.
    for (const t of TENANT_PER_TIER.tenants) {
      expect(ofKind(out, 'Namespace').find((n) => n.metadata.name === tenantNames(t.tenantId).namespace)!.metadata.labels!['ceres.io/tier']).toBe(
        t.subscriptionLevel,
      );
    }
    const classes = ofKind(out, 'PriorityClass').map((c) => c.metadata.name);
    for (const t of TIERS_IN_ORDER) expect(classes).toContain(t.priorityClass.name);
  });

  it('enforce a read-only root filesystem for tenant and ceres pods, which the core workloads satisfy', () => {
    const rule = byName.get('ceres-read-only-root')!.spec.rules[0];
    expect(rule.validate.failureAction).toBe('Enforce');
    expect(rule.match.any[0].resources.namespaces).toEqual(expect.arrayContaining(['tenant-*', 'ceres']));
    const deployments = ofKind(out, 'Deployment', 'ceres');
    expect(deployments.length).toBeGreaterThan(0);
    for (const d of deployments) for (const c of d.spec.template.spec.containers) expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  });
});

describe('API Priority and Fairness', () => {
  it("classifies every tenant namespace's service accounts into a limited level, before the built-in service-accounts schema", () => {
    const flow = ofKind(out, 'FlowSchema')[0];
    const level = ofKind(out, 'PriorityLevelConfiguration').find((m) => m.metadata.name === flow.spec.priorityLevelConfiguration.name)!;
    expect(flow.apiVersion).toBe('flowcontrol.apiserver.k8s.io/v1');
    expect(flow.spec.matchingPrecedence).toBeLessThan(9000);
    const tenants = ofKind(out, 'Namespace')
      .filter((m) => m.metadata.labels?.['ceres.io/tenant'])
      .map((m) => m.metadata.name)
      .sort();
    expect(tenants).toEqual([...tenantNamespaces].sort());
    expect(flow.spec.rules[0].subjects.map((s: any) => s.serviceAccount.namespace).sort()).toEqual(tenants);
    expect(level.spec.type).toBe('Limited');
    expect(level.spec.limited.lendablePercent).toBe(0);
  });

  it('keeps the level but renders no FlowSchema without tenants (a schema without subjects is invalid)', () => {
    const none = renderAddOns(platformAddOns(), { input: { tenants: [], databases: [], backups: [] } });
    expect(ofKind(none, 'FlowSchema')).toEqual([]);
    expect(ofKind(none, 'PriorityLevelConfiguration')).toHaveLength(1);
  });
});

describe('platform namespaces', () => {
  it('carry the Pod Security level each needs', () => {
    for (const decl of NAMESPACES) {
      const ns = ofKind(out, 'Namespace').find((n) => n.metadata.name === decl.name);
      if ((decl.renderedBy ?? 'platform') === 'platform' || decl.name === 'ceres')
        expect(ns!.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe(decl.podSecurity);
    }
    expect(NAMESPACES.find((n) => n.name === 'falco')!.podSecurity).toBe('privileged');
    expect(NAMESPACES.find((n) => n.name === 'ceres')!.podSecurity).toBe('restricted');
  });

  it("are rendered per cluster, exactly the namespaces the cluster's charts install into, before the charts sync", () => {
    const sites = renderAddOns(platformAddOns(), { platform: fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.gcp] }) });
    for (const cluster of sites.environment.clusters) {
      const rendered = sites.objects.filter((o) => o.folder === `clusters/${cluster.name}/platform-namespaces` && o.manifest.kind === 'Namespace');
      const expected = new Set([...CHARTS, ...MANIFESTS].filter((c) => placementApplies(c.placement, cluster)).map((c) => c.namespace));
      const platformRendered = NAMESPACES.filter((n) => (n.renderedBy ?? 'platform') === 'platform' && expected.has(n.name)).map((n) => n.name);
      expect(rendered.map((o) => o.manifest.metadata.name).sort()).toEqual(platformRendered.sort());
      // Their Application syncs before any chart's (operators wave).
      const app = sites.objects.find(
        (o) => o.manifest.kind === 'Application' && o.manifest.spec.source?.path === `dist/${ENV}/clusters/${cluster.name}/platform-namespaces`,
      )!;
      expect(wave(app.manifest)).toBeLessThan(SyncWave.operators);
    }
    // GKE Autopilot runs no node agents, so no privileged namespace for them.
    const gcp = sites.objects.filter((o) => o.folder === `clusters/${FixtureClusters.gcp.name}/platform-namespaces`).map((o) => o.manifest.metadata.name);
    expect(gcp).not.toContain('falco');
  });
});

describe('API server audit policy', () => {
  it('is written only for environments with an edge site, in an unsynced folder', () => {
    const withEdge = renderAddOns(platformAddOns(), { platform: fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.edge] }) });
    expect(withEdge.files.get(`${ENV}/edge/audit-policy.yaml`)).toBe(apiServerAuditPolicy());
    const apps = withEdge.objects.filter((o) => o.manifest.kind === 'Application' && o.file.endsWith('/applications.yaml'));
    expect(apps.some((a) => a.manifest.spec.source.path.endsWith('/edge'))).toBe(false);
    expect(out.files.has(`${ENV}/edge/audit-policy.yaml`)).toBe(false);
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

describe('the YAML', () => {
  it('matches the reviewed policies and platform namespaces of the fixture', () => {
    expect(yamlFiles(out, new RegExp(`^${ENV}/(policies/|clusters/[^/]+/platform-namespaces/)`))).toMatchSnapshot();
  });
});
