import { Construct } from 'constructs';
import { AzurermBackend, Fn, TerraformOutput, TerraformVariable } from 'cdktf';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { azurePostgresServerName, azureResourceGroup, BootstrapFacts } from '../../core/cloud';
import { ARCHIVE_READER_OUTPUT, egressIpsVariable } from '../../core/database-topology';
import { PlatformStack, PlatformStackProps } from '../platform-stack';
import { AzureBackupStorage } from './backup-storage';
import { AzureDiskEncryption } from './disk-encryption';
import { AzureKubernetesCluster } from './kubernetes-cluster';
import { AzureNetwork } from './network';
import { AzurePostgres } from './postgres';
import { AzureDatabaseAlarms } from './database-alarms';
import { AzureWorkloadIdentities } from './workload-identities';
import { AzureSecretReaders } from './secret-readers';
import { AZURE_SECRET_READERS_OUTPUT } from '../../core/secret-store';
import { AzureIngressAddress } from './ingress-address';
import { trafficFailover } from '../../core/traffic-failover';

export type AzurePlatformStackProps = PlatformStackProps;

/**
 * An environment's Azure infrastructure (the design's secondary): resource group, VNet, AKS, PostgreSQL
 * Flexible Server, the backup storage account and an Entra workload identity per workload identity of the
 * platform model. Every name and CIDR the Kubernetes side uses too comes from the platform model
 * (`this.facts`, lib/core/cloud.ts). Subscription, tenant and admin group come from Terraform variables,
 * never from the JSON.
 */
export class AzurePlatformStack extends PlatformStack {
  public readonly network: AzureNetwork;
  public readonly kubernetes: AzureKubernetesCluster;
  public readonly postgres: AzurePostgres;
  public readonly backups: AzureBackupStorage;

  constructor(scope: Construct, props: AzurePlatformStackProps) {
    super(scope, 'azure', props);
    const { cluster, environment } = props;
    const { plan, store, identities, secretReaders } = this.facts;
    const location = cluster.region;
    const tags = this.tags;
    const resourceGroup = azureResourceGroup(cluster);
    if (store.resourceGroup !== resourceGroup || store.region !== location) {
      throw new Error(`the backup store of '${cluster.name}' is in ${store.resourceGroup}/${store.region}, not in the cluster's ${resourceGroup}/${location}`);
    }

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

    const group = new ResourceGroup(this, 'resource-group', { name: resourceGroup, location, tags });
    const base = { resourceGroupName: group.name, location, tags };

    this.network = new AzureNetwork(this, 'network', { ...base, name: cluster.name, plan });

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

    // The ingress gateway's static address, when the environment's DNS failover points at this cluster.
    const ingressSite = trafficFailover(environment)?.sites.find((s) => s.cluster === cluster);
    if (ingressSite?.address.kind === 'azure-public-ip') {
      if (ingressSite.address.resourceGroup !== resourceGroup)
        throw new Error(`the ingress address of '${cluster.name}' is not in the cluster's resource group ${resourceGroup}`);
      new AzureIngressAddress(this, 'ingress-address', {
        name: ingressSite.address.name,
        resourceGroupName: group.name,
        location,
        clusterPrincipalId: this.kubernetes.identity.principalId,
        tags,
      });
    }

    // Named so that its FQDN is the `postgres` data endpoint the Kubernetes side connects to.
    this.postgres = new AzurePostgres(this, 'postgres', {
      ...base,
      name: azurePostgresServerName(cluster),
      delegatedSubnetId: this.network.postgresSubnet.id,
      virtualNetworkId: this.network.vnet.id,
      tenantId: tenantId.stringValue,
      adminGroup: { objectId: adminGroupId.stringValue, name: adminGroupName.stringValue },
      skuName: environment.sizing.ha ? 'GP_Standard_D4ds_v5' : 'GP_Standard_D2ds_v5',
      highAvailability: environment.sizing.ha,
      logAnalyticsWorkspaceId: this.kubernetes.logs.id,
    });

    new AzureDatabaseAlarms(this, 'postgres-alarms', {
      ...base,
      environment,
      serverName: azurePostgresServerName(cluster),
      serverId: this.postgres.server.id,
      logAnalyticsWorkspaceId: this.kubernetes.logs.id,
    });

    // Other clouds' database sites read the PostgreSQL archives here: admit their egress IPs (variables, outputs of their stacks).
    const readerClusters = [
      ...new Map(
        identities.flatMap((i) => (i.access.kind === 'archive-reader' ? [[i.access.readerCluster.name, i.access.readerCluster] as const] : [])),
      ).values(),
    ];
    const readerIps = readerClusters.map((c) => {
      const v = new TerraformVariable(this, egressIpsVariable(c), {
        type: 'list(string)',
        nullable: false,
        description: `Public egress IPs of ${c.name} (output egress_ips of its stack): its database sites read this cluster's PostgreSQL archives.`,
      });
      return v.listValue;
    });
    const containers = [store.velero.container, store.postgres.container].filter((c): c is string => !!c);
    this.backups = new AzureBackupStorage(this, 'backups', {
      ...base,
      accountName: store.bucket,
      containers: [...new Set(containers)],
      allowedIpRanges: readerIps.length ? Fn.concat(readerIps) : undefined,
      endpointSubnetId: this.network.endpointSubnet.id,
      virtualNetworkId: this.network.vnet.id,
    });

    const workloadIdentities = new AzureWorkloadIdentities(this, 'workload-identities', {
      ...base,
      clusterName: cluster.name,
      oidcIssuerUrl: this.kubernetes.oidcIssuerUrl,
      identities,
      store,
      containerIds: Object.fromEntries(Object.entries(this.backups.containers).map(([name, c]) => [name, c.id])),
    });
    // Read at bootstrap into the ConfigMaps the charts take their client ids from (BootstrapFacts).
    new TerraformOutput(this, BootstrapFacts.azureClientIdsOutput, {
      value: Object.fromEntries(Object.entries(workloadIdentities.identities).map(([name, identity]) => [name, identity.clientId])),
      description: 'Client id of the Entra identity of each workload identity of the platform model (identity name → client id).',
    });

    // Tenants' secrets: a Key Vault and a reader identity per tenant (lib/core/secret-store.ts).
    const readers = new AzureSecretReaders(this, 'secret-readers', {
      ...base,
      environment,
      cluster: { ...cluster, cloud: 'azure' },
      tenantId: tenantId.stringValue,
      oidcIssuerUrl: this.kubernetes.oidcIssuerUrl,
      endpointSubnetId: this.network.endpointSubnet.id,
      virtualNetworkId: this.network.vnet.id,
      readers: secretReaders,
    });
    // Read by the bootstrap step into the readers' client-id annotations (empty while no tenant reads secrets here).
    new TerraformOutput(this, AZURE_SECRET_READERS_OUTPUT, {
      value: Object.fromEntries(Object.entries(readers.identities).map(([name, identity]) => [name, identity.clientId])),
      description:
        "Client id of each tenant's secret reader identity (identity name secrets-<namespace> → client id), for the azure.workload.identity/client-id annotation of <namespace>/external-secrets-reader.",
    });
    const archiveReaders = identities.filter((i) => i.access.kind === 'archive-reader').map((i) => i.name);
    if (archiveReaders.length) {
      new TerraformOutput(this, ARCHIVE_READER_OUTPUT, {
        value: Object.fromEntries(archiveReaders.map((name) => [name, workloadIdentities.identities[name].clientId])),
        description:
          'Client id of each reader of the PostgreSQL archives (identity name → client id): AZURE_CLIENT_ID of the reading site (docs/disaster-recovery.md).',
      });
    }

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
