import { platformAddOns } from '../../apps/platform/main';
import { controlPlaneNetwork, nodeAddresses, workloadIdentityEndpoint } from '../../lib/core/cloud';
import { composePlatform } from '../../lib/core/composition';
import { Flow, PodSet } from '../../lib/core/flows';
import { ClusterConfig } from '../../lib/core/model';
import { placementApplies, WORKLOAD_CLUSTERS } from '../../lib/core/topology';
import { flowAllowances, namespaceDefaultDeny, NETWORK_ISOLATION_LABEL, slug, slugByRules } from '../../lib/hardening';
import { ClusterState, StateObject } from '../../lib/verify';
import { evaluateEgress, evaluateIngress, indexFlowState, networkPolicyFindings, podInstances } from '../../lib/verify/checks/flows';
import { appliedBy, FIXTURE_SERVICES, FixtureClusters, fixturePlatform, TENANT_PER_TIER, renderAddOns, yamlFiles } from '../support/harness';
import { rng } from '../support/yaml-fuzz';

/**
 * Every platform namespace is default-deny, and its allowances are exactly the flows the add-ons
 * declare: rendered with the platform's add-ons on the fixture platform (one cluster per cloud), then
 * judged with verify's NetworkPolicy evaluator.
 */
const clusters = [FixtureClusters.aws, FixtureClusters.azure, FixtureClusters.gcp, FixtureClusters.edge] as ClusterConfig[];
const platform = fixturePlatform({ clusters });
const addOns = platformAddOns();
const composed = composePlatform(addOns);
const out = renderAddOns(addOns, { platform, input: TENANT_PER_TIER });

function flowsOf(cluster: ClusterConfig): readonly Flow[] {
  const tenants = placementApplies(WORKLOAD_CLUSTERS, cluster) ? TENANT_PER_TIER.tenants : [];
  return composed.catalog.flows({ platform, environment: out.environment, cluster, tenants, databases: [], services: FIXTURE_SERVICES });
}

function stateOf(cluster: ClusterConfig): ClusterState {
  const objects: StateObject[] = appliedBy(out, cluster.name).map((o) => ({ manifest: o.manifest, file: o.file, application: o.folder }));
  return { platform, environment: out.environment, cluster, objects, releases: [], flows: flowsOf(cluster) };
}

/** The platform namespaces the platform renders on a cluster: declared by an add-on, a chart of the cluster installs there. */
function platformNamespaces(cluster: ClusterConfig): string[] {
  const used = new Set(composed.catalog.charts.filter((c) => placementApplies(c.placement, cluster)).map((c) => c.namespace));
  return composed.catalog.namespaces.filter((n) => (n.renderedBy ?? 'platform') === 'platform' && used.has(n.name)).map((n) => n.name);
}

const isDefaultDeny = (m: any) =>
  m.kind === 'NetworkPolicy' &&
  Object.keys(m.spec.podSelector ?? {}).length === 0 &&
  [...m.spec.policyTypes].sort().join() === 'Egress,Ingress' &&
  !m.spec.ingress?.length &&
  !m.spec.egress?.length;

