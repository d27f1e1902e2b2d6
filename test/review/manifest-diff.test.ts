import { toYamlStream } from '../../lib/core/yaml';
import { diffDist, objectRef, withoutCommonDocuments, withoutCommonResources } from '../../lib/review/manifest-diff';
import { formatDistDiff } from '../../lib/review/review';
import { lineDiff } from '../../lib/review/line-diff';
import { rng } from '../support/yaml-fuzz';

const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const cm = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ceres' }, data });
const pvc = {
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'tenant-a' },
  spec: { resources: { requests: { storage: '1Gi' } } },
};
const db = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'tenant-a' }, spec: { instances: 3 } };
const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' } };
const app = (name: string, prune: boolean) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name, namespace: 'argocd', annotations: prune ? {} : { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' } },
  spec: { syncPolicy: { automated: { prune, selfHeal: true } } },
});
const tree = (files: Record<string, unknown[]>) => new Map(Object.entries(files).map(([p, objs]) => [p, toYamlStream(objs)]));

describe('npm run diff classification', () => {
  it('reports added, removed and changed objects by kind, namespace and name', () => {
    const before = tree({ 'prod/core/a.yaml': [cm('kept', { a: '1' }), cm('gone', { b: '2' }), cm('edited', { c: '3' })] });
    const after = tree({ 'prod/core/a.yaml': [cm('kept', { a: '1' }), cm('edited', { c: '4' }), cm('new', { d: '5' })] });
    const diff = diffDist(before, after);
    const summary = diff.changes.map((c) => `${c.type} ${c.id.kind} ${c.id.namespace}/${c.id.name}`);
    expect(summary).toEqual(['removed ConfigMap ceres/gone', 'changed ConfigMap ceres/edited', 'added ConfigMap ceres/new']);
    expect(diff.changes[1].diff).toEqual(expect.arrayContaining(['-   c: "3"', '+   c: "4"']));
    expect(diff.destructive).toEqual([]);
  });

  it('treats an object moved to another file as a change, not a removal', () => {
    const diff = diffDist(tree({ 'prod/core/a.yaml': [cm('x', { a: '1' })] }), tree({ 'prod/core/b.yaml': [cm('x', { a: '1' })] }));
    expect(diff.changes.map((c) => c.type)).toEqual(['changed']);
    expect(diff.changes[0].diff[0]).toBe('# moved from dist/prod/core/a.yaml');
  });

  it('keys objects by environment: the same object in two environments is two objects', () => {
    const diff = diffDist(tree({ 'dev/core/a.yaml': [cm('x', { a: '1' })] }), tree({ 'prod/core/a.yaml': [cm('x', { a: '1' })] }));
    expect(diff.changes.map((c) => `${c.type} ${c.id.environment}`)).toEqual(['removed dev', 'added prod']);
  });

  it.each([
    ['a namespace', ns('tenant-a')],
    ['a PersistentVolumeClaim', pvc],
    ['a CloudNativePG database', db],
    ['a CRD', crd],
    ['a stateful Application', app('prod-tenant-a', false)],
  ])('flags removing %s as destructive', (_what, obj) => {
    const diff = diffDist(tree({ 'prod/x/a.yaml': [obj, cm('other', {})] }), tree({ 'prod/x/a.yaml': [cm('other', {})] }));
    expect(diff.destructive).toHaveLength(1);
    expect(diff.destructive[0].type).toBe('removed');
    expect(formatDistDiff(diff)).toContain('DESTRUCTIVE');
  });

  it('does not flag removing stateless objects or Applications that prune', () => {
    const diff = diffDist(tree({ 'prod/x/a.yaml': [cm('c', {}), app('prod-observability', true)] }), tree({}));
    expect(diff.changes).toHaveLength(2);
    expect(diff.destructive).toEqual([]);
  });

  it('flags a stateful Application that starts pruning', () => {
    const diff = diffDist(tree({ 'prod/argocd/a.yaml': [app('prod-core', false)] }), tree({ 'prod/argocd/a.yaml': [app('prod-core', true)] }));
    expect(diff.destructive.map((c) => c.type)).toEqual(['changed']);
  });

  it('flags an object that loses its Prune=false or Delete=false sync option, in plain or any other YAML form', () => {
    const keep = (options: string) => ({ ...pvc, metadata: { ...pvc.metadata, annotations: { 'argocd.argoproj.io/sync-options': options } } });
    const plain = diffDist(tree({ 'prod/t/a.yaml': [keep('Prune=false')] }), tree({ 'prod/t/a.yaml': [keep('ServerSideApply=true')] }));
    expect(plain.destructive.map((c) => c.destructive)).toEqual(['the object loses its Prune=false protection']);
    // Written by hand in flow style (parsed, not read by lines), and with an escape in the old text.
    const flow = (options: string) =>
      `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: tenant-a, annotations: {argocd.argoproj.io/sync-options: "${options}"}}\n`;
    const escaped = diffDist(new Map([['prod/t/a.yaml', flow('Delete\\x3dfalse')]]), new Map([['prod/t/a.yaml', flow('Delete=true')]]));
    expect(escaped.destructive.map((c) => c.destructive)).toEqual(['the object loses its Delete=false protection']);
    // A change that keeps the option is not flagged.
    expect(diffDist(tree({ 'prod/t/a.yaml': [keep('Prune=false')] }), tree({ 'prod/t/a.yaml': [keep('Prune=false,X=1')] })).destructive).toEqual([]);
  });

  it('compares other files (reports, READMEs) as files', () => {
    const diff = diffDist(
      new Map([['prod/reports/cost.md', 'a']]),
      new Map([
        ['prod/reports/cost.md', 'b'],
        ['prod/bootstrap/README.md', 'x'],
      ]),
    );
    expect(diff.changes).toEqual([]);
    expect(diff.files).toEqual({ added: ['prod/bootstrap/README.md'], removed: [], changed: ['prod/reports/cost.md'] });
  });

  it('names objects as approved-deletions.yaml does', () => {
    const diff = diffDist(tree({ 'prod/x/a.yaml': [ns('tenant-a'), db, app('prod-core', false)] }), tree({}));
    expect(diff.changes.map((c) => objectRef(c.id)).sort()).toEqual([
      'prod:Application.argoproj.io/argocd/prod-core',
      'prod:Cluster.postgresql.cnpg.io/tenant-a/pg',
      'prod:Namespace/tenant-a',
    ]);
  });

  it('flags removing an Application that cascades deletion (resources-finalizer), such as an add-on', () => {
    const addon = {
      ...app('ceres-prod-azure-cloudnative-pg', true),
      metadata: { name: 'ceres-prod-azure-cloudnative-pg', namespace: 'argocd', finalizers: ['resources-finalizer.argocd.argoproj.io'] },
    };
    const diff = diffDist(tree({ 'prod/argocd/addons.yaml': [addon] }), tree({}));
    expect(diff.destructive.map((c) => c.destructive)).toEqual([expect.stringContaining('resources-finalizer')]);
  });

  it('flags removing an ApplicationSet unless it preserves what it generated', () => {
    const set = (preserve: boolean) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: 's', namespace: 'argocd' },
      spec: { syncPolicy: { preserveResourcesOnDeletion: preserve } },
    });
    expect(diffDist(tree({ 'prod/argocd/a.yaml': [set(false)] }), tree({})).destructive).toHaveLength(1);
    expect(diffDist(tree({ 'prod/argocd/a.yaml': [set(true)] }), tree({})).destructive).toHaveLength(0);
  });

  it('parses only the files that differ', () => {
    const same = 'not: [valid yaml';
    const diff = diffDist(new Map([['prod/core/a.yaml', same]]), new Map([['prod/core/a.yaml', same]]));
    expect(diff.changes).toEqual([]);
  });

  it('parses only the documents that differ in a changed file, counting repeated documents', () => {
    expect(withoutCommonDocuments('a: 1\n---\nb: 2\n---\nc: 3\n', 'a: 1\n---\nb: 9\n---\nc: 3\n')).toEqual(['b: 2\n', 'b: 9\n']);
    expect(withoutCommonDocuments('x: 1\n---\nx: 1\n', 'x: 1\n')).toEqual(['x: 1\n', '']);
    expect(withoutCommonDocuments('a: |\n  ---\n  b\n', 'a: |\n  ---\n  c\n')).toEqual(['a: |\n  ---\n  b\n', 'a: |\n  ---\n  c\n']);
    expect(withoutCommonDocuments('%YAML 1.1\n---\na: 1\n', 'a: 1\n')).toBeUndefined();
    expect(withoutCommonDocuments('a: 1\n...\n', 'a: 1\n')).toBeUndefined();
    // An unchanged document is not even read: this one makes the YAML reader throw, and the edit next to it is found.
    const broken = 'a: *missing\n';
    const before = new Map([['prod/core/a.yaml', `${broken}---\n${toYamlStream([cm('x', { a: '1' })])}`]]);
    const after = new Map([['prod/core/a.yaml', `${broken}---\n${toYamlStream([cm('x', { a: '2' })])}`]]);
    const diff = diffDist(before, after);
    expect(diff.changes.map((c) => `${c.type} ${objectRef(c.id)}`)).toEqual(['changed prod:ConfigMap/ceres/x']);
    expect(diff.changes[0].diff).toEqual(expect.arrayContaining(['-   a: "1"', '+   a: "2"']));
  });

  it('finds the same changes as parsing whole files: removed, added, edited, moved and repeated objects', () => {
    const objs = Array.from({ length: 6 }, (_, i) => cm(`c${i}`, { v: String(i) }));
    const before = tree({ 'prod/core/a.yaml': [objs[0], objs[1], objs[2], objs[3]], 'prod/core/b.yaml': [objs[4]] });
    const after = tree({ 'prod/core/a.yaml': [objs[0], cm('c1', { v: 'x' }), objs[3], objs[5]], 'prod/core/b.yaml': [objs[4], objs[2]] });
    const summary = diffDist(before, after).changes.map((c) => `${c.type} ${c.id.name} ${c.file}`);
    expect(summary).toEqual(['changed c1 prod/core/a.yaml', 'changed c2 prod/core/b.yaml', 'added c5 prod/core/a.yaml']);
  });

  it('says so when nothing changes', () => {
    const t = tree({ 'prod/core/a.yaml': [cm('x', { a: '1' })] });
    expect(formatDistDiff(diffDist(t, t))).toMatch(/^No change/);
  });
});

