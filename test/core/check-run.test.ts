import { platformAddOns } from '../../apps/platform/main';
import { CheckedObject, CheckRun, CORE_CHECKS, defineCheck, ObjectRef, RenderedObject, uniqueObjects } from '../../lib/core/checks';
import { composePlatform } from '../../lib/core/composition';
import { FIXTURE_INPUT, renderAddOns } from '../support/harness';

const obj = (kind: string, name: string, apiVersion = 'v1'): RenderedObject => ({
  environment: 'e',
  folder: 'f',
  file: 'e/f/x.yaml',
  manifest: { apiVersion, kind, metadata: { name } },
});

describe('CheckRun', () => {
  it('reads each object only with the checks concerned with its kind, in the objects order', () => {
    const seen: string[] = [];
    const check = defineCheck<string>({
      name: 'services',
      kinds: ['Service'],
      fact: (o) => {
        seen.push(o.manifest.metadata.name!);
        return o.manifest.metadata.name;
      },
      across: (facts) => facts.map((f) => `${f.fact} in ${f.ref.file}`),
    });
    expect(check.check([obj('Service', 'a'), obj('Namespace', 'b'), obj('Service', 'd')])).toEqual(['a in e/f/x.yaml', 'd in e/f/x.yaml']);
    expect(seen).toEqual(['a', 'd']);
  });

  it('refuses a check with nothing to run, two checks of one name, and kept results of a check it does not run', () => {
    expect(() => new CheckRun([{ name: 'empty', check: () => ['never run'] }])).toThrow(/neither local, fact nor across/);
    const one = defineCheck({ name: 'one', local: () => [] });
    expect(() => new CheckRun([one, one])).toThrow(/two checks are named one/);
    const where = { environment: 'e', folder: 'f', file: 'e/f/x.yaml' };
    expect(() => new CheckRun([one]).addKept(where, { apiVersion: 'v1', kind: 'Namespace', checks: { other: { fact: 1 } } })).toThrow(/check other/);
  });

  it('gives from kept results (through JSON, as the render cache keeps them) exactly the problems it gives from the objects', () => {
    // The fixture platform, rendered and kept, then broken so that every kind of cross-object rule
    // fails somewhere: Services, ServiceAccounts, Deployments, default-deny policies and cost labels removed.
    const addOns = platformAddOns();
    const rendered = renderAddOns(addOns, { input: FIXTURE_INPUT });
    const dropped = new Set(['Service', 'ServiceAccount', 'Deployment', 'PeerAuthentication']);
    const broken: RenderedObject[] = rendered.objects
      .filter((o) => !dropped.has(o.manifest.kind))
      .filter((o) => !(o.manifest.kind === 'NetworkPolicy' && o.manifest.metadata.name === 'default-deny'))
      .filter((o) => !(o.manifest.kind === 'AuthorizationPolicy' && !o.manifest.spec?.rules?.length && !o.manifest.spec?.selector))
      .map((o) => {
        if (o.manifest.kind !== 'Namespace') return o;
        const labels = { ...o.manifest.metadata.labels };
        delete labels['ceres.io/cost-center'];
        return { ...o, manifest: { ...o.manifest, metadata: { ...o.manifest.metadata, labels } } };
      });
    // And objects wrong by themselves (each check's own problems): a wildcard Role, a plaintext Secret.
    const at = { environment: rendered.objects[0].environment, folder: 'extra', file: `${rendered.objects[0].environment}/extra/extra.yaml` };
    broken.push(
      {
        ...at,
        manifest: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'wild', namespace: 'ceres' }, rules: [{ verbs: ['*'] }] },
      },
      { ...at, manifest: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'plain', namespace: 'ceres' }, data: { k: 'dg==' } } },
    );
    const checks = [...CORE_CHECKS, ...composePlatform(addOns).checks];
    const clusters = (refs: Map<RenderedObject, ObjectRef>) =>
      new Map([...rendered.view.clusters].map(([c, list]) => [c, list.filter((o) => refs.has(o)).map((o) => refs.get(o)!)]));

    const fresh = new CheckRun(checks);
    const freshRefs = new Map<RenderedObject, ObjectRef>();
    const kept: [RenderedObject, CheckedObject][] = [];
    for (const o of broken) {
      const { ref, checked } = fresh.add(o);
      freshRefs.set(o, ref);
      kept.push([o, JSON.parse(JSON.stringify(checked)) as CheckedObject]);
    }
    const fromObjects = fresh.problems(clusters(freshRefs));

    const again = new CheckRun(checks);
    const keptRefs = new Map<RenderedObject, ObjectRef>();
    for (const [o, checked] of kept) keptRefs.set(o, again.addKept(o, checked));
    const fromKept = again.problems(clusters(keptRefs));

    // Many checks found something (the comparison is not between two empty lists).
    const failing = new Set(fromObjects.map((p) => /^\[([^\]]+)\]/.exec(p)![1]));
    expect([...failing].sort()).toEqual(
      expect.arrayContaining([
        'no-plaintext-secrets',
        'no-rbac-wildcards',
        'cost-allocation',
        'hosts-resolve',
        'mesh-default-deny',
        'namespace-default-deny',
        'no-permissive-mtls',
        'principals-exist',
        'subsets-match-workloads',
      ]),
    );
    expect(fromKept).toEqual(fromObjects);
  });
});