describe.each(clusters.map((c) => [c.name, c] as const))('platform namespaces of %s', (_name, cluster) => {
  const objects = appliedBy(out, cluster.name).map((o) => o.manifest);
  const namespaces = platformNamespaces(cluster);

  it('are many, each labelled for isolation and sealed by a default deny', () => {
    expect(namespaces.length).toBeGreaterThanOrEqual(5);
    for (const ns of namespaces) {
      const namespace = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === ns);
      expect(namespace?.metadata.labels?.[NETWORK_ISOLATION_LABEL]).toBe('default-deny');
      expect(objects.filter((o) => o.metadata.namespace === ns && isDefaultDeny(o)).map((o) => o.metadata.name)).toEqual(['default-deny']);
    }
  });

  it('include the namespaces an add-on renders itself (ceres): every declared namespace the cluster gets is default-deny, only kube-system is the cluster’s', () => {
    const declared = composed.catalog.namespaces.filter((n) => n.renderedBy !== 'cluster').map((n) => n.name);
    const present = objects.filter((o) => o.kind === 'Namespace' && declared.includes(o.metadata.name!)).map((o) => o.metadata.name!);
    expect(present.length).toBeGreaterThanOrEqual(namespaces.length);
    for (const ns of present) expect({ ns, denied: objects.some((o) => o.metadata.namespace === ns && isDefaultDeny(o)) }).toEqual({ ns, denied: true });
    expect(composed.catalog.namespaces.filter((n) => n.renderedBy === 'cluster').map((n) => n.name)).toEqual(['kube-system']);
  });

  it('allow every declared flow at both ends, and each end is isolated (the allow is what lets it through)', () => {
    const state = stateOf(cluster);
    expect(networkPolicyFindings(state)).toEqual([]);
    const index = indexFlowState(state);
    const inPlatform = (set: PodSet) => namespaces.includes(set.namespace);
    let judged = 0;
    for (const f of state.flows) {
      const ports = f.to.ports;
      if ('pods' in f.from && inPlatform(f.from.pods)) {
        const dst =
          'pods' in f.to
            ? { kind: 'pods' as const, pod: podInstances(index, f.to.pods)[0] }
            : { kind: 'external' as const, cidrs: f.to.external.cidrs, except: f.to.external.except };
        for (const src of podInstances(index, f.from.pods))
          for (const port of ports) {
            const v = evaluateEgress(index, src, dst, port);
            expect({ flow: f.name, allowed: v.allowed, isolated: v.isolatedBy.length > 0 }).toEqual({ flow: f.name, allowed: true, isolated: true });
            judged++;
          }
      }
      if ('pods' in f.to && inPlatform(f.to.pods)) {
        const src =
          'pods' in f.from
            ? { kind: 'pods' as const, pod: podInstances(index, f.from.pods)[0] }
            : 'external' in f.from
              ? { kind: 'external' as const, cidrs: f.from.external.cidrs, except: f.from.external.except }
              : {
                  kind: 'apiServer' as const,
                  callers: {
                    cidrs: controlPlaneNetwork(cluster).callers.cidrs,
                    pods: controlPlaneNetwork(cluster).callers.pods.flatMap((p) => podInstances(index, p)),
                  },
                };
        for (const dst of podInstances(index, f.to.pods))
          for (const port of ports) {
            const v = evaluateIngress(index, dst, src, port);
            expect({ flow: f.name, allowed: v.allowed, isolated: v.isolatedBy.length > 0 }).toEqual({ flow: f.name, allowed: true, isolated: true });
            judged++;
          }
      }
    }
    expect(judged).toBeGreaterThan(20);
  });

  it('allow nothing that was not declared: undeclared connections into and out of platform namespaces are denied', () => {
    const state = stateOf(cluster);
    const index = indexFlowState(state);
    for (const ns of namespaces) {
      const pod = podInstances(index, { namespace: ns, podLabels: { 'ceres.io/test': 'undeclared' } })[0];
      // No flow leaves a platform namespace for SSH, nor arrives from a tenant.
      expect(evaluateEgress(index, pod, { kind: 'external', cidrs: ['0.0.0.0/0'] }, { port: 22 }).allowed).toBe(false);
      const tenant = podInstances(index, { namespace: `tenant-${TENANT_PER_TIER.tenants[0].tenantId}`, podLabels: { app: 'x' } })[0];
      expect(evaluateIngress(index, pod, { kind: 'pods', pod: tenant }, { port: 8080 }).allowed).toBe(false);
    }
  });
});

describe('DNS', () => {
  it("reaches kube-dns everywhere and, on GKE, the node's resolvers (NodeLocal DNSCache, Cloud DNS) on 53 only", () => {
    for (const cluster of clusters) {
      const index = indexFlowState(stateOf(cluster));
      for (const ns of platformNamespaces(cluster)) {
        const pod = podInstances(index, { namespace: ns })[0];
        const dns = podInstances(index, { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } })[0];
        expect(evaluateEgress(index, pod, { kind: 'pods', pod: dns }, { port: 53, protocol: 'UDP' }).allowed).toBe(true);
        const nodeLocal = evaluateEgress(index, pod, { kind: 'external', cidrs: ['169.254.20.10/32'] }, { port: 53, protocol: 'UDP' }).allowed;
        expect({ ns, cloud: cluster.cloud, nodeLocal }).toEqual({ ns, cloud: cluster.cloud, nodeLocal: cluster.cloud === 'gcp' });
        expect(evaluateEgress(index, pod, { kind: 'external', cidrs: ['169.254.169.254/32'] }, { port: 80 }).allowed).toBe(false);
      }
    }
  });
});

describe('workload identity', () => {
  it("lets Velero reach the cloud's credential endpoint on the node, never the instance metadata service", () => {
    for (const cluster of clusters.filter((c) => platformNamespaces(c).includes('velero'))) {
      const index = indexFlowState(stateOf(cluster));
      const velero = podInstances(index, { namespace: 'velero', podLabels: { 'app.kubernetes.io/name': 'velero' } })[0];
      const endpoint = workloadIdentityEndpoint(cluster);
      if (endpoint) expect(evaluateEgress(index, velero, { kind: 'external', cidrs: endpoint.cidrs }, { port: endpoint.ports[0] }).allowed).toBe(true);
      expect(evaluateEgress(index, velero, { kind: 'external', cidrs: ['169.254.169.254/32'] }, { port: 80 }).allowed).toBe(false);
    }
    expect(workloadIdentityEndpoint(FixtureClusters.aws as ClusterConfig)).toEqual({ cidrs: ['169.254.170.23/32'], ports: [80] });
  });

  it('keeps every platform pod away from the instance metadata service, though some reach every public address on 80 and 443', () => {
    let publicEgress = 0;
    for (const cluster of clusters) {
      const index = indexFlowState(stateOf(cluster));
      for (const ns of platformNamespaces(cluster)) {
        for (const pod of podInstances(index, { namespace: ns, podLabels: {} }).concat(
          index.templates.filter((t) => t.namespace === ns).map((t) => podInstances(index, { namespace: ns, podLabels: t.labels })[0]),
        )) {
          for (const port of [80, 443]) {
            expect(evaluateEgress(index, pod, { kind: 'external', cidrs: ['169.254.169.254/32'] }, { port }).allowed).toBe(false);
            if (evaluateEgress(index, pod, { kind: 'external', cidrs: ['203.0.113.7/32'] }, { port }).allowed) publicEgress++;
          }
        }
      }
    }
    expect(publicEgress).toBeGreaterThan(0);
  });
});

