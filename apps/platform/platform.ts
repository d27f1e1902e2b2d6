import { PlatformConfig } from '../../lib/core/model';

/**
 * The default CERES platform description: AWS eu-west-1 is primary, Azure westeurope secondary, GCP
 * europe-west1 tertiary; prod also has an on-premises K3s edge site. Dev and staging are smaller
 * copies. Edit this file to describe your own platform (docs/architecture.md shows what reads it).
 */
export const platform: PlatformConfig = {
  name: 'ceres',
  allowedRegistries: ['ghcr.io/ceres-platform/', 'registry.ceres.io/'],
  gitops: {
    repoURL: 'https://github.com/ceres-platform/platform-manifests.git',
    targetRevision: 'main',
  },
  environments: [
    {
      name: 'dev',
      // The AWS account of the environment's stack: IRSA role ARNs in manifests name it; the AWS provider refuses any other.
      cloudAccounts: { aws: '210000000001' },
      baseDomain: 'dev.ceres.io',
      sizing: {
        ha: false,
        istiod: { min: 1, max: 2 },
        ingressGateway: { min: 1, max: 2 },
        egressGateway: { min: 1, max: 1 },
        coreServices: { min: 1, max: 3 },
        tracingSamplePercent: 100,
        delivery: { canaryStepInterval: '1m', canaryMetricWindow: '1m', canaryFailureThreshold: 5 },
      },
      clusters: [
        {
          name: 'ceres-dev-aws',
          cloud: 'aws',
          role: 'primary',
          region: 'eu-west-1',
          baseDomain: 'dev.ceres.io',
          kubernetesVersion: '1.35',
          networkCidr: '10.10.0.0/16',
          nodePools: [
            { name: 'system', purpose: 'system', instanceType: 't3.large', min: 2, desired: 2, max: 3 },
            { name: 'general', purpose: 'general', instanceType: 'c5.xlarge', min: 1, desired: 2, max: 5, spot: true },
          ],
        },
      ],
    },
    {
      name: 'staging',
      // The AWS account of the environment's stack: IRSA role ARNs in manifests name it; the AWS provider refuses any other.
      cloudAccounts: { aws: '210000000002' },
      baseDomain: 'staging.ceres.io',
      sizing: {
        ha: true,
        istiod: { min: 2, max: 3 },
        ingressGateway: { min: 2, max: 4 },
        egressGateway: { min: 2, max: 2 },
        coreServices: { min: 2, max: 6 },
        tracingSamplePercent: 10,
        delivery: { canaryStepInterval: '10m', canaryMetricWindow: '5m', canaryFailureThreshold: 5 },
      },
      clusters: [
        {
          name: 'ceres-staging-aws',
          cloud: 'aws',
          role: 'primary',
          region: 'eu-west-1',
          baseDomain: 'staging.ceres.io',
          kubernetesVersion: '1.35',
          networkCidr: '10.20.0.0/16',
          nodePools: [
            { name: 'system', purpose: 'system', instanceType: 't3.large', min: 3, desired: 3, max: 3 },
            { name: 'general', purpose: 'general', instanceType: 'c5.xlarge', min: 2, desired: 3, max: 8, spot: true },
            { name: 'memory', purpose: 'memory', instanceType: 'r5.2xlarge', min: 1, desired: 1, max: 2 },
          ],
        },
        {
          name: 'ceres-staging-azure',
          cloud: 'azure',
          role: 'secondary',
          region: 'westeurope',
          baseDomain: 'staging.ceres.io',
          kubernetesVersion: '1.35',
          networkCidr: '10.21.0.0/16',
          nodePools: [
            { name: 'system', purpose: 'system', instanceType: 'Standard_D4s_v5', min: 3, desired: 3, max: 3 },
            { name: 'apps', purpose: 'general', instanceType: 'Standard_D4s_v5', min: 1, desired: 2, max: 6 },
          ],
        },
      ],
    },
    {
      name: 'prod',
      // The AWS account of the environment's stack: IRSA role ARNs in manifests name it; the AWS provider refuses any other.
      cloudAccounts: { aws: '210000000003' },
      baseDomain: 'ceres.io',
      sizing: {
        ha: true,
        istiod: { min: 3, max: 5 },
        ingressGateway: { min: 3, max: 10 },
        egressGateway: { min: 2, max: 4 },
        coreServices: { min: 3, max: 20 },
        tracingSamplePercent: 1,
        // The design holds each production step for hours: 5 steps × 2h ≈ a working day.
        delivery: { canaryStepInterval: '120m', canaryMetricWindow: '10m', canaryFailureThreshold: 3 },
      },
      clusters: [
        {
          name: 'ceres-prod-aws',
          cloud: 'aws',
          role: 'primary',
          region: 'eu-west-1',
          baseDomain: 'ceres.io',
          kubernetesVersion: '1.35',
          networkCidr: '10.30.0.0/16',
          nodePools: [
            { name: 'system', purpose: 'system', instanceType: 't3.large', min: 3, desired: 3, max: 3 },
            { name: 'general', purpose: 'general', instanceType: 'c5.xlarge', min: 5, desired: 5, max: 20, spot: true },
            { name: 'memory', purpose: 'memory', instanceType: 'r5.2xlarge', min: 2, desired: 2, max: 4 },
          ],
        },
        {
          name: 'ceres-prod-azure',
          cloud: 'azure',
          role: 'secondary',
          region: 'westeurope',
          baseDomain: 'ceres.io',
          kubernetesVersion: '1.35',
          networkCidr: '10.31.0.0/16',
          nodePools: [
            { name: 'system', purpose: 'system', instanceType: 'Standard_D4s_v5', min: 3, desired: 3, max: 3 },
            { name: 'apps', purpose: 'general', instanceType: 'Standard_D4s_v5', min: 2, desired: 3, max: 12 },
            { name: 'spot', purpose: 'general', instanceType: 'Standard_D4s_v5', min: 0, desired: 0, max: 10, spot: true },
          ],
        },
        {
          name: 'ceres-prod-gcp',
          cloud: 'gcp',
          role: 'tertiary',
          region: 'europe-west1',
          baseDomain: 'ceres.io',
          kubernetesVersion: '1.35',
          networkCidr: '10.32.0.0/16',
          // GKE Autopilot manages nodes itself.
          nodePools: [],
        },
        {
          name: 'ceres-prod-edge-lyon',
          cloud: 'edge',
          role: 'edge',
          region: 'lyon',
          baseDomain: 'lyon.edge.ceres.io',
          kubernetesVersion: '1.35',
          nodePools: [],
        },
      ],
    },
  ],
};
