import { KubeManifest } from '../../lib/core/checks';
import { Flow, FlowPort, PodSet } from '../../lib/core/flows';
import { Cloud, ClusterConfig, EnvironmentConfig, PlatformConfig } from '../../lib/core/model';
import { ClusterState, HelmRelease, StateObject, VerifyContext } from '../../lib/verify/types';
import type { PlatformCatalog } from '../../lib/core/addon';

/**
 * Small hand-built cluster states and Terraform stacks for the verify checks: each test starts from
 * a fixture that breaks one rule, asserts the finding, then fixes it and asserts none.
 */

type Spec = Record<string, any>;
type Labels = Record<string, string>;

export const ENV = 'prod';

export function clusterConfig(cloud: Cloud = 'aws', name = `ceres-${ENV}-${cloud}`): ClusterConfig {
  const region = cloud === 'aws' ? 'eu-west-1' : cloud === 'azure' ? 'westeurope' : cloud === 'gcp' ? 'europe-west1' : 'lyon';
  return {
    name,
    cloud,
    role: cloud === 'edge' ? 'edge' : 'primary',
    region,
    baseDomain: `${ENV}.ceres.io`,
    kubernetesVersion: '1.30',
    networkCidr: cloud === 'edge' ? undefined : '10.30.0.0/16',
    nodePools: [],
  };
}

export function platformConfig(clusters: readonly ClusterConfig[]): PlatformConfig {
  const environment = { name: ENV, clusters, baseDomain: 'ceres.io', sizing: {} } as unknown as EnvironmentConfig;
  return {
    name: 'ceres',
    allowedRegistries: [],
    gitops: { repoURL: 'https://git.example/ceres', targetRevision: 'main' },
    environments: [environment],
  };
}

/** A manifest with its dist/ file. */
export interface Placed {
  readonly manifest: KubeManifest;
  readonly file?: string;
}

const isPlaced = (o: KubeManifest | Placed): o is Placed => 'manifest' in o && !('kind' in o);

export function state(options: {
  readonly objects: readonly (KubeManifest | Placed)[];
  readonly flows?: readonly Flow[];
  readonly releases?: readonly HelmRelease[];
  readonly cloud?: Cloud;
}): ClusterState {
  const cluster = clusterConfig(options.cloud ?? 'aws');
  const platform = platformConfig([cluster]);
  const objects: StateObject[] = options.objects.map((o) => {
    const placed: Placed = isPlaced(o) ? o : { manifest: o as KubeManifest };
    const m = placed.manifest;
    return {
      manifest: m,
      file: placed.file ?? `${ENV}/${m.metadata.namespace ?? 'cluster'}/${m.kind.toLowerCase()}.yaml`,
      application: `${ENV}-${m.metadata.namespace ?? 'cluster'}`,
    };
  });
  return { platform, environment: platform.environments[0], cluster, objects, releases: [...(options.releases ?? [])], flows: [...(options.flows ?? [])] };
}

export function context(states: readonly ClusterState[], terraform: Record<string, unknown> = {}): VerifyContext {
  return {
    platform: states[0].platform,
    catalog: { charts: [], manifests: [], namespaces: [], flows: () => [] } as PlatformCatalog,
    clusters: states,
    terraform: new Map(Object.entries(terraform)),
    asOf: '2026-01-01',
  };
}

// ---------------------------------------------------------------------------------------------
// Kubernetes objects

export function namespace(name: string, labels: Labels = {}): KubeManifest {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

export function meshedNamespace(name: string, labels: Labels = {}): KubeManifest {
  return namespace(name, { 'istio-injection': 'enabled', ...labels });
}

export function tenantNamespace(name: string, tenant: string, extra: Labels = {}): KubeManifest {
  return meshedNamespace(name, { 'ceres.io/tenant': tenant, 'ceres.io/tier': 'enterprise', ...extra });
}

export function networkPolicy(ns: string, name: string, spec: Spec): KubeManifest {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec };
}

export function defaultDeny(ns: string): KubeManifest {
  return networkPolicy(ns, 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
}

export function allowIngress(ns: string, name: string, podLabels: Labels, from: Spec[] | undefined, ports?: Spec[]): KubeManifest {
  return networkPolicy(ns, name, {
    podSelector: { matchLabels: podLabels },
    policyTypes: ['Ingress'],
    ingress: [{ ...(from ? { from } : {}), ...(ports ? { ports } : {}) }],
  });
}

export function allowEgress(ns: string, name: string, podLabels: Labels, to: Spec[] | undefined, ports?: Spec[]): KubeManifest {
  return networkPolicy(ns, name, {
    podSelector: { matchLabels: podLabels },
    policyTypes: ['Egress'],
    egress: [{ ...(to ? { to } : {}), ...(ports ? { ports } : {}) }],
  });
}

export const nsPeer = (ns: string, podLabels?: Labels): Spec => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
  ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
});

