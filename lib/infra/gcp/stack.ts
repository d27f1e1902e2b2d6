import { Construct } from 'constructs';
import { GcsBackend, TerraformOutput, TerraformVariable } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { DataGoogleProject } from '@cdktf/provider-google/lib/data-google-project';
import { DataGoogleStorageProjectServiceAccount } from '@cdktf/provider-google/lib/data-google-storage-project-service-account';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { ProjectService } from '@cdktf/provider-google/lib/project-service';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { gkeSecondaryRanges } from '../../core/cloud';
import { PlatformStack, PlatformStackProps } from '../platform-stack';
import { GcpAutopilotCluster } from './autopilot-cluster';
import { GcpBackupBucket } from './backup-bucket';
import { GcpEncryptionKeys } from './encryption-keys';
import { GcpNetwork } from './network';
import { GcpPostgres } from './postgres';
import { GcpSecretReaders } from './secret-readers';
import { GcpDatabaseAlarms } from './database-alarms';
import { GcpWorkloadIdentities } from './workload-identities';

/** The Google APIs the stack uses. */
export const GCP_SERVICES = [
  'compute.googleapis.com',
  'container.googleapis.com',
  'servicenetworking.googleapis.com',
  'sqladmin.googleapis.com',
  'iam.googleapis.com',
  'cloudkms.googleapis.com',
  'binaryauthorization.googleapis.com',
  'monitoring.googleapis.com',
  'logging.googleapis.com',
] as const;

/** The Cloud KMS location of a GCS location (`EU` multi-region → `europe`; a region stays itself). */
export function kmsLocationOf(gcsLocation: string): string {
  const multi: Record<string, string> = { EU: 'europe', US: 'us', ASIA: 'asia' };
  return multi[gcsLocation] ?? gcsLocation.toLowerCase();
}

/** Roles of the GKE node service account (what the reference autopilot modules grant, registry aside). */
export const GKE_NODE_ROLES = ['roles/container.defaultNodeServiceAccount'] as const;

export type GcpPlatformStackProps = PlatformStackProps;

/** Terraform output: workload identity name → email of its Google service account (the `iam.gke.io/gcp-service-account` annotation). */
export const GCP_SERVICE_ACCOUNTS_OUTPUT = 'workload_identity_service_accounts';

/**
 * An environment's GCP infrastructure (the design's tertiary): VPC, GKE Autopilot, Cloud SQL PostgreSQL,
 * the cross-region backup bucket and Workload Identity for the platform model's workload identities.
 * Every name and CIDR the Kubernetes side uses too comes from the platform model (`this.facts`,
 * lib/core/cloud.ts). The project id comes from a Terraform variable.
 */
export class GcpPlatformStack extends PlatformStack {
  public readonly network: GcpNetwork;
  public readonly kubernetes: GcpAutopilotCluster;
  public readonly postgres: GcpPostgres;
  public readonly backups: GcpBackupBucket;

