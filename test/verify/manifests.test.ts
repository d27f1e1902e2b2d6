import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeManifest } from '../../lib/core/checks';
import { toKustomizePatch } from '../../lib/argocd';
import { keycloakOperator } from '../../lib/identity';
import { manifestsReleaseOf } from '../../lib/verify/state';
import { applyJsonPatch, locateMirror, manifestsRenderer, parseManifests } from '../../lib/verify/manifests';
import { admissionChecks } from '../../lib/verify/checks/admission';
import { context, state } from './flow-fixtures';

/**
 * Rendering upstream manifests the way Argo CD does for a GitManifests Application (lib/verify/manifests.ts),
 * on a hand-written copy of the shape of keycloak-k8s-resources' kubernetes.yml (no mirror needed).
 */
const UPSTREAM = `---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: keycloak-operator
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: keycloak-operator-clusterrole
rules: []
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: keycloak-operator
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: keycloak-operator
  template:
    metadata:
      labels:
        app.kubernetes.io/name: keycloak-operator
    spec:
      serviceAccountName: keycloak-operator
      containers:
        - name: keycloak-operator
          image: quay.io/keycloak/keycloak-operator:26.0.0
          resources:
            limits: { cpu: 700m, memory: 450Mi }
            requests: { cpu: 300m, memory: 450Mi }
`;

const app = (patches = (keycloakOperator.patches ?? []).map(toKustomizePatch)): KubeManifest => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'keycloak-operator', namespace: 'argocd' },
  spec: {
    source: {
      repoURL: keycloakOperator.source.repoURL,
      targetRevision: keycloakOperator.source.tag,
      path: keycloakOperator.source.path,
      kustomize: { patches },
    },
    destination: { name: 'in-cluster', namespace: keycloakOperator.namespace },
  },
});
const clusterScoped = (m: KubeManifest) => m.kind.startsWith('Cluster') || m.kind === 'CustomResourceDefinition';

describe('manifests releases', () => {
  it('reads an Application of upstream manifests as a release, never one of the platform repository', () => {
    const release = manifestsReleaseOf(app(), 'prod/argocd/addons.yaml', 'https://git.example.test/platform.git')!;
    expect(release).toMatchObject({
      chart: 'keycloak-k8s-resources',
      version: keycloakOperator.source.tag,
      namespace: 'keycloak',
      manifests: { path: 'kubernetes' },
    });
    const folder = { ...app(), spec: { ...app().spec, source: { repoURL: 'https://git.example.test/platform.git', path: 'dist/prod/core' } } };
    expect(manifestsReleaseOf(folder, 'x', 'https://git.example.test/platform.git')).toBeUndefined();
  });

  it('applies the patches to their target only and namespaces namespaced objects', () => {
    const release = manifestsReleaseOf(app(), 'f', 'https://git.example.test/platform.git')!;
    const objects = parseManifests(new Map([['kubernetes/kubernetes.yml', UPSTREAM]]), release, clusterScoped);
    const deployment = objects.find((o) => o.manifest.kind === 'Deployment')!.manifest;
    expect(deployment.metadata.namespace).toBe('keycloak');
    expect(deployment.spec.template.spec.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(deployment.spec.template.spec.containers[0].securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(objects.find((o) => o.manifest.kind === 'ClusterRole')!.manifest.metadata.namespace).toBeUndefined();
    expect(objects.find((o) => o.manifest.kind === 'ServiceAccount')!.manifest.spec).toBeUndefined();
    expect(objects[0].file).toBe('git:keycloak-k8s-resources@26.0.0/kubernetes/kubernetes.yml');
  });

  it('refuses operations it cannot apply and paths that do not exist', () => {
    const m = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } as KubeManifest;
    expect(() => applyJsonPatch(m, [{ op: 'remove', path: '/metadata/name' }])).toThrow(/not supported/);
    expect(() => applyJsonPatch(m, [{ op: 'add', path: '/spec/template/x', value: 1 }])).toThrow(/does not exist/);
    expect(applyJsonPatch(m, [{ op: 'add', path: '/data', value: { a: '1' } }]).data).toEqual({ a: '1' });
    expect(m).not.toHaveProperty('data');
  });

  it('admits the patched operator under Pod Security restricted, and would refuse it as published', () => {
    const run = (patched: boolean) => {
      const release = manifestsReleaseOf(app(patched ? undefined : []), 'prod/argocd/addons.yaml', 'https://git.example.test/platform.git')!;
      const rendered = parseManifests(new Map([['kubernetes/kubernetes.yml', UPSTREAM]]), release, clusterScoped);
      const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'keycloak', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } };
      const s = state({ objects: [ns as KubeManifest, app(patched ? undefined : [])], releases: [{ ...release, rendered }] });
      return admissionChecks.flatMap((c) => c.run(s, context([s]))).filter((f) => f.severity !== 'warning' && /keycloak-operator/.test(f.object ?? ''));
    };
    expect(run(true)).toEqual([]);
    expect(run(false).length).toBeGreaterThan(0);
  });

  it('reports a repository missing from the mirrors folder as not rendered', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ceres-mirrors-'));
    try {
      expect(locateMirror(dir, keycloakOperator.source.repoURL)).toBeUndefined();
      const release = manifestsReleaseOf(app(), 'f', 'https://git.example.test/platform.git')!;
      const result = manifestsRenderer({ manifestsDir: dir }, clusterScoped)(release, state({ objects: [] }).cluster);
      expect(result).toEqual({ skipped: expect.stringContaining('repository not in') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