export function deployment(
  ns: string,
  name: string,
  labels: Labels,
  options: { ports?: { name?: string; containerPort: number }[]; serviceAccount?: string; annotations?: Labels } = {},
): KubeManifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: options.annotations ?? {} },
        spec: {
          serviceAccountName: options.serviceAccount ?? name,
          containers: [{ name: 'app', image: 'registry.example/app:1', ports: options.ports ?? [] }],
        },
      },
    },
  };
}

export function service(
  ns: string,
  name: string,
  selector: Labels,
  ports: { port: number; targetPort?: number | string; name?: string }[],
  annotations: Labels = {},
): KubeManifest {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, annotations }, spec: { selector, ports } };
}

export function authorizationPolicy(ns: string, name: string, spec: Spec): KubeManifest {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: ns }, spec };
}

export function peerAuthentication(ns: string, name: string, spec: Spec): KubeManifest {
  return { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace: ns }, spec };
}

export function sidecar(ns: string, hosts: string[], mode?: 'REGISTRY_ONLY' | 'ALLOW_ANY', extra: Spec = {}): KubeManifest {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: { name: 'default', namespace: ns },
    spec: { egress: [{ hosts }], ...(mode ? { outboundTrafficPolicy: { mode } } : {}), ...extra },
  };
}

export function serviceEntry(
  ns: string,
  name: string,
  hosts: string[],
  ports: { number: number; name?: string; protocol?: string }[],
  exportTo?: string[],
  extra: Spec = {},
): KubeManifest {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name, namespace: ns },
    spec: {
      hosts,
      ports: ports.map((p) => ({ name: p.name ?? `tcp-${p.number}`, protocol: p.protocol ?? 'TCP', ...p })),
      location: 'MESH_EXTERNAL',
      resolution: 'DNS',
      ...(exportTo ? { exportTo } : {}),
      ...extra,
    },
  };
}

export function serviceAccount(ns: string, name: string, annotations: Labels = {}): KubeManifest {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns, annotations } };
}

export function cnpgCluster(
  ns: string,
  name: string,
  destinationPath: string | undefined,
  options: { saAnnotations?: Labels; credentials?: Spec } = {},
): KubeManifest {
  return {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: { name, namespace: ns },
    spec: {
      instances: 2,
      ...(options.saAnnotations ? { serviceAccountTemplate: { metadata: { annotations: options.saAnnotations } } } : {}),
      ...(destinationPath
        ? { backup: { barmanObjectStore: { destinationPath, ...(options.credentials ?? { s3Credentials: { inheritFromIAMRole: true } }) } } }
        : {}),
    },
  };
}

export function scheduledBackup(ns: string, name: string, cluster: string, method?: string): KubeManifest {
  return {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'ScheduledBackup',
    metadata: { name, namespace: ns },
    spec: { schedule: '0 0 1 * * *', cluster: { name: cluster }, ...(method ? { method } : {}) },
  };
}

export function configMap(ns: string, name: string, data: Labels): KubeManifest {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data };
}

/** A Helm release as an Argo CD Application installs it, not rendered (no helm in tests). */
export function release(chart: string, namespace: string, values: Spec, releaseName = chart): HelmRelease {
  const application: KubeManifest = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: releaseName, namespace: 'argocd' }, spec: {} };
  return {
    application,
    file: `${ENV}/clusters/cluster/argocd/addons.yaml`,
    repoURL: 'https://charts.example',
    chart,
    version: '1.0.0',
    releaseName,
    namespace,
    values,
    skipped: 'no Helm renderer',
  };
}

/** The istiod release with a mesh-wide outbound traffic policy. */
export function istiod(mode: 'REGISTRY_ONLY' | 'ALLOW_ANY' = 'ALLOW_ANY'): HelmRelease {
  return release('istiod', 'istio-system', { meshConfig: { outboundTrafficPolicy: { mode } } });
}

// ---------------------------------------------------------------------------------------------
// Flows

export const pods = (ns: string, podLabels?: Labels, serviceAccount?: string): PodSet => ({
  namespace: ns,
  ...(podLabels ? { podLabels } : {}),
  ...(serviceAccount ? { serviceAccount } : {}),
});