describe('Terraform stacks in the review', () => {
  const stack = (resources: Record<string, Record<string, unknown>>, backend = { s3: { bucket: 'state', key: 'prod-aws' } }) =>
    `${JSON.stringify({ terraform: { backend }, resource: resources }, null, 2)}\n`;
  const file = 'terraform/prod-aws/cdk.tf.json';
  const bucket = (name: string, extra: Record<string, unknown> = {}) => ({ aws_s3_bucket: { backups: { bucket: name, force_destroy: false, ...extra } } });

  it('compares resources one by one and names them by address', () => {
    const diff = diffDist(
      new Map([[file, stack({ ...bucket('b'), aws_iam_role: { r: { name: 'x' } } })]]),
      new Map([[file, stack({ ...bucket('b'), aws_iam_role: { r: { name: 'y' } } })]]),
    );
    expect(diff.changes.map((c) => `${c.type} ${objectRef(c.id)}`)).toEqual(['changed terraform/prod-aws:aws_iam_role.r']);
    expect(diff.changes[0].diff).toEqual(expect.arrayContaining(['-   "name": "x"', '+   "name": "y"']));
    expect(diff.destructive).toEqual([]);
  });

  it.each([
    ['destroying a bucket', stack(bucket('b')), stack({})],
    ['destroying the whole stack', stack(bucket('b')), undefined],
    ['renaming a bucket (replacement)', stack(bucket('b')), stack(bucket('c'))],
    ['letting Terraform empty a bucket on destroy', stack(bucket('b')), stack(bucket('b', { force_destroy: true }))],
    ['destroying a database', stack({ aws_db_instance: { pg: { identifier: 'pg', deletion_protection: true } } }), stack({})],
    [
      'switching off deletion protection',
      stack({ aws_db_instance: { pg: { identifier: 'pg', deletion_protection: true } } }),
      stack({ aws_db_instance: { pg: { identifier: 'pg', deletion_protection: false } } }),
    ],
    ['destroying a cluster', stack({ google_container_cluster: { gke: { name: 'c' } } }), stack({})],
    ['moving the state backend', stack({}), stack({}, { s3: { bucket: 'other', key: 'prod-aws' } })],
  ])('flags %s', (_what, before, after) => {
    const diff = diffDist(new Map([[file, before]]), after === undefined ? new Map() : new Map([[file, after]]));
    expect(diff.destructive).toHaveLength(1);
  });

  it('reports a resource changed exactly when its JSON text changes (key order, nesting, -0, types)', () => {
    const rand = rng(7);
    const scalars: unknown[] = [0, -0, 1, 1.5, '', '0', 'a', true, false, null];
    const value = (depth: number): unknown => {
      const r = rand();
      if (depth === 0 || r < 0.4) return scalars[Math.floor(rand() * scalars.length)];
      const n = Math.floor(rand() * 3);
      if (r < 0.7) return Array.from({ length: n }, () => value(depth - 1));
      const o: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) o[rand() < 0.5 ? `k${i}` : `k${n - 1 - i}`] = value(depth - 1);
      return o;
    };
    let changed = 0;
    for (let i = 0; i < 500; i++) {
      const a = value(3);
      // The same members in another order print otherwise (Terraform JSON is written with sorted keys).
      const reversed = (v: unknown): unknown =>
        Array.isArray(v)
          ? v.map(reversed)
          : v && typeof v === 'object'
            ? Object.fromEntries(
                Object.entries(v)
                  .reverse()
                  .map(([k, x]) => [k, reversed(x)]),
              )
            : v;
      const pick = rand();
      const b = pick < 0.4 ? JSON.parse(JSON.stringify(a)) : pick < 0.6 ? reversed(a) : value(3);
      const diff = diffDist(new Map([[file, stack({ null_resource: { r: { v: a } } })]]), new Map([[file, stack({ null_resource: { r: { v: b } } })]]));
      const differs = JSON.stringify(a, null, 2) !== JSON.stringify(b, null, 2);
      expect({ i, changes: diff.changes.length }).toEqual({ i, changes: differs ? 1 : 0 });
      if (differs) changed++;
    }
    expect(changed).toBeGreaterThan(100);
  });
});

