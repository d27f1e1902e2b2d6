import { Construct } from 'constructs';
import { gkeWorkloadPool } from './workload-identities';
import type { ITerraformDependable } from 'cdktf';
import { ContainerCluster } from '@cdktf/provider-google/lib/container-cluster';
import { GKE_MASTER_CIDR } from '../../core/cloud';
import { GKE_POD_RANGE, GKE_SERVICE_RANGE } from './network';

export interface GcpAutopilotClusterProps {
  /** GKE cluster name (the model's cluster name). */
  readonly name: string;
  /** GCP project id. */
  readonly project: string;
  /** GCP region of the (regional) cluster. */
  readonly region: string;
  /** VPC and subnet self links / ids. */
  readonly networkId: string;
  /** Subnet of the nodes, with the secondary ranges for pods and services. */
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
  /** E-mail of the (least-privilege) service account of the nodes. */
  readonly nodeServiceAccount: string;
  /** Cloud KMS key encrypting Secrets in etcd (application-layer `database_encryption`). */
  readonly secretsKeyId: string;
  /** Cloud KMS key encrypting the node boot disks. */
  readonly bootDiskKeyId: string;
  /** Resources the cluster waits for: the node account's roles and the key grants. @default [] */
  readonly dependsOn?: ITerraformDependable[];
  /** Resource labels. @default {} */
  readonly labels?: Record<string, string>;
}

/** Weekly maintenance: weekend nights (UTC), 4 hours each. */
export const GKE_MAINTENANCE_WINDOW = {
  startTime: '2024-01-06T01:00:00Z',
  endTime: '2024-01-06T05:00:00Z',
  recurrence: 'FREQ=WEEKLY;BYDAY=SA,SU',
} as const;

/**
 * GKE Autopilot: private nodes (and a private endpoint unless apiAllowedCidrs), master authorized
 * networks, REGULAR release channel with a weekend maintenance window, Workload Identity, nodes running as a
 * dedicated least-privilege service account with CMEK boot disks, Secrets encrypted with a Cloud KMS key,
 * Binary Authorization enforcing the project policy, deletion protection. Autopilot manages the nodes: no
 * node pools, no node sysctls, no kubelet configuration.
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
      // Dataplane V2 (Cilium) enforces NetworkPolicies; Autopilot always runs it, stated so a plan shows it.
      datapathProvider: 'ADVANCED_DATAPATH',
      privateClusterConfig: {
        enablePrivateNodes: true,
        enablePrivateEndpoint: allowed.length === 0,
        masterIpv4CidrBlock: props.masterCidr ?? GKE_MASTER_CIDR,
        masterGlobalAccessConfig: { enabled: false },
      },
      masterAuthorizedNetworksConfig: {
        gcpPublicCidrsAccessEnabled: false,
        cidrBlocks: allowed.map((cidr) => ({ cidrBlock: cidr, displayName: `allowed ${cidr}` })),
      },
      releaseChannel: { channel: props.releaseChannel ?? 'REGULAR' },
      workloadIdentityConfig: { workloadPool: gkeWorkloadPool(props.project) },
      // Workload configuration audit stays; GKE's workload vulnerability scanning is gone (VULNERABILITY_BASIC
      // is refused by the API since July 2025, VULNERABILITY_ENTERPRISE is deprecated): image scanning
      // belongs to the registries and CI.
      securityPostureConfig: { mode: 'BASIC', vulnerabilityMode: 'VULNERABILITY_DISABLED' },
      // Autopilot nodes run as this account instead of the Compute Engine default (Editor on the project).
      clusterAutoscaling: { autoProvisioningDefaults: { serviceAccount: props.nodeServiceAccount, bootDiskKmsKey: props.bootDiskKeyId } },
      databaseEncryption: { state: 'ENCRYPTED', keyName: props.secretsKeyId },
      binaryAuthorization: { evaluationMode: 'PROJECT_SINGLETON_POLICY_ENFORCE' },
      maintenancePolicy: { recurringWindow: { ...GKE_MAINTENANCE_WINDOW } },
      deletionProtection: true,
      resourceLabels: props.labels ?? {},
      dependsOn: props.dependsOn,
    });
  }

  public get endpoint(): string {
    return this.cluster.endpoint;
  }
  public get certificateAuthority(): string {
    return this.cluster.masterAuth.clusterCaCertificate;
  }
}
