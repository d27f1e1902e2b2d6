import { azureResourceGroup } from './cloud';
import { FEDERATION_AUDIENCES, oidcIssuerVariable } from './database-topology';
import { ClusterConfig, EnvironmentConfig } from './model';
import { environmentAccounts, fittedCloudName } from './secret-store';
import { PlatformNamespaces } from './namespaces';
import { placementApplies, primaryCluster } from './topology';

/**
 * Traffic failover of the public hosts (docs/disaster-recovery.md, "Traffic failover"): one public
 * Route 53 zone per environment (its `baseDomain`, in the AWS stack), a wildcard record pair
 * `*.<baseDomain>` with failover routing, PRIMARY at the primary cluster's ingress load balancer and
 * SECONDARY at the secondary cluster's, each with a Route 53 health check on what the Istio ingress
 * gateway itself serves (status port 15021, `/healthz/ready`). Every fact that both the gateway's
 * Service (lib/mesh) and Terraform (lib/infra) read is here.
 */

/** The ingress gateway's Service: the `gateway` chart names Deployment, Service and ServiceAccount after the release. */
export const INGRESS_SERVICE = { namespace: PlatformNamespaces.ingress, name: 'istio-ingressgateway' } as const;

/**
 * What the Route 53 health checks probe: the gateway's status port, exposed by its LoadBalancer
 * Service (port `status-port`) and answered by every gateway pod once Envoy holds its configuration
 * (the readiness probe of istiod's `gateway` injection template, `templates/gateway-injection-template.yaml`).
 */
export const INGRESS_HEALTH_CHECK = {
  /** HTTP: the status port serves plain HTTP. */
  protocol: 'HTTP',
  /** The Service port and container port `status-port`. */
  port: 15021,
  /** Envoy's readiness on the status port. */
  path: '/healthz/ready',
  /** Seconds between two probes of one checker (Route 53 allows 10 or 30; 10 is the "fast" interval). */
  intervalSeconds: 10,
  /** Consecutive failures before an endpoint is unhealthy (and consecutive successes before it is healthy again). */
  failureThreshold: 3,
} as const;

/** Outputs of the stacks that the runbook and the other stack read. */
export const FailoverOutputs = {
  /** Azure stack: the static public IP of the ingress (fed to the AWS stack's `ingress_address_<cluster>`). */
  ingressAddress: 'ingress_address',
  /** AWS stack: Route 53 health check id per ingress cluster. */
  healthChecks: 'ingress_health_check_ids',
  /** AWS stack: the zone's name servers, for the delegation. */
  nameServers: 'dns_name_servers',
  /** AWS stack: the DS record of the zone's key-signing key, for the parent zone. */
  dsRecord: 'dns_ds_record',
} as const;

/** TTL (seconds) of the secondary's record; the primary is an alias, whose TTL is the load balancer's (60 s). */
export const FAILOVER_RECORD_TTL = 60;

/** Where an ingress load balancer's address comes from, as both sides name it. */
export type IngressAddress =
  | {
      /** AWS: the Network Load Balancer the cloud provider creates for the Service, found by the tags it puts on it. */
      readonly kind: 'aws-nlb';
      /** Tag `kubernetes.io/service-name` (`<namespace>/<name>` of the Service). */
      readonly serviceTag: string;
      /** Tag key `kubernetes.io/cluster/<cluster>` (value `owned`). */
      readonly clusterTag: string;
    }
  | {
      /** Azure: a static Standard public IP the stack creates, which the cloud provider puts on the cluster's load balancer. */
      readonly kind: 'azure-public-ip';
      /** The public IP's name (annotation `azure-pip-name`). */
      readonly name: string;
      /** Its resource group (annotation `azure-load-balancer-resource-group`), the cluster's. */
      readonly resourceGroup: string;
    };

/** One cluster whose ingress gateway a failover record points at. */
export interface IngressSite {
  /** The cluster. */
  readonly cluster: ClusterConfig;
  /** Route 53 failover role of its record. */
  readonly failover: 'PRIMARY' | 'SECONDARY';
  /** How its load balancer's address is found. */
  readonly address: IngressAddress;
  /** `set_identifier` of its record (unique in the record set). */
  readonly setIdentifier: string;
}

