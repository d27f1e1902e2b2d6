import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helmRenders, helmStable } from '../../lib/verify/checks';
import { kubeVersionArg, locateChart, parseRendered, unstableObjects, usesVolatileFunctions } from '../../lib/verify/helm';
import { gzipSync } from 'node:zlib';
import { KindScopes } from '../../lib/verify/scope';
import { buildClusterStates } from '../../lib/verify/state';
import { defaultSynthesis } from '../support/synthesis-cache';
import { platform } from '../../apps/platform/platform';

const release: any = {
  application: { metadata: { name: 'kyverno' } },
  file: 'f',
  repoURL: 'https://kyverno.github.io/kyverno',
  chart: 'kyverno',
  version: '3.9.0',
  releaseName: 'kyverno',
  namespace: 'kyverno',
  values: {},
};

describe('the Helm renderer', () => {
  it('finds the pinned chart as helm pull leaves it (unpacked or packed), and only that version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'charts-'));
    try {
      expect(locateChart(dir, 'kyverno', '3.9.0')).toBeUndefined();
      mkdirSync(join(dir, 'kyverno'));
      writeFileSync(join(dir, 'kyverno', 'Chart.yaml'), 'name: kyverno\nversion: 3.8.0\n');
      expect(locateChart(dir, 'kyverno', '3.9.0')).toBeUndefined();
      writeFileSync(join(dir, 'kyverno', 'Chart.yaml'), 'name: kyverno\nversion: 3.9.0\n');
      expect(locateChart(dir, 'kyverno', '3.9.0')).toBe(join(dir, 'kyverno'));
      writeFileSync(join(dir, 'cert-manager-v1.21.1.tgz'), '');
      expect(locateChart(dir, 'cert-manager', 'v1.21.1')).toBe(join(dir, 'cert-manager-v1.21.1.tgz'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(kubeVersionArg('1.35')).toBe('v1.35.0');
  });

  it('gives namespaced objects without a namespace the release namespace, never cluster-scoped ones, and marks hooks', () => {
    const out = [
      '---\n# Source: kyverno/templates/a.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: kyverno\n',
      '---\n# Source: kyverno/templates/b.yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: kyverno\n',
      '---\n# Source: kyverno/templates/c.yaml\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: post-upgrade\n',
    ].join('');
    const scopes = new KindScopes([]);
    const objects = parseRendered(out, release, (m) => scopes.clusterScoped(m));
    expect(objects.map((o) => [o.manifest.kind, o.manifest.metadata.namespace, o.hook, o.file])).toEqual([
      ['ServiceAccount', 'kyverno', undefined, 'helm:kyverno@3.9.0/templates/a.yaml'],
      ['ClusterRole', undefined, undefined, 'helm:kyverno@3.9.0/templates/b.yaml'],
      ['Job', 'kyverno', 'post-upgrade', 'helm:kyverno@3.9.0/templates/c.yaml'],
    ]);
  });

  it('reports a chart that refuses our values as a failed sync (helm/renders), and nothing for one not at hand', () => {
    const s = defaultSynthesis();
    const dev = s.environments.filter((e) => e.name === 'dev');
    const states = buildClusterStates({
      platform,
      environments: dev,
      flows: () => [],
      render: (r) => (r.chart === 'kyverno' ? { failed: "values don't meet the specifications of the schema" } : { skipped: 'no chart' }),
    });
    const findings = states.flatMap((st) => helmRenders.run(st, {} as any));
    expect(findings.map((f) => f.message)).toEqual(states.map(() => "helm template kyverno@3.9.0 fails: values don't meet the specifications of the schema"));
  });

  it('finds the charts that may render differently each time (random values, generated keys, time), in subchart packages too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'charts-'));
    try {
      mkdirSync(join(dir, 'templates'), { recursive: true });
      writeFileSync(join(dir, 'templates', 'cm.yaml'), 'data:\n  a: {{ .Values.a | quote }}\n  # randomness, now: words only\n');
      expect(usesVolatileFunctions(dir)).toBe(false);
      mkdirSync(join(dir, 'charts'));
      // A subchart as `helm dependency build` leaves it: a gzipped tar, the template inside in plain bytes.
      writeFileSync(join(dir, 'charts', 'sub-1.0.0.tgz'), gzipSync(Buffer.from('sub/templates/secret.yaml\0password: {{ randAlphaNum 40 | b64enc }}\n')));
      expect(usesVolatileFunctions(dir)).toBe(true);
      rmSync(join(dir, 'charts'), { recursive: true });
      writeFileSync(join(dir, 'templates', 'job.yaml'), 'metadata:\n  annotations:\n    at: {{ now | date "2006" }}\n');
      expect(usesVolatileFunctions(dir)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the objects two renders give differently, and helm/stable-render reports them unless the Application ignores them', () => {
    const scopes = new KindScopes([]);
    const render = (password: string) =>
      parseRendered(
        `---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: admin\ndata:\n  password: ${password}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: kyverno\n`,
        release,
        (m) => scopes.clusterScoped(m),
      );
    expect(unstableObjects(render('YQ=='), render('YQ=='))).toEqual([]);
    const unstable = unstableObjects(render('YQ=='), render('Yg=='));
    expect(unstable).toEqual([{ kind: 'Secret', namespace: 'kyverno', name: 'admin' }]);
    const state = (ignoreDifferences?: unknown[]) =>
      ({
        environment: { name: 'dev' },
        cluster: { name: 'c' },
        releases: [{ ...release, application: { metadata: { name: 'kyverno' }, spec: { ignoreDifferences } }, unstable }],
      }) as any;
    expect(helmStable.run(state(), {} as any).map((f) => f.message)).toEqual([
      'kyverno@3.9.0 renders Secret kyverno/admin differently each time (random or generated values made at render time): Argo CD would show it out of sync on every refresh and replace it on every sync',
    ]);
    expect(helmStable.run(state([{ kind: 'Secret', name: 'admin', jsonPointers: ['/data'] }]), {} as any)).toEqual([]);
    // An ignoreDifferences entry for another object of the kind ignores nothing here.
    expect(helmStable.run(state([{ kind: 'Secret', name: 'other', jsonPointers: ['/data'] }]), {} as any)).toHaveLength(1);
  });
});
