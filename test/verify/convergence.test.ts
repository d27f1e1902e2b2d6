/**
 * The findings of issue 9 that verify's checks do not see without the upstream charts (values the
 * charts turn into pods) or that cross into Terraform: each assertion fails on the old behaviour.
 */
import { platform } from '../../apps/platform/platform';
import { kubernetesOidc } from '../../lib/core/cloud';
import { resources, stack } from '../infra/helpers';
import { defaultSynthesis } from '../support/synthesis-cache';

type M = any;
const prodAws = () =>
  defaultSynthesis()
    .environments.find((e) => e.name === 'prod')!
    .view.clusters.get('ceres-prod-aws')!
    .map((o) => o.manifest as M);
const values = (chart: string, objects: M[] = prodAws()) =>
  objects.find((m) => m.kind === 'Application' && m.metadata.labels?.['ceres.io/addon'] === chart)!.spec.source.helm.valuesObject;
const restrictedContainer = (c: M) =>
  c.allowPrivilegeEscalation === false && c.capabilities?.drop?.includes('ALL') && c.seccompProfile?.type === 'RuntimeDefault' && c.runAsNonRoot === true;

describe("2. add-ons meet the platform's own admission rules (chart values, explicit)", () => {
  it('flagger and sealed-secrets pods are restricted (their namespaces enforce it)', () => {
    expect(restrictedContainer(values('sealed-secrets').containerSecurityContext)).toBe(true);
    const flagger = values('flagger');
    expect(JSON.stringify(flagger)).toContain('RuntimeDefault');
  });

  it.each(['argo-cd', 'cert-manager', 'cloudnative-pg', 'sealed-secrets', 'kyverno', 'flagger'])(
    '%s sets requests and limits (Kyverno requires them; the chart ships none)',
    (chart) => {
      const text = JSON.stringify(values(chart));
      expect(text).toMatch(/"limits":\{"cpu":"[^"]+","memory":"[^"]+"\}/);
    },
  );

  it('labels the Istio namespaces for Pod Security', () => {
    for (const ns of prodAws().filter((m) => m.kind === 'Namespace' && m.metadata.name.startsWith('istio-'))) {
      expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toMatch(/^(restricted|baseline|privileged)$/);
    }
  });
});

describe('9. access: API servers and Argo CD trust the realm whose groups the RoleBindings name', () => {
  it('configures the EKS identity provider and Argo CD with the same issuer', () => {
    for (const env of platform.environments.filter((e) => e.clusters.some((c) => c.cloud === 'aws'))) {
      const oidc = kubernetesOidc(env);
      const [config] = resources(stack(`${env.name}-aws`), 'aws_eks_identity_provider_config');
      expect(config.oidc).toMatchObject({ issuer_url: oidc.issuerUrl, client_id: oidc.clientId, groups_claim: oidc.groupsClaim });
    }
    const argo = values('argo-cd');
    const oidc = kubernetesOidc(platform.environments.find((e) => e.name === 'prod')!);
    expect(argo.configs.cm['oidc.config']).toContain(`issuer: ${oidc.issuerUrl}`);
    expect(argo.configs.cm['oidc.config']).not.toMatch(/clientSecret: [^$]/);
    expect(argo.configs.rbac['policy.default']).toBe('');
  });

  it('binds tenant roles to groups of the form the brokered realm delivers (<realm>:tenant-<role>)', () => {
    const bindings = prodAws().filter((m) => m.kind === 'RoleBinding' && m.metadata.namespace?.startsWith('tenant-'));
    expect(bindings.length).toBeGreaterThan(0);
    for (const b of bindings)
      for (const s of b.subjects.filter((x: M) => x.kind === 'Group')) expect(s.name).toMatch(/^[a-z0-9-]+:tenant-(admin|developer|viewer)$/);
  });
});

describe('10. security holes closed', () => {
  const policies = () => prodAws().filter((m) => m.kind === 'ClusterPolicy');
  it('reserves cnpg.io/podRole to the CloudNativePG operator', () => {
    const p = policies().find((m) => m.metadata.name === 'ceres-reserved-labels');
    expect(p.spec.rules[0].exclude.any[0].subjects).toEqual([
      { kind: 'ServiceAccount', name: values('cloudnative-pg').serviceAccount.name, namespace: 'cnpg-system' },
    ]);
    expect(p.spec.rules[0].validate.failureAction).toBe('Enforce');
  });

  it('refuses Service externalIPs (CVE-2020-8554) and tenant NodePorts', () => {
    const p = policies().find((m) => m.metadata.name === 'ceres-service-exposure');
    expect(p.spec.rules.map((r: M) => r.name)).toEqual(['no-external-ips', 'no-tenant-nodeports']);
  });

  it('keeps plaintext Secrets, bare Pods and the mesh edge out of tenant AppProjects', () => {
    const projects = prodAws().filter((m) => m.kind === 'AppProject' && m.metadata.name.startsWith('tenant-'));
    expect(projects.length).toBeGreaterThan(0);
    for (const p of projects) {
      const denied = p.spec.namespaceResourceBlacklist.map((k: M) => `${k.group}/${k.kind}`);
      for (const k of [
        '/Secret',
        '/Pod',
        'networking.istio.io/Gateway',
        'networking.istio.io/VirtualService',
        'networking.istio.io/ServiceEntry',
        'networking.istio.io/EnvoyFilter',
        'security.istio.io/*',
      ])
        expect(denied).toContain(k);
    }
  });
});

describe('11. defaults that fit', () => {
  it("sizes Loki's caches: none outside HA environments, at most 2 GiB where they run (the chart asks ~9.6 GiB)", () => {
    for (const env of platform.environments) {
      const objects = defaultSynthesis()
        .environments.find((e) => e.name === env.name)!
        .objects.map((o) => o.manifest as M);
      for (const app of objects.filter((m) => m.kind === 'Application' && m.metadata.labels?.['ceres.io/addon'] === 'loki')) {
        const v = app.spec.source.helm.valuesObject;
        if (!env.sizing.ha) expect([v.chunksCache.enabled, v.resultsCache.enabled]).toEqual([false, false]);
        expect((v.chunksCache.allocatedMemory ?? 0) + (v.resultsCache.allocatedMemory ?? 0)).toBeLessThanOrEqual(2048);
        expect(v.lokiCanary.enabled).toBe(false);
      }
    }
  });
});

describe('7. SealedSecrets open on every cluster that syncs them', () => {
  it("shares one sealing key per environment: no key renewal, and every other cluster copies the primary's key at bootstrap", () => {
    for (const env of platform.environments) {
      const rendered = defaultSynthesis().environments.find((e) => e.name === env.name)!;
      const primary = env.clusters.find((c) => c.role === 'primary')!;
      for (const cluster of env.clusters) {
        const objects = rendered.view.clusters.get(cluster.name)!.map((o) => o.manifest as M);
        const app = objects.find((m) => m.kind === 'Application' && m.metadata.labels?.['ceres.io/addon'] === 'sealed-secrets');
        if (!app) continue;
        expect(JSON.stringify(app.spec.source.helm.valuesObject)).toMatch(/"keyrenewperiod":"0"/i);
        const readme = rendered.files.get(`${env.name}/clusters/${cluster.name}/bootstrap/README.md`)!;
        if (cluster === primary) expect(readme).not.toContain('sealed-secrets-key=active');
        else expect(readme).toContain(`kubectl --context ${primary.name} -n sealed-secrets get secret -l sealedsecrets.bitnami.com/sealed-secrets-key=active`);
      }
    }
  });
});