/** The DNS failover of an environment's public hosts. */
export interface TrafficFailover {
  /** The public hosted zone: the environment's `baseDomain`. */
  readonly zone: string;
  /** The record name: every public host is `<label>.<baseDomain>`. */
  readonly recordName: string;
  /** The primary site, then the secondary (absent in an environment with one ingress site: a simple record). */
  readonly sites: readonly IngressSite[];
}

/**
 * Clusters that can take public traffic: cloud clusters (an edge site serves its own `baseDomain`) that
 * run workloads, hence the sidecar mesh and its ingress gateway; GKE Autopilot runs no mesh.
 */
export const INGRESS_SITES = { traits: ['workloads'], clouds: ['aws', 'azure'] } as const;

/** The static address of a cluster's ingress load balancer, as the model names it. */
export function ingressAddress(cluster: ClusterConfig): IngressAddress {
  switch (cluster.cloud) {
    case 'aws':
      return { kind: 'aws-nlb', serviceTag: `${INGRESS_SERVICE.namespace}/${INGRESS_SERVICE.name}`, clusterTag: `kubernetes.io/cluster/${cluster.name}` };
    case 'azure':
      return { kind: 'azure-public-ip', name: `${cluster.name}-ingress`, resourceGroup: azureResourceGroup(cluster) };
    default:
      throw new Error(`cluster '${cluster.name}': no ingress address for cloud ${cluster.cloud}; traffic failover runs on AWS and Azure clusters`);
  }
}

/**
 * Annotations of the ingress gateway's Service on a cluster (upstream names: kubernetes/cloud-provider-aws
 * `pkg/providers/v1/aws.go`, kubernetes-sigs/cloud-provider-azure `pkg/consts/consts.go`).
 * - AWS: a Network Load Balancer (the cloud provider's default is a Classic ELB, which keeps no client
 *   address and which the stack could not find as an `aws_lb`), cross-zone so every address reaches every
 *   gateway pod.
 * - Azure: the stack's static public IP by name and resource group, so the address survives the Service.
 */
export function ingressServiceAnnotations(cluster: ClusterConfig): Record<string, string> {
  if (!placementApplies(INGRESS_SITES, cluster)) return {};
  const address = ingressAddress(cluster);
  switch (address.kind) {
    case 'aws-nlb':
      return {
        'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
        'service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled': 'true',
      };
    case 'azure-public-ip':
      return {
        'service.beta.kubernetes.io/azure-pip-name': address.name,
        'service.beta.kubernetes.io/azure-load-balancer-resource-group': address.resourceGroup,
      };
  }
}

/**
 * The Terraform variable of the AWS stack holding a secondary site's ingress address: output
 * `ingress_address` of that cluster's stack (the static public IP).
 */
export function ingressAddressVariable(cluster: ClusterConfig): string {
  return `ingress_address_${cluster.name.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/**
 * The environment's traffic failover: PRIMARY at its primary cluster, SECONDARY at the first other ingress
 * site (the `secondary` role first). Route 53 failover pairs exactly two; a third site would be a nested
 * pair. Undefined when the environment has no ingress site on AWS (the zone lives in the AWS stack).
 */
export function trafficFailover(environment: EnvironmentConfig): TrafficFailover | undefined {
  const primary = primaryCluster(environment);
  if (primary.cloud !== 'aws' || !placementApplies(INGRESS_SITES, primary)) return undefined;
  const rank = (c: ClusterConfig) => (c.role === 'secondary' ? 0 : 1);
  const secondary = environment.clusters
    .filter((c) => c !== primary && placementApplies(INGRESS_SITES, c))
    .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))[0];
  const site = (cluster: ClusterConfig, failover: IngressSite['failover']): IngressSite => ({
    cluster,
    failover,
    address: ingressAddress(cluster),
    setIdentifier: cluster.name,
  });
  return {
    zone: environment.baseDomain,
    recordName: `*.${environment.baseDomain}`,
    sites: secondary ? [site(primary, 'PRIMARY'), site(secondary, 'SECONDARY')] : [site(primary, 'PRIMARY')],
  };
}

// ---------------------------------------------------------------------------------------------
// Platform consoles: the UIs people sign in to on one cluster (Argo CD, Grafana, Kiali)

/**
 * A web UI a chart serves to people on each cluster it runs on, published at
 * `https://<app>.<cluster>.<baseDomain>` where the cluster takes public traffic (`consoleSites`):
 * TLS ends at the cluster's ingress gateway, which routes the host to the chart's Service, and the
 * zone answers `*.<cluster>.<baseDomain>` with that cluster's ingress (never the failover pair: a
 * console belongs to its cluster). The chart's OIDC redirect URIs, the route and the record all
 * derive from it; elsewhere the chart gets no public URL and no browser sign-in.
 */
