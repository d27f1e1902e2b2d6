import { ClusterIssuers } from '../../lib/core/argocd';
import { CertificatesAddOn } from '../../lib/certificates';
import { AcmeServers } from '../../lib/certificates/acme-cluster-issuer';
import { GitOpsAddOn } from '../../lib/gitops';
import { MeshAddOn } from '../../lib/mesh';
import { WorkloadsAddOn } from '../../lib/workloads';
import { baseAddOns, find, FixtureClusters, helmApp, helmValues, ofKind, renderAddOns, yamlFiles, yamlOf } from '../support/harness';

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
    const config = out.objects.find((o) => o.manifest.kind === 'Application' && o.manifest.spec.source?.path === `dist/${ENV}/operator-config`)!;
    const wave = (m: any) => Number(m.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    expect(wave(config.manifest)).toBeGreaterThan(wave(helmApp(out, aws, 'cert-manager')));
  });
});

describe('the YAML', () => {
  it('matches the reviewed ClusterIssuers and the cert-manager Application', () => {
    expect(yamlFiles(out, new RegExp(`^${ENV}/operator-config/`))).toMatchSnapshot();
    expect(yamlOf([helmApp(out, aws, 'cert-manager')])).toMatchSnapshot();
  });
});