describe('withoutCommonResources', () => {
  it('leaves the review of two stacks as it was, over random stacks (moves between stacks, data sources, settings, key order)', () => {
    const rand = rng(11);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
    const types = ['aws_s3_bucket', 'aws_iam_role', 'aws_db_instance', 'random_id'];
    const names = ['a', 'b', 'c', 'd', '__proto__'];
    const body = () =>
      rand() < 0.5 ? { name: pick(['x', 'y']), deletion_protection: rand() < 0.8 } : { deletion_protection: rand() < 0.8, name: pick(['x', 'y']) };
    const section = () => {
      const out: Record<string, Record<string, unknown>> = {};
      for (const t of types) {
        if (rand() < 0.2) continue;
        const byName: Record<string, unknown> = {};
        for (const n of names) if (rand() < 0.6) Object.defineProperty(byName, n, { value: body(), enumerable: true, writable: true, configurable: true });
        out[t] = byName;
      }
      return out;
    };
    const stackText = () => {
      const doc: Record<string, unknown> = {};
      if (rand() < 0.9) doc.terraform = { backend: { s3: { bucket: pick(['state', 'other']) } } };
      doc.resource = section();
      if (rand() < 0.5) doc.data = section();
      if (rand() < 0.3) doc.output = { o: { value: pick(['1', '2']) } };
      return JSON.stringify(doc, null, rand() < 0.5 ? 2 : 0);
    };
    const files = ['terraform/prod-aws/cdk.tf.json', 'terraform/prod-azure/cdk.tf.json'];
    let reduced = 0;
    for (let i = 0; i < 300; i++) {
      const before = new Map(files.map((f) => [f, stackText()]));
      const after = new Map(files.map((f): [string, string] => [f, rand() < 0.3 ? before.get(f)! : stackText()]));
      const smallBefore = new Map(before);
      const smallAfter = new Map(after);
      for (const f of files) {
        if (before.get(f) === after.get(f)) continue;
        const pair = withoutCommonResources(before.get(f)!, after.get(f)!)!;
        expect(pair).toBeDefined();
        smallBefore.set(f, pair[0]);
        smallAfter.set(f, pair[1]);
        if (pair[0].length < before.get(f)!.length) reduced++;
      }
      const strip = (d: ReturnType<typeof diffDist>) => JSON.parse(JSON.stringify(d));
      expect({ i, diff: strip(diffDist(smallBefore, smallAfter)) }).toEqual({ i, diff: strip(diffDist(before, after)) });
    }
    expect(reduced).toBeGreaterThan(100);
    expect(withoutCommonResources('not json', '{}')).toBeUndefined();
    expect(withoutCommonResources('[]', '{}')).toBeUndefined();
  });
});

describe('lineDiff', () => {
  it('shows changed lines with context and separates distant hunks', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'].join('\n');
    const b = ['1', 'two', '3', '4', '5', '6', '7', '8', 'nine', '10'].join('\n');
    expect(lineDiff(a, b, { context: 1 })).toEqual(['  1', '- 2', '+ two', '  3', '...', '  8', '- 9', '+ nine', '  10']);
  });

  it('is empty for equal text and falls back to a summary for huge objects', () => {
    expect(lineDiff('a\nb', 'a\nb')).toEqual([]);
    expect(lineDiff('a\nb', 'a\nc', { maxCells: 1 })).toEqual(['- (2 lines)', '+ (2 lines, replaced: too large for a line diff)']);
  });
});