export interface ConsoleSpec {
  /** First label of the host (`argocd` → `argocd.<cluster>.<baseDomain>`). */
  readonly app: string;
  /** The chart's Service that serves the UI (in the chart's namespace). */
  readonly service: string;
  /** The Service port the route sends to. */
  readonly port: number;
  /** The pods behind it and their container port: the ingress gateway's flow (plain HTTP inside the cluster). */
  readonly pods: { readonly podLabels: Readonly<Record<string, string>>; readonly containerPort: number };
}

/**
 * Clusters whose consoles are public: the ingress sites of the environment's public zone (the failover
 * pair of `trafficFailover`), where an ingress gateway runs and the zone names the cluster's own
 * address. GKE Autopilot (no mesh, no gateway) and edge sites are reached with `kubectl port-forward`.
 */
export function consoleSites(environment: EnvironmentConfig): ClusterConfig[] {
  return (trafficFailover(environment)?.sites ?? []).map((s) => s.cluster);
}

/** Whether `cluster` publishes its consoles. */
export function servesConsoles(environment: EnvironmentConfig, cluster: ClusterConfig): boolean {
  return consoleSites(environment).some((c) => c.name === cluster.name);
}

/** The public host of a console on a cluster: `<app>.<cluster>.<baseDomain>`. */
export function consoleHost(
  app: string,
  t: { readonly cluster: Pick<ClusterConfig, 'name'>; readonly environment: Pick<EnvironmentConfig, 'baseDomain'> },
): string {
  return `${app}.${t.cluster.name}.${t.environment.baseDomain}`;
}

/** `https://<consoleHost>`. */
export function consoleUrl(
  app: string,
  t: { readonly cluster: Pick<ClusterConfig, 'name'>; readonly environment: Pick<EnvironmentConfig, 'baseDomain'> },
): string {
  return `https://${consoleHost(app, t)}`;
}

/** The zone's record for a cluster's consoles: `*.<cluster>.<baseDomain>`, answered with that cluster's ingress alone. */
export function consoleRecordName(cluster: Pick<ClusterConfig, 'name'>, environment: Pick<EnvironmentConfig, 'baseDomain'>): string {
  return `*.${cluster.name}.${environment.baseDomain}`;
}

/** Whether a DNS record name (`*.ceres.io` or exact) answers for a host: a wildcard covers the names below it (RFC 4592). */
export function recordCovers(recordName: string, host: string): boolean {
  const name = recordName.replace(/\.$/, '').toLowerCase();
  const h = host.replace(/\.$/, '').toLowerCase();
  return name.startsWith('*.') ? h.endsWith(name.slice(1)) && h.length > name.length - 1 : h === name;
}

/**
 * Of the record names of a zone, the one that answers `host`: the exact name, else the covering wildcard
 * nearest to it (`*.a.ceres.io` before `*.ceres.io` for `x.a.ceres.io`: the closest encloser's wildcard, RFC 4592).
 */
export function answeringRecordName(recordNames: readonly string[], host: string): string | undefined {
  const h = host.replace(/\.$/, '').toLowerCase();
  const exact = recordNames.find((n) => n.replace(/\.$/, '').toLowerCase() === h);
  if (exact) return exact;
  return recordNames.filter((n) => n.startsWith('*.') && recordCovers(n, host)).sort((a, b) => b.length - a.length || a.localeCompare(b))[0];
}

