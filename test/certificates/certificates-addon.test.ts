import { ClusterIssuers } from '../../lib/core/argocd';
import { CertificatesAddOn } from '../../lib/certificates';
import { AcmeServers } from '../../lib/certificates/acme-cluster-issuer';
import { GitOpsAddOn } from '../../lib/gitops';
import { MeshAddOn } from '../../lib/mesh';
import { WorkloadsAddOn } from '../../lib/workloads';
import {
  baseAddOns,
  find,
  FixtureClusters,
  FIXTURE_SERVICES,
  fixturePlatform,
  helmApp,
  helmValues,
  ofKind,
  renderAddOns,
  yamlFiles,
  yamlOf,
} from '../support/harness';
import { DNS01_SOLVER, dnsChallengeSolver } from '../../lib/core/traffic-failover';

/**
 * The certificates add-on: cert-manager and the Let's Encrypt ClusterIssuers, rendered with the mesh
 * whose ingress gateway asks them for certificates and answers their HTTP-01 challenges.
 */
const out = renderAddOns([...baseAddOns(), new WorkloadsAddOn(), new MeshAddOn(), new CertificatesAddOn(), new GitOpsAddOn()]);
const ENV = out.environment.name;
const aws = FixtureClusters.aws.name;
const issuers = ofKind(out, 'ClusterIssuer');

describe('ACME ClusterIssuers', () => {
  it("are Let's Encrypt production and staging, with the environment's contact address", () => {
    expect(issuers.map((i) => [i.metadata.name, i.spec.acme.server]).sort()).toEqual(
      [
        [ClusterIssuers.production, AcmeServers.production],
        [ClusterIssuers.staging, AcmeServers.staging],
      ].sort(),
    );
    for (const i of issuers) expect(i.spec.acme.email).toBe(`certificates@${out.environment.baseDomain}`);
    expect(
      ofKind(renderAddOns([...baseAddOns(), new CertificatesAddOn({ acmeEmail: 'pki@example.test' })]), 'ClusterIssuer').map((i) => i.spec.acme.email),
    ).toEqual(['pki@example.test', 'pki@example.test']);
  });

  it('answer HTTP-01 challenges through the IngressClass the mesh serves on its ingress gateway', () => {
    const ingressClass = find(out, 'IngressClass', issuers[0].spec.acme.solvers[0].http01.ingress.ingressClassName);
    expect(ingressClass.spec.controller).toBe('istio.io/ingress-controller');
    for (const i of issuers) expect(i.spec.acme.solvers).toEqual([{ http01: { ingress: { ingressClassName: ingressClass.metadata.name } } }]);
    const mesh = helmValues(out, aws, 'istiod').meshConfig;
    expect([mesh.ingressClass, mesh.ingressControllerMode]).toEqual([ingressClass.metadata.name, 'STRICT']);
  });

  it("issue the ingress gateway's certificates", () => {
    const names = new Set(issuers.map((i) => i.metadata.name));
    const certificates = ofKind(out, 'Certificate');
    expect(certificates.length).toBeGreaterThan(0);
    for (const c of certificates) {
      expect(c.spec.issuerRef.kind).toBe('ClusterIssuer');
      expect(names).toContain(c.spec.issuerRef.name);
    }
  });

  it('sync after cert-manager installs their CRDs', () => {
    const config = out.objects.find(
      (o) => o.manifest.kind === 'Application' && o.manifest.spec.source?.path === `dist/${ENV}/clusters/${aws}/operator-config`,
    )!;
    const wave = (m: any) => Number(m.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    expect(wave(config.manifest)).toBeGreaterThan(wave(helmApp(out, aws, 'cert-manager')));
  });
});

describe('the YAML', () => {
  it('matches the reviewed ClusterIssuers and the cert-manager Application', () => {
    expect(yamlFiles(out, new RegExp(`^${ENV}/clusters/${aws}/operator-config/`))).toMatchSnapshot();
    expect(yamlOf([helmApp(out, aws, 'cert-manager')])).toMatchSnapshot();
  });
});

describe('a cluster that takes traffic only after a failover', () => {
  // AWS primary and Azure secondary: *.<baseDomain> answers the primary while it is healthy, so an
  // HTTP-01 challenge of the secondary would be validated at the primary's gateway.
  const two = renderAddOns([...baseAddOns(), new WorkloadsAddOn(), new MeshAddOn(), new CertificatesAddOn(), new GitOpsAddOn()], {
    platform: fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure] }),
  });
  const azure = FixtureClusters.azure.name;
  const on = (cluster: string, kind: string) => [...two.view.clusters.get(cluster)!].map((o) => o.manifest).filter((m) => m.kind === kind);
  const solver = dnsChallengeSolver(two.environment, FixtureClusters.azure)!;

  it("solves DNS-01 through Route 53 with the zone stack's role, where the primary keeps HTTP-01", () => {
    expect(solver.zone).toBe(two.environment.baseDomain);
    for (const issuer of on(azure, 'ClusterIssuer'))
      expect(issuer.spec.acme.solvers).toEqual([
        {
          dns01: {
            route53: {
              region: DNS01_SOLVER.region,
              role: solver.roleArn,
              auth: { kubernetes: { serviceAccountRef: { name: DNS01_SOLVER.serviceAccount } } },
            },
          },
        },
      ]);
    for (const issuer of on(aws, 'ClusterIssuer')) expect(Object.keys(issuer.spec.acme.solvers[0])).toEqual(['http01']);
    expect(
      on(azure, 'ClusterIssuer')
        .map((i) => i.metadata.name)
        .sort(),
    ).toEqual(
      on(aws, 'ClusterIssuer')
        .map((i) => i.metadata.name)
        .sort(),
    );
  });

  it("lets cert-manager's controller request tokens of the solver's ServiceAccount, and nothing else", () => {
    const [account] = on(azure, 'ServiceAccount').filter((m) => m.metadata.name === DNS01_SOLVER.serviceAccount);
    expect(account).toMatchObject({ metadata: { namespace: DNS01_SOLVER.namespace }, automountServiceAccountToken: false });
    const [binding] = on(azure, 'RoleBinding').filter((b) => b.metadata.namespace === DNS01_SOLVER.namespace);
    const [role] = on(azure, 'Role').filter((r) => r.metadata.name === binding.roleRef.name);
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['serviceaccounts/token'], resourceNames: [DNS01_SOLVER.serviceAccount], verbs: ['create'] }]);
    // The controller's ServiceAccount is the chart's, named after the release.
    const release = helmApp(two, azure, 'cert-manager').spec.source;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: release.helm?.releaseName ?? release.chart, namespace: DNS01_SOLVER.namespace }]);
    expect(on(aws, 'ServiceAccount').filter((m) => m.metadata.name === DNS01_SOLVER.serviceAccount)).toEqual([]);
  });

  it('lets the controller ask the authoritative name servers for the challenge record (DNS, port 53)', () => {
    const names = (cluster: typeof FixtureClusters.aws | typeof FixtureClusters.azure) =>
      new CertificatesAddOn()
        .flows({ platform: two.platform, environment: two.environment, cluster, tenants: [], databases: [], services: FIXTURE_SERVICES } as never)
        .map((f) => f.name);
    expect(names(FixtureClusters.azure)).toContain('certificates/controller-to-authoritative-dns');
    expect(names(FixtureClusters.aws)).not.toContain('certificates/controller-to-authoritative-dns');
  });
});
