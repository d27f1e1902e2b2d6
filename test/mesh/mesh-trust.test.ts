import { GitOpsAddOn } from '../../lib/gitops';
import { MESH_CA_FOLDER, MESH_CA_SECRET, MeshAddOn, meshCaAlerts, meshMembership } from '../../lib/mesh';
import { ObservabilityAddOn } from '../../lib/observability';
import { WorkloadsAddOn } from '../../lib/workloads';
import { appliedBy, baseAddOns, FixtureClusters, fixturePlatform, helmValues, renderAddOns } from '../support/harness';

/** Two clouds and an edge site in one environment: one mesh across them. */
const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure, FixtureClusters.edge] });
const rendered = renderAddOns([...baseAddOns(), new WorkloadsAddOn(), new MeshAddOn(), new ObservabilityAddOn(), new GitOpsAddOn()], { platform });
const env = rendered.environment;
const runs = (cluster: string, chart: string) =>
  appliedBy(rendered, cluster).some((o) => o.manifest.kind === 'Application' && o.manifest.metadata.labels?.['ceres.io/addon'] === chart);
const meshed = env.clusters.filter((c) => runs(c.name, 'istiod'));

describe('one mesh per environment', () => {
  it('runs istiod on more than one cluster of the fixture (else the rest proves nothing)', () => {
    expect(meshed.length).toBeGreaterThan(1);
  });

  it('gives every istiod the same mesh ID and trust domain, and its own cluster name and network', () => {
    const values = meshed.map((c) => helmValues(rendered, c.name, 'istiod'));
    expect(new Set(values.map((v) => v.global.meshID)).size).toBe(1);
    expect(new Set(values.map((v) => v.meshConfig.trustDomain)).size).toBe(1);
    expect(values.map((v) => v.global.multiCluster.clusterName)).toEqual(meshed.map((c) => c.name));
    expect(new Set(values.map((v) => v.global.network)).size).toBe(meshed.length);
    for (const c of meshed) expect(helmValues(rendered, c.name, 'istiod').global.meshID).toBe(meshMembership(env, c).meshId);
  });

  it("puts the intermediate CA into istiod's Secret before the root Application, in every meshed cluster's bootstrap README", () => {
    for (const c of meshed) {
      const readme = rendered.files.get(`${env.name}/clusters/${c.name}/bootstrap/README.md`)!;
      const plug = readme.indexOf(`create secret generic ${MESH_CA_SECRET}`);
      expect({ cluster: c.name, plugged: plug > 0 }).toEqual({ cluster: c.name, plugged: true });
      expect(readme.slice(plug - 200, plug)).toContain(`--context ${c.name} -n istio-system`);
      expect(plug).toBeLessThan(readme.indexOf('Apply the root Application'));
      for (const f of ['ca-cert.pem', 'ca-key.pem', 'root-cert.pem', 'cert-chain.pem']) expect(readme).toContain(`--from-file=${c.name}/${f}`);
    }
  });

  it('alerts on CA expiry where istiod runs and a Prometheus reads it, nowhere else', () => {
    const prometheus = (name: string) => runs(name, 'kube-prometheus-stack');
    for (const c of env.clusters) {
      const rules = appliedBy(rendered, c.name).filter((o) => o.manifest.kind === 'PrometheusRule' && o.manifest.metadata.name === 'ceres-mesh-ca');
      const expected = meshed.includes(c) && prometheus(c.name);
      expect({ cluster: c.name, alerts: rules.length }).toEqual({ cluster: c.name, alerts: expected ? 1 : 0 });
    }
    expect(meshed.some((c) => !prometheus(c.name))).toBe(true); // the edge site: mesh without Prometheus
    expect(
      meshCaAlerts()
        .alerts.map((a) => a.expr)
        .join(' '),
    ).toMatch(/citadel_server_cert_chain_expiry_seconds.*citadel_server_root_cert_expiry_seconds/);
    expect([...rendered.files.keys()].some((p) => p.startsWith(`${env.name}/${MESH_CA_FOLDER}/`))).toBe(true);
  });
});
