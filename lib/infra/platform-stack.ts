import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { ClusterConfig, EnvironmentConfig, PlatformConfig } from '../core/model';
import { ClusterFacts, clusterFacts, InfraInput } from './facts';
import { stackName, TerraformCloud } from '../core/cloud';
import { defaultStateLocation, platformTags, StateLocation } from './names';

/** The Terraform version the generated JSON needs (S3 native locking `use_lockfile` came in 1.10). */
export const REQUIRED_TERRAFORM_VERSION = '>= 1.10.0';

export interface PlatformStackProps {
  /** The whole platform description (names, GitOps repository, Keycloak URL). */
  readonly platform: PlatformConfig;
  /** The environment the stack belongs to (`<env>-<cloud>`). */
  readonly environment: EnvironmentConfig;
  /** The environment's cluster on this stack's cloud. */
  readonly cluster: ClusterConfig;
  /**
   * The tenant input: which PostgreSQL clusters run on the cluster, each bound to its own cloud identity.
   * Pass the input the Kubernetes side renders (`NO_TENANT_INPUT` for none).
   */
  readonly input: InfraInput;
  /**
   * Where the state lives.
   * @default bucket `<platform>-terraform-state`, key `<env>-<cloud>/terraform.tfstate`
   */
  readonly state?: Partial<StateLocation>;
}

/** What every cloud stack outputs, so kubeconfig generation and the Kubernetes side read the same names. */
export interface PlatformOutputs {
  /** Name of the Kubernetes cluster. */
  readonly clusterName: string;
  /** API server endpoint (the private one unless the cluster allows public CIDRs). */
  readonly clusterEndpoint: string;
  /** The cluster CA certificate (base64 PEM) kubeconfigs trust. */
  readonly clusterCaCertificate: string;
  /** The cloud region (Azure location) of the cluster. */
  readonly region: string;
  /** Host name of the managed PostgreSQL. */
  readonly databaseEndpoint: string;
  /** Name of the backup bucket (Azure: the storage account). */
  readonly backupBucket: string;
  /**
   * Whether the CA comes from a sensitive provider attribute (AKS `kube_config`), so the output must be
   * marked sensitive for Terraform to accept it.
   * @default false
   */
  readonly caIsSensitive?: boolean;
}

/** Base of the per-cloud stacks: names, tags, state location, required Terraform version, outputs. */
export abstract class PlatformStack extends TerraformStack {
  public readonly cluster: ClusterConfig;
  public readonly environment: EnvironmentConfig;
  public readonly platform: PlatformConfig;
  public readonly state: StateLocation;
  public readonly tags: Record<string, string>;
  /** The platform model's facts of the cluster (lib/core/cloud.ts): every name and CIDR the Kubernetes side also uses. */
  public readonly facts: ClusterFacts;

  protected constructor(scope: Construct, cloud: TerraformCloud, props: PlatformStackProps) {
    super(scope, stackName(props.environment.name, cloud));
    if (props.cluster.cloud !== cloud) {
      throw new Error(`cluster '${props.cluster.name}' runs on ${props.cluster.cloud}, not ${cloud}`);
    }
    this.cluster = props.cluster;
    this.environment = props.environment;
    this.platform = props.platform;
    this.state = { ...defaultStateLocation(props.platform.name, props.environment.name, cloud), ...props.state };
    this.tags = platformTags(props.platform, props.environment, props.cluster);
    this.facts = clusterFacts(props.platform, props.environment, props.cluster, props.input);
    this.addOverride('terraform.required_version', REQUIRED_TERRAFORM_VERSION);
  }

  /** Outputs for kubeconfig generation (cluster name, endpoint, CA, region) and the data services. */
  protected addPlatformOutputs(outputs: PlatformOutputs, extra: Record<string, [value: string, description: string]> = {}): void {
    const all: Record<string, [string, string]> = {
      cluster_name: [outputs.clusterName, 'Kubernetes cluster name (kubeconfig).'],
      cluster_endpoint: [outputs.clusterEndpoint, 'Kubernetes API endpoint (kubeconfig server).'],
      cluster_ca_certificate: [outputs.clusterCaCertificate, 'Base64 PEM of the cluster CA (kubeconfig certificate-authority-data).'],
      region: [outputs.region, 'Cloud region of the cluster.'],
      database_endpoint: [outputs.databaseEndpoint, 'PostgreSQL endpoint (private).'],
      backup_bucket: [outputs.backupBucket, 'Backup bucket / storage account (Velero, CloudNativePG).'],
    };
    Object.assign(all, extra);
    for (const [name, [value, description]] of Object.entries(all)) {
      const sensitive = name === 'cluster_ca_certificate' && outputs.caIsSensitive === true;
      new TerraformOutput(this, name, { value, description, sensitive: sensitive || undefined });
    }
  }
}