export function podFlow(name: string, from: PodSet, to: PodSet, ports: FlowPort[], extra: Partial<Flow> = {}): Flow {
  return { name, from: { pods: from }, to: { pods: to, ports }, reason: 'test', ...extra };
}

export function webhookFlow(name: string, to: PodSet, ports: FlowPort[]): Flow {
  return { name, from: { apiServer: true }, to: { pods: to, ports }, reason: 'admission webhook' };
}

export function externalFlow(name: string, from: PodSet, cidrs: string[], ports: FlowPort[], host?: string): Flow {
  return { name, from: { pods: from }, to: { external: { cidrs, ...(host ? { host } : {}) }, ports }, reason: 'external' };
}

/** Replaces the objects of a state (a fixed version of a broken fixture). */
export function withObjects(s: ClusterState, objects: readonly (KubeManifest | Placed)[]): ClusterState {
  return { ...state({ objects, flows: s.flows, releases: s.releases, cloud: s.cluster.cloud }) };
}

// ---------------------------------------------------------------------------------------------
// Terraform stacks (the JSON cdktf writes: resource → type → name → body, references unresolved)

export type Resources = Record<string, Record<string, Spec>>;

export function stack(resources: Resources, region = 'eu-west-1', provider = 'aws'): Spec {
  return { provider: { [provider]: [{ region }] }, resource: resources };
}

/** Adds resources to a stack's JSON. */
export function merge(...parts: Resources[]): Resources {
  const out: Resources = {};
  for (const p of parts) for (const [type, byName] of Object.entries(p)) out[type] = { ...(out[type] ?? {}), ...byName };
  return out;
}

export function podIdentityRole(id: string, ns: string, sa: string, roleName = `ceres-${ENV}-aws-${id}`): Resources {
  return {
    aws_iam_role: {
      [`${id}-role`]: {
        name: roleName,
        assume_role_policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
        }),
      },
    },
    aws_eks_pod_identity_association: {
      [`${id}-identity`]: { cluster_name: '${aws_eks_cluster.eks.name}', namespace: ns, service_account: sa, role_arn: `\${aws_iam_role.${id}-role.arn}` },
    },
  };
}

export function irsaRole(id: string, ns: string, sa: string, roleName = `ceres-${ENV}-aws-${id}`): Resources {
  return {
    aws_iam_role: {
      [`${id}-role`]: {
        name: roleName,
        assume_role_policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: '${aws_iam_openid_connect_provider.eks.arn}' },
              Action: 'sts:AssumeRoleWithWebIdentity',
              Condition: { StringEquals: { '${replace(aws_iam_openid_connect_provider.eks.url, "https://", "")}:sub': `system:serviceaccount:${ns}:${sa}` } },
            },
          ],
        }),
      },
    },
  };
}

export function s3Bucket(id: string, bucket: string): Resources {
  return { aws_s3_bucket: { [id]: { bucket } } };
}

export function roleBucketPolicy(roleId: string, bucketId: string, prefix = ''): Resources {
  const arn = `\${aws_s3_bucket.${bucketId}.arn}`;
  return {
    aws_iam_role_policy: {
      [`${roleId}-policy`]: {
        role: `\${aws_iam_role.${roleId}-role.id}`,
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: arn },
            { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: `${arn}/${prefix ? `${prefix}/` : ''}*` },
          ],
        }),
      },
    },
  };
}

export function gcpWorkloadIdentity(id: string, ns: string, sa: string, accountId = `ceres-${ENV}-${id}`): Resources {
  return {
    google_service_account: { [id]: { account_id: accountId, project: '${var.gcp_project_id}' } },
    google_service_account_iam_member: {
      [`${id}-wi`]: {
        member: `serviceAccount:\${var.gcp_project_id}.svc.id.goog[${ns}/${sa}]`,
        role: 'roles/iam.workloadIdentityUser',
        service_account_id: `\${google_service_account.${id}.name}`,
      },
    },
  };
}

export function azureFederated(id: string, ns: string, sa: string): Resources {
  return {
    azurerm_user_assigned_identity: { [id]: { name: `ceres-${ENV}-azure-${id}` } },
    azurerm_federated_identity_credential: {
      [`${id}-federation`]: {
        subject: `system:serviceaccount:${ns}:${sa}`,
        parent_id: `\${azurerm_user_assigned_identity.${id}.id}`,
        audience: ['api://AzureADTokenExchange'],
      },
    },
  };
}

export const AWS_STACK = `terraform/${ENV}-aws/cdk.tf.json`;
export const GCP_STACK = `terraform/${ENV}-gcp/cdk.tf.json`;
export const AZURE_STACK = `terraform/${ENV}-azure/cdk.tf.json`;