  constructor(scope: Construct, props: GcpPlatformStackProps) {
    super(scope, 'gcp', props);
    const { cluster, environment } = props;
    const { plan, store, identities, secretReaders } = this.facts;
    const region = cluster.region;
    // GCP labels: lowercase keys and values. Underscores in keys, because cdktf snake-cases the keys of the
    // provider's default_labels anyway; resource labels then match them.
    const labels = Object.fromEntries(Object.entries(this.tags).map(([k, v]) => [k.replace(/-/g, '_'), v.toLowerCase()]));

    new GcsBackend(this, { bucket: this.state.bucket, prefix: this.state.prefix });

    const projectVar = new TerraformVariable(this, 'gcp_project_id', {
      type: 'string',
      nullable: false,
      description: 'GCP project the environment runs in.',
      // The project the manifests' Google service account e-mails name (platform model `cloudAccounts.gcp`).
      ...(environment.cloudAccounts?.gcp
        ? {
            validation: [
              {
                condition: `\${var.gcp_project_id == "${environment.cloudAccounts.gcp}"}`,
                errorMessage: `The platform model (apps/platform/platform.ts cloudAccounts.gcp) puts ${environment.name} in project ${environment.cloudAccounts.gcp}.`,
              },
            ],
          }
        : {}),
    });
    const project = projectVar.stringValue;
    new GoogleProvider(this, 'google', { project, region, defaultLabels: labels });

    const services = GCP_SERVICES.map((service) => new ProjectService(this, `service-${service.split('.')[0]}`, { project, service, disableOnDestroy: false }));

    const secondaryRanges = gkeSecondaryRanges(cluster);
    if (!secondaryRanges) throw new Error(`cluster '${cluster.name}' has no GKE secondary ranges in the platform model`);
    this.network = new GcpNetwork(this, 'network', {
      name: cluster.name,
      project,
      region,
      plan,
      secondaryRanges,
      dependsOn: services,
    });

    // Customer-managed keys: GKE Secrets (GKE service agent), node boot disks (Compute Engine service agent),
    // backups (Cloud Storage service agent, key in the bucket's multi-region).
    const projectNumber = new DataGoogleProject(this, 'project', { projectId: project }).number;
    const storageAgent = new DataGoogleStorageProjectServiceAccount(this, 'storage-agent', { project, dependsOn: services }).emailAddress;
    // The backup store's location: the multi-region of the cluster's region (cross-region by construction).
    const backupLocation = store.region;
    const keys = new GcpEncryptionKeys(this, 'keys', {
      ringName: cluster.name,
      project,
      dependsOn: services,
      labels,
      keys: [
        { name: 'gke-secrets', location: region, users: [`service-${projectNumber}@container-engine-robot.iam.gserviceaccount.com`] },
        { name: 'gke-node-disks', location: region, users: [`service-${projectNumber}@compute-system.iam.gserviceaccount.com`] },
        { name: 'backups', location: kmsLocationOf(backupLocation), users: [storageAgent] },
      ],
    });

    // Nodes run as a dedicated account with the minimal node role, not the Compute Engine default account.
    const nodeAccount = new ServiceAccount(this, 'gke-nodes', {
      project,
      accountId: `${cluster.name}-nodes`.slice(0, 30),
      displayName: `GKE nodes of ${cluster.name}`,
      dependsOn: services,
    });
    const nodeRoles = GKE_NODE_ROLES.map(
      (role) => new ProjectIamMember(this, `gke-nodes-${role.split('/')[1]}`, { project, role, member: `serviceAccount:${nodeAccount.email}` }),
    );

    this.kubernetes = new GcpAutopilotCluster(this, 'gke', {
      name: cluster.name,
      project,
      region,
      networkId: this.network.network.id,
      subnetId: this.network.subnet.id,
      kubernetesVersion: cluster.kubernetesVersion,
      apiAllowedCidrs: cluster.apiAllowedCidrs,
      nodeServiceAccount: nodeAccount.email,
      secretsKeyId: keys.keyIds['gke-secrets'],
      bootDiskKeyId: keys.keyIds['gke-node-disks'],
      dependsOn: [...nodeRoles, ...keys.grants['gke-secrets'], ...keys.grants['gke-node-disks']],
      labels,
    });

    this.postgres = new GcpPostgres(this, 'postgres', {
      name: `${cluster.name}-postgres`,
      project,
      region,
      networkId: this.network.network.id,
      privateServicesConnection: this.network.privateServicesConnection,
      tier: environment.sizing.ha ? 'db-custom-4-15360' : 'db-custom-2-7680',
      highAvailability: environment.sizing.ha,
      // The design's "GCS for cross-region backups": the backup store's multi-region (lib/core/cloud.ts).
      backupLocation: store.region.toLowerCase(),
      labels,
    });
    new GcpDatabaseAlarms(this, 'postgres-alarms', { environment, project, instanceName: `${cluster.name}-postgres` });

    this.backups = new GcpBackupBucket(this, 'backups', {
      name: store.bucket,
      project,
      location: backupLocation,
      kmsKeyId: keys.keyIds.backups,
      dependsOn: keys.grants.backups,
      labels,
    });

    const workloadIdentities = new GcpWorkloadIdentities(this, 'workload-identities', {
      prefix: `${props.platform.name}-${environment.name}`,
      project,
      backupBucket: store.bucket,
      backupBucketRef: this.backups.name,
      identities,
      dependsOn: [this.kubernetes.cluster],
    });
    new TerraformOutput(this, GCP_SERVICE_ACCOUNTS_OUTPUT, {
      value: Object.fromEntries(Object.entries(workloadIdentities.accounts).map(([name, account]) => [name, account.email])),
      description:
        'Google service account of each workload identity of the platform model (identity name → email), for the iam.gke.io/gcp-service-account annotation of its Kubernetes service account.',
    });

    // Tenants' secrets in Secret Manager: a Google service account per tenant, conditioned on its prefix.
    if (secretReaders.length) {
      const secretManager = new ProjectService(this, 'service-secretmanager', { project, service: 'secretmanager.googleapis.com', disableOnDestroy: false });
      new GcpSecretReaders(this, 'secret-readers', {
        cluster,
        project,
        projectNumber,
        readers: secretReaders,
        dependsOn: [this.kubernetes.cluster, secretManager],
      });
    }

    this.addPlatformOutputs(
      {
        clusterName: this.kubernetes.cluster.name,
        clusterEndpoint: this.kubernetes.endpoint,
        clusterCaCertificate: this.kubernetes.certificateAuthority,
        region,
        databaseEndpoint: this.postgres.privateIp,
        backupBucket: this.backups.name,
      },
      { database_connection_name: [this.postgres.instance.connectionName, 'Cloud SQL connection name (Auth Proxy).'] },
    );
  }
}