describe('unique-objects: one owner per group, kind, namespace and name on each cluster', () => {
  const at = (file: string, apiVersion: string, kind: string, name: string, namespace?: string): RenderedObject => ({
    environment: 'e',
    folder: 'f',
    file,
    manifest: { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } },
  });
  const problems = (objects: RenderedObject[], clusters = ['c1']) => uniqueObjects.check(objects, { clusters: new Map(clusters.map((c) => [c, objects])) });

  it('passes objects that differ in namespace, kind or API group, whatever their version', () => {
    expect(
      problems([
        at('a.yaml', 'networking.k8s.io/v1', 'NetworkPolicy', 'default-deny', 'tenant-a'),
        at('b.yaml', 'networking.k8s.io/v1', 'NetworkPolicy', 'default-deny', 'tenant-b'),
        at('c.yaml', 'v1', 'ServiceAccount', 'default-deny', 'tenant-a'),
        // Same kind name in two API groups: two kinds.
        at('d.yaml', 'networking.istio.io/v1', 'Gateway', 'ingress', 'mesh'),
        at('e.yaml', 'gateway.networking.k8s.io/v1', 'Gateway', 'ingress', 'mesh'),
        // Cluster-scoped and namespaced objects of one name.
        at('f.yaml', 'v1', 'Namespace', 'tenant-a'),
        at('g.yaml', 'v1', 'ConfigMap', 'tenant-a', 'tenant-a'),
      ]),
    ).toEqual([]);
  });

  it('reports each later object of the same group, kind, namespace and name, naming the first owner and the cluster', () => {
    const objects = [
      at('a.yaml', 'networking.k8s.io/v1', 'NetworkPolicy', 'default-deny', 'tenant-a'),
      at('b.yaml', 'v1', 'ServiceAccount', 'default-deny', 'tenant-a'),
      // Another version of the same group: the same object for the API server.
      at('c.yaml', 'networking.k8s.io/v1beta1', 'NetworkPolicy', 'default-deny', 'tenant-a'),
      at('d.yaml', 'networking.k8s.io/v1', 'NetworkPolicy', 'default-deny', 'tenant-a'),
      // Core group, cluster-scoped; and a namespace given as '' is no namespace.
      at('e.yaml', 'v1', 'Namespace', 'tenant-a'),
      { ...at('f.yaml', 'v1', 'Namespace', 'tenant-a'), manifest: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-a', namespace: '' } } },
    ];
    const found = problems(objects, ['c1', 'c2']);
    expect(found).toHaveLength(6);
    expect(found.filter((p) => p.includes('(both applied by c1)'))).toHaveLength(3);
    expect(found.every((p) => /also rendered in dist\/(a|e)\.yaml; each object must have one owner/.test(p))).toBe(true);
    expect(found.filter((p) => p.includes('dist/a.yaml'))).toHaveLength(4);
    // Applied by one cluster only: reported once, for it.
    expect(problems(objects.slice(0, 4), ['only'])).toHaveLength(2);
  });
});
