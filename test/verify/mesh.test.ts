import { KubeManifest } from '../../lib/core/checks';
import { MESH_CA_SECRET, meshMembership } from '../../lib/mesh';
import { meshSharedTrust } from '../../lib/verify/checks/mesh';
import { ClusterState, HelmRelease, StateObject } from '../../lib/verify/types';
import { clusterConfig, context, platformConfig } from './flow-fixtures';

const aws = clusterConfig('aws');
const azure = clusterConfig('azure');
const platform = platformConfig([aws, azure]);
const env = platform.environments[0];

/** istiod's Deployment as the chart renders it: the optional `cacerts` Secret volume, mounted at /etc/cacerts. */
const istiodDeployment = (secretName: string): StateObject => ({
  manifest: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'istiod', namespace: 'istio-system' },
    spec: {
      template: {
        spec: {
          containers: [{ name: 'discovery', volumeMounts: [{ name: 'cacerts', mountPath: '/etc/cacerts' }] }],
          volumes: [{ name: 'cacerts', secret: { secretName, optional: true } }],
        },
      },
    },
  } as KubeManifest,
  file: 'chart',
  application: 'istiod',
});

const istiod = (values: Record<string, unknown>, rendered?: StateObject[]): HelmRelease => ({
  application: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'x-istiod', namespace: 'argocd' } },
  file: 'prod/clusters/x/argocd/istio.yaml',
  repoURL: 'https://istio-release.storage.googleapis.com/charts',
  chart: 'istiod',
  version: '1.30.3',
  releaseName: 'istiod',
  namespace: 'istio-system',
  values,
  rendered,
});

/** Values as the mesh add-on writes them. */
const valuesOf = (cluster: typeof aws, change: (m: ReturnType<typeof meshMembership>) => Partial<ReturnType<typeof meshMembership>> = () => ({})) => {
  const m = { ...meshMembership(env, cluster), ...change(meshMembership(env, cluster)) };
  return { global: { meshID: m.meshId, network: m.network, multiCluster: { clusterName: m.clusterName } }, meshConfig: { trustDomain: m.trustDomain } };
};

const stateOf = (cluster: typeof aws, release?: HelmRelease): ClusterState => ({
  platform,
  environment: env,
  cluster,
  objects: [],
  releases: release ? [release] : [],
  flows: [],
});

const run = (...states: ClusterState[]) => states.flatMap((s) => meshSharedTrust.run(s, context(states)).map((f) => `${f.cluster}: ${f.message}`));

describe('mesh/shared-trust', () => {
  it('accepts clusters that share mesh ID and trust domain and have their own names', () => {
    expect(run(stateOf(aws, istiod(valuesOf(aws))), stateOf(azure, istiod(valuesOf(azure))))).toEqual([]);
  });

  it('finds clusters of one environment in different meshes or trust domains', () => {
    const findings = run(stateOf(aws, istiod(valuesOf(aws))), stateOf(azure, istiod(valuesOf(azure, () => ({ trustDomain: 'azure.local' })))));
    expect(findings).toHaveLength(2);
    expect(findings[0]).toMatch(/differ from ceres-prod-azure's .*"azure.local"/);
  });

  it('finds an istiod without a mesh ID, network or its own cluster name (the chart defaults)', () => {
    expect(run(stateOf(aws, istiod({})))).toEqual([
      'ceres-prod-aws: istiod has no global.meshID: the cluster is not a member of its environment’s mesh',
      `ceres-prod-aws: istiod's global.multiCluster.clusterName is "", not the cluster's name "ceres-prod-aws"`,
      'ceres-prod-aws: istiod has no global.network',
    ]);
  });

  it('reads the rendered chart: istiod must mount the Secret the bootstrap step creates', () => {
    expect(run(stateOf(aws, istiod(valuesOf(aws), [istiodDeployment(MESH_CA_SECRET)])))).toEqual([]);
    expect(run(stateOf(aws, istiod(valuesOf(aws), [istiodDeployment('istio-ca-secret')])))[0]).toMatch(/does not mount Secret cacerts/);
  });

  it('says nothing about clusters without istiod', () => {
    expect(run(stateOf(aws))).toEqual([]);
  });
});