describe('flowAllowances', () => {
  const kyverno: PodSet = { namespace: 'kyverno', podLabels: { app: 'kyverno' } };
  const webhook: Flow = {
    name: 'hardening/api-server-to-kyverno',
    from: { apiServer: true },
    to: { pods: kyverno, ports: [{ port: 9443 }] },
    reason: 'webhook',
  };

  it('admit the API server from where each cloud sends webhook calls', () => {
    const aws = flowAllowances('kyverno', [webhook], FixtureClusters.aws as ClusterConfig)[0];
    expect(aws.peers).toEqual(nodeAddresses(FixtureClusters.aws as ClusterConfig).map((cidr) => ({ kind: 'cidr', cidr })));
    const azure = flowAllowances('kyverno', [webhook], FixtureClusters.azure as ClusterConfig)[0];
    expect(azure.peers).toEqual([{ kind: 'namespace', namespace: 'kube-system', podLabels: { app: 'konnectivity-agent' } }]);
    const gcp = flowAllowances('kyverno', [webhook], FixtureClusters.gcp as ClusterConfig)[0];
    expect(gcp.peers.map((p) => p.kind)).toEqual(['cidr', 'namespace']);
    expect(aws).toMatchObject({
      name: 'in-hardening-api-server-to-kyverno',
      direction: 'ingress',
      podLabels: kyverno.podLabels,
      ports: [{ port: 9443, protocol: 'TCP' }],
    });
  });

  it('give a flow inside one namespace an egress and an ingress allowance, and keep names unique', () => {
    const local: Flow = {
      name: 'x/a-to-b',
      from: { pods: { namespace: 'argocd', podLabels: { c: 'a' } } },
      to: { pods: { namespace: 'argocd', podLabels: { c: 'b' } }, ports: [{ port: 1 }] },
      reason: 'r',
    };
    const allowances = flowAllowances('argocd', [local, { ...local, name: 'x/a to b' }], FixtureClusters.aws as ClusterConfig);
    expect(allowances.map((a) => [a.name, a.direction])).toEqual([
      ['out-x-a-to-b', 'egress'],
      ['in-x-a-to-b', 'ingress'],
      ['out-x-a-to-b-2', 'egress'],
      ['in-x-a-to-b-2', 'ingress'],
    ]);
    expect(flowAllowances('kyverno', [local], FixtureClusters.aws as ClusterConfig)).toEqual([]);
    expect(slug('mesh/sidecars-to-istiod/tenant-acme')).toBe('mesh-sidecars-to-istiod-tenant-acme');
  });
});

describe('the YAML', () => {
  it('matches the reviewed policies of cert-manager on the fixture EKS cluster', () => {
    const files = Object.entries(yamlFiles(out, (p) => p.endsWith(`clusters/${FixtureClusters.aws.name}/platform-namespaces/network-policies.yaml`)));
    expect(files).toHaveLength(1);
    const docs = files[0][1].split(/^---$/m).filter((d) => /namespace: cert-manager$/m.test(d));
    expect(docs.join('---')).toMatchSnapshot();
  });
});

describe('namespace-default-deny', () => {
  it('fails when a platform namespace loses its default deny', () => {
    const objects = out.objects;
    expect(namespaceDefaultDeny.check(objects)).toEqual([]);
    const victim = platformNamespaces(FixtureClusters.aws as ClusterConfig).find((n) => n === 'monitoring')!;
    const without = objects.filter((o) => !(o.manifest.metadata.namespace === victim && isDefaultDeny(o.manifest)));
    expect(namespaceDefaultDeny.check(without).join('\n')).toContain(`Namespace ${victim}`);
  });
});

describe('slug (a flow name as a DNS-1123 name part)', () => {
  it('gives what its rules give (lower case, runs of other characters one dash, none at either end), for ASCII and other names', () => {
    const random = rng(23);
    const alphabet = ['a', 'Z', 'q', '0', '9', '-', '/', '_', '.', ' ', ':', '--', 'É', 'İ', 'ß', 'ǅ', '😀', '\u0000', '\u007f'];
    const names = ['', '-', '---', 'mesh/sidecars-to-istiod/ceres', 'databases/operator-to-instances/tenant-acme-001', '-A-', 'a//b', 'İstanbul', 'Straße'];
    for (let n = 0; n < 3000; n++)
      names.push(Array.from({ length: Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''));
    const differing = names.filter((name) => slug(name) !== slugByRules(name));
    expect(differing).toEqual([]);
    expect(slug('mesh/sidecars-to-istiod/ceres')).toBe('mesh-sidecars-to-istiod-ceres');
  });
});
