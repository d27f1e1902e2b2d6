import { Construct } from 'constructs';
import { AzurermBackend, TerraformVariable } from 'cdktf';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { alphanumeric } from '../names';
import { PlatformStack, PlatformStackProps } from '../platform-stack';
import { AzureBackupStorage } from './backup-storage';
import { AzureDiskEncryption } from './disk-encryption';
import { AzureKubernetesCluster } from './kubernetes-cluster';
import { AzureNetwork } from './network';
import { AzurePostgres } from './postgres';
import { AzureWorkloadIdentities } from './workload-identities';

export type AzurePlatformStackProps = PlatformStackProps;

/**
 * An environment's Azure infrastructure (the design's secondary): resource group, VNet, AKS, PostgreSQL
 * Flexible Server and the backup storage account. Subscription, tenant and admin group come from
 * Terraform variables, never from the JSON.
 */
export class AzurePlatformStack extends PlatformStack {
  public readonly network: AzureNetwork;
  public readonly kubernetes: AzureKubernetesCluster;
  public readonly postgres: AzurePostgres;
  public readonly backups: AzureBackupStorage;

  constructor(scope: Construct, props: AzurePlatformStackProps) {
    super(scope, 'azure', props);
    const { cluster, environment } = props;
    const location = cluster.region;
    const tags = this.tags;

    new AzurermBackend(this, {
      resourceGroupName: this.state.resourceGroupName,
      storageAccountName: this.state.storageAccountName,
      containerName: this.state.containerName,
      key: this.state.key,
      useAzureadAuth: true,
    });

    const subscriptionId = new TerraformVariable(this, 'azure_subscription_id', {
      type: 'string',
      nullable: false,
      description: 'Azure subscription the environment runs in.',
    });
    const tenantId = new TerraformVariable(this, 'azure_tenant_id', {
      type: 'string',
      nullable: false,
      description: 'Entra ID tenant (Kubernetes RBAC, PostgreSQL authentication).',
    });
    const adminGroupId = new TerraformVariable(this, 'platform_admin_group_object_id', {
      type: 'string',
      nullable: false,
      description: 'Object id of the Entra ID group administering AKS (cluster-admin) and PostgreSQL.',
    });
    const adminGroupName = new TerraformVariable(this, 'platform_admin_group_name', {
      type: 'string',
      default: `${props.platform.name}-platform-admins`,
      description: 'Display name of that group (PostgreSQL Entra administrator principal name).',
    });

    const runnerRanges = new TerraformVariable(this, 'terraform_runner_ip_ranges', {
      type: 'list(string)',
      nullable: false,
      description: 'Public egress IP ranges of the machine running Terraform, let through the Key Vault firewall (it creates the disk encryption key).',
    });

    new AzurermProvider(this, 'azurerm', {
      features: [
        {
          // The backup account has no public network access: never call its data plane (blob, queue, static
          // website endpoints), which would answer 403 from outside the VNet on every plan and apply.
          storage: [{ dataPlaneAvailable: false }],
          // The vault has purge protection: destroying must not try to purge, and a re-create recovers it.
          keyVault: [{ purgeSoftDeleteOnDestroy: false, recoverSoftDeletedKeyVaults: true }],
        },
      ],
      subscriptionId: subscriptionId.stringValue,
      tenantId: tenantId.stringValue,
      // Shared keys are off on our storage accounts: data-plane calls use Entra ID.
      storageUseAzuread: true,
    });

    const group = new ResourceGroup(this, 'resource-group', { name: `${cluster.name}-rg`, location, tags });
    const base = { resourceGroupName: group.name, location, tags };

    if (!cluster.networkCidr) throw new Error(`cluster '${cluster.name}' needs a networkCidr`);
    this.network = new AzureNetwork(this, 'network', { ...base, name: cluster.name, cidr: cluster.networkCidr });

    const client = new DataAzurermClientConfig(this, 'client');
    const diskEncryption = new AzureDiskEncryption(this, 'disk-encryption', {
      ...base,
      vaultName: `${cluster.name}-des`,
      name: `${cluster.name}-disks`,
      tenantId: tenantId.stringValue,
      terraformObjectId: client.objectId,
      allowedIpRanges: runnerRanges.listValue,
    });

    this.kubernetes = new AzureKubernetesCluster(this, 'aks', {
      ...base,
      name: cluster.name,
      kubernetesVersion: cluster.kubernetesVersion,
      nodeSubnetId: this.network.nodeSubnet.id,
      diskEncryptionSetId: diskEncryption.encryptionSet.id,
      dependsOn: diskEncryption.ready,
      nodePools: cluster.nodePools,
      tenantId: tenantId.stringValue,
      adminGroupObjectIds: [adminGroupId.stringValue],
      apiAllowedCidrs: cluster.apiAllowedCidrs,
    });

    this.postgres = new AzurePostgres(this, 'postgres', {
      ...base,
      name: `${cluster.name}-postgres`,
      delegatedSubnetId: this.network.postgresSubnet.id,
      virtualNetworkId: this.network.vnet.id,
      tenantId: tenantId.stringValue,
      adminGroup: { objectId: adminGroupId.stringValue, name: adminGroupName.stringValue },
      skuName: environment.sizing.ha ? 'GP_Standard_D4ds_v5' : 'GP_Standard_D2ds_v5',
      highAvailability: environment.sizing.ha,
      logAnalyticsWorkspaceId: this.kubernetes.logs.id,
    });

    this.backups = new AzureBackupStorage(this, 'backups', {
      ...base,
      accountName: alphanumeric(`${props.platform.name}${environment.name}backups`, 24),
      endpointSubnetId: this.network.endpointSubnet.id,
      virtualNetworkId: this.network.vnet.id,
    });

    new AzureWorkloadIdentities(this, 'workload-identities', {
      ...base,
      clusterName: cluster.name,
      oidcIssuerUrl: this.kubernetes.oidcIssuerUrl,
      backupStorageAccountId: this.backups.account.id,
    });

    const aks = this.kubernetes.cluster;
    this.addPlatformOutputs(
      {
        clusterName: aks.name,
        // Private clusters expose the private FQDN; public ones the FQDN restricted to apiAllowedCidrs.
        clusterEndpoint: (cluster.apiAllowedCidrs ?? []).length > 0 ? aks.fqdn : aks.privateFqdn,
        // Local accounts are off, so kube_admin_config is empty; kube_config (Entra ID user) carries the CA.
        clusterCaCertificate: aks.kubeConfig.get(0).clusterCaCertificate,
        caIsSensitive: true,
        region: location,
        databaseEndpoint: this.postgres.fqdn,
        backupBucket: this.backups.account.name,
      },
      {
        resource_group: [group.name, 'Resource group of the environment.'],
        oidc_issuer_url: [this.kubernetes.oidcIssuerUrl, 'AKS OIDC issuer (workload identity federation).'],
      },
    );
  }
}
