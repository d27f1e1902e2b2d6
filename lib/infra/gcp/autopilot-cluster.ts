import { Construct } from 'constructs';
import { ContainerCluster } from '@cdktf/provider-google/lib/container-cluster';
import { GKE_POD_RANGE, GKE_SERVICE_RANGE } from './network';

export interface GcpAutopilotClusterProps {
  readonly name: string;
  readonly project: string;
  readonly region: string;
  /** VPC and subnet self links / ids. */
  readonly networkId: string;
  readonly subnetId: string;
  /** Minimum control-plane version (the release channel upgrades beyond it). */
  readonly kubernetesVersion: string;
  /**
   * CIDRs allowed to reach the public control-plane endpoint. Empty: private endpoint only.
   * @default []
   */
  readonly apiAllowedCidrs?: readonly string[];
  /**
   * Release channel.
   * @default 'REGULAR'
   */
  readonly releaseChannel?: 'RAPID' | 'REGULAR' | 'STABLE';
  /**
   * Control-plane range for the private endpoint (a /28 not used elsewhere).
   * @default '172.16.32.0/28'
   */
  readonly masterCidr?: string;
  /** Resource labels. @default {} */
  readonly labels?: Record<string, string>;
}

/**
 * GKE Autopilot: private nodes (and a private endpoint unless apiAllowedCidrs), master authorized
 * networks, REGULAR release channel, Workload Identity, deletion protection. Autopilot manages the nodes:
 * no node pools, no node sysctls, no kubelet configuration.
 */
export class GcpAutopilotCluster extends Construct {
  public readonly cluster: ContainerCluster;

  constructor(scope: Construct, id: string, props: GcpAutopilotClusterProps) {
    super(scope, id);
    const allowed = [...(props.apiAllowedCidrs ?? [])];
    this.cluster = new ContainerCluster(this, 'cluster', {
      name: props.name,
      project: props.project,
      location: props.region,
      enableAutopilot: true,
      network: props.networkId,
      subnetwork: props.subnetId,
      minMasterVersion: props.kubernetesVersion,
      ipAllocationPolicy: { clusterSecondaryRangeName: GKE_POD_RANGE, servicesSecondaryRangeName: GKE_SERVICE_RANGE },
      privateClusterConfig: {
        enablePrivateNodes: true,
        enablePrivateEndpoint: allowed.length === 0,
        masterIpv4CidrBlock: props.masterCidr ?? '172.16.32.0/28',
        masterGlobalAccessConfig: { enabled: false },
      },
      masterAuthorizedNetworksConfig: {
        gcpPublicCidrsAccessEnabled: false,
        cidrBlocks: allowed.map((cidr) => ({ cidrBlock: cidr, displayName: `allowed ${cidr}` })),
      },
      releaseChannel: { channel: props.releaseChannel ?? 'REGULAR' },
      workloadIdentityConfig: { workloadPool: `${props.project}.svc.id.goog` },
      securityPostureConfig: { mode: 'BASIC', vulnerabilityMode: 'VULNERABILITY_BASIC' },
      deletionProtection: true,
      resourceLabels: props.labels ?? {},
    });
  }

  public get endpoint(): string {
    return this.cluster.endpoint;
  }
  public get certificateAuthority(): string {
    return this.cluster.masterAuth.clusterCaCertificate;
  }
}
