import { ChartTarget, BootstrapStep } from '../core/addon';
import { ClusterConfig, EnvironmentConfig } from '../core/model';
import { PlatformNamespaces } from '../core/namespaces';
import type { AlertGroup } from '../observability';
import { ISTIO_VERSION, TRUST_DOMAIN } from './mesh-config';

/**
 * One mesh per environment, across clouds: every cluster of an environment that runs istiod shares
 * the mesh ID, the trust domain and the root CA, so a workload's mTLS identity
 * (`spiffe://cluster.local/ns/<ns>/sa/<sa>`) is verified the same way on AWS, Azure and an edge site.
 * Each cluster is its own Istio network (pod networks of different clouds do not reach each other)
 * and there is no east-west gateway: the design fails over between clouds by DNS at the ingress,
 * not service to service, so no cluster exposes its services to another.
 */
export interface MeshMembership {
  /** `global.meshID`: `ceres-<environment>`, the same for every cluster of the environment. */
  readonly meshId: string;
  /** `global.multiCluster.clusterName`: the cluster's name. */
  readonly clusterName: string;
  /** `global.network`: `<cluster>-network`, one per cluster. */
  readonly network: string;
  /** `meshConfig.trustDomain`, the same everywhere. */
  readonly trustDomain: string;
}

/** The mesh ID of an environment. */
export function meshId(environment: string): string {
  return `ceres-${environment}`;
}

/** A cluster's place in its environment's mesh. */
export function meshMembership(environment: Pick<EnvironmentConfig, 'name'>, cluster: Pick<ClusterConfig, 'name'>): MeshMembership {
  return { meshId: meshId(environment.name), clusterName: cluster.name, network: `${cluster.name}-network`, trustDomain: TRUST_DOMAIN };
}

/**
 * The Secret istiod reads a plugged-in CA from (`ca-cert.pem`, `ca-key.pem`, `root-cert.pem`,
 * `cert-chain.pem`), mounted by the istiod chart as the optional volume `cacerts`. Without it,
 * istiod signs with a root of its own making that no other cluster trusts.
 */
export const MESH_CA_SECRET = 'cacerts';

/** Validity of each cluster's intermediate CA, days: short enough to rotate yearly, alerted 30 days ahead. */
export const MESH_INTERMEDIATE_DAYS = 365;

/** Warn this many days before a cluster's intermediate CA expires (rotation takes a restart of istiod and of every sidecar's certificate). */
export const MESH_CA_WARNING_DAYS = 30;

/**
 * The bootstrap step of istiod: the environment's mesh root (made once, kept offline) signs an
 * intermediate for this cluster, loaded as {@link MESH_CA_SECRET} before istiod first starts
 * (Istio's "Plug in CA certificates", with the tools/certs Makefile of the pinned release).
 */
export function meshCaBootstrap(target: Pick<ChartTarget, 'environment' | 'cluster'>): BootstrapStep[] {
  const { meshId, clusterName } = meshMembership(target.environment, target.cluster);
  const ns = PlatformNamespaces.istio;
  const make = `make -f istio-${ISTIO_VERSION}/tools/certs/Makefile.selfsigned.mk`;
  return [
    [
      `Plug the mesh CA of ${target.environment.name} into istiod before it first starts: one root for the environment (\`${meshId}\`), an intermediate for ${clusterName}, so that every cluster of the environment issues workload certificates under the same root and mTLS identities hold across clouds (without it istiod makes a root of its own that no other cluster trusts). On the offline workstation that keeps the root (the root key never enters a cluster or git):`,
      '',
      '   ```sh',
      `   # once per environment: the root (keep root-key.pem offline, e.g. in the primary cloud's secret store)`,
      `   ${make} ROOTCA_ORG=CERES ROOTCA_CN="CERES ${target.environment.name} mesh root" root-ca`,
      `   # once per cluster, and again ${MESH_CA_WARNING_DAYS} days before it expires (alert MeshIntermediateCaExpiring)`,
      `   ${make} INTERMEDIATE_ORG=CERES INTERMEDIATE_CN="CERES ${clusterName} intermediate" INTERMEDIATE_DAYS=${MESH_INTERMEDIATE_DAYS} ${clusterName}-cacerts`,
      `   kubectl --context ${clusterName} create namespace ${ns}`,
      `   kubectl --context ${clusterName} -n ${ns} create secret generic ${MESH_CA_SECRET} \\`,
      ...['ca-cert.pem', 'ca-key.pem', 'root-cert.pem', 'cert-chain.pem'].map(
        (f, i, all) => `     --from-file=${clusterName}/${f}${i < all.length - 1 ? ' \\' : ''}`,
      ),
      '   ```',
    ],
  ];
}

/** The mesh CA's alerts: istiod's own gauges of its root and intermediate (security/pkg/server/ca/monitoring.go). */
export function meshCaAlerts(): AlertGroup {
  const warnSeconds = MESH_CA_WARNING_DAYS * 86400;
  return {
    name: 'ceres-mesh-ca',
    alerts: [
      {
        name: 'MeshIntermediateCaExpiring',
        severity: 'warning',
        expr: `min(citadel_server_cert_chain_expiry_seconds) < ${warnSeconds}`,
        for: '1h',
        summary: `The mesh intermediate CA of this cluster expires in less than ${MESH_CA_WARNING_DAYS} days`,
        description:
          'istiod signs workload certificates with it; when it expires, mTLS breaks everywhere in the cluster. Sign a new intermediate from the environment root and replace the cacerts Secret (bootstrap README of the cluster), then restart istiod.',
      },
      {
        name: 'MeshRootCaExpiring',
        severity: 'critical',
        expr: `min(citadel_server_root_cert_expiry_seconds) < ${warnSeconds * 3}`,
        for: '1h',
        summary: `The mesh root CA expires in less than ${MESH_CA_WARNING_DAYS * 3} days`,
        description:
          'Every cluster of the environment trusts this root: plan the root rotation (a new root trusted next to the old one, then new intermediates) now (docs/mesh.md).',
      },
    ],
  };
}
