import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helmRenders } from '../../lib/verify/checks';
import { kubeVersionArg, locateChart, parseRendered } from '../../lib/verify/helm';
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
});
