import { toYamlStream } from '../../lib/core/yaml';
import { diffDist, formatDistDiff } from '../../lib/review/manifest-diff';
import { lineDiff } from '../../lib/review/line-diff';

const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const cm = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ceres' }, data });
const pvc = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'tenant-a' }, spec: { resources: { requests: { storage: '1Gi' } } } };
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

  it('compares non-manifest files as files', () => {
    const diff = diffDist(new Map([['prod/reports/cost.md', 'a']]), new Map([['prod/reports/cost.md', 'b'], ['terraform/x/main.tf.json', '{}']]));
    expect(diff.changes).toEqual([]);
    expect(diff.files).toEqual({ added: ['terraform/x/main.tf.json'], removed: [], changed: ['prod/reports/cost.md'] });
  });

  it('says so when nothing changes', () => {
    const t = tree({ 'prod/core/a.yaml': [cm('x', { a: '1' })] });
    expect(formatDistDiff(diffDist(t, t))).toMatch(/^No change/);
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