// ---------------------------------------------------------------------------------------------
// Certificates of the secondary: ACME DNS-01 on the public zone

/**
 * cert-manager's DNS-01 solver on a SECONDARY ingress site. An HTTP-01 challenge is validated where
 * the name resolves, which is the primary while it is healthy: the secondary could neither issue nor
 * renew the certificates it needs after a failover. It solves DNS-01 on the environment's zone
 * instead (cert-manager's Route 53 solver), assuming a role of the zone's AWS stack with a token of
 * its own ServiceAccount (`auth.kubernetes.serviceAccountRef`: cert-manager requests the token, audience
 * `sts.amazonaws.com`, in its cluster resource namespace), trusted through the cluster's OIDC issuer
 * (the same IAM OIDC provider as the archive readers', variable `oidc_issuer_<cluster>`). The role may
 * change only TXT records under `_acme-challenge.` names of that zone.
 */
export const DNS01_SOLVER = {
  /** cert-manager's namespace: the cluster resource namespace, where a ClusterIssuer's ServiceAccount is looked up. */
  namespace: PlatformNamespaces.certManager,
  /** The ServiceAccount whose token cert-manager exchanges (no pod runs as it). */
  serviceAccount: 'ceres-dns01',
  /** cert-manager's controller ServiceAccount (chart `cert-manager`: the release name), which requests the token. */
  controllerServiceAccount: 'cert-manager',
  /** The token's audience (cert-manager's default for Route 53), one of the OIDC provider's client ids. */
  audience: FEDERATION_AUDIENCES.aws,
  /** Route 53 is global; the region is the SDK's signing hint. */
  region: 'us-east-1',
} as const;

/** A cluster solving its ACME challenges with DNS-01 on the environment's zone. */
export interface DnsChallengeSolver {
  /** The cluster whose cert-manager solves (a SECONDARY ingress site). */
  readonly cluster: ClusterConfig;
  /** The public zone (the environment's `baseDomain`). */
  readonly zone: string;
  /** The cluster whose stack holds the zone and the role (the PRIMARY, on AWS). */
  readonly zoneCluster: ClusterConfig;
  /** The IAM role's name in that stack. */
  readonly roleName: string;
  /** Its ARN, as the ClusterIssuer names it. */
  readonly roleArn: string;
  /** The AWS stack's variable holding the solver cluster's OIDC issuer URL. */
  readonly issuerVariable: string;
}

/** IAM role names: at most 64 characters. */
const IAM_ROLE_NAME_MAX = 64;

/**
 * The DNS-01 solvers of an environment: its SECONDARY ingress site, when it has DNS failover. Needs
 * `cloudAccounts.aws` (the role's ARN names the account).
 */
export function dnsChallengeSolvers(environment: EnvironmentConfig): DnsChallengeSolver[] {
  const failover = trafficFailover(environment);
  if (!failover) return [];
  const zoneCluster = failover.sites[0].cluster;
  return failover.sites
    .filter((s) => s.failover === 'SECONDARY')
    .map(({ cluster }) => {
      const account = environmentAccounts(environment).aws;
      if (!account)
        throw new Error(
          `apps/platform/platform.ts: environment '${environment.name}' needs cloudAccounts.aws: ${cluster.name} takes traffic after a failover and obtains its certificates through a role of the AWS account that holds the zone ${failover.zone}`,
        );
      const roleName = fittedCloudName(zoneCluster.name, `dns01-${cluster.name}`, IAM_ROLE_NAME_MAX);
      return {
        cluster,
        zone: failover.zone,
        zoneCluster,
        roleName,
        roleArn: `arn:aws:iam::${account}:role/${roleName}`,
        issuerVariable: oidcIssuerVariable(cluster),
      };
    });
}

/** The DNS-01 solver of a cluster, if it solves that way. */
export function dnsChallengeSolver(environment: EnvironmentConfig, cluster: ClusterConfig): DnsChallengeSolver | undefined {
  return dnsChallengeSolvers(environment).find((s) => s.cluster.name === cluster.name);
}
