import { aksRotationPoolName, SPOT_NODE_LABELS } from '../../core/cloud';
import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import {
  KubernetesCluster,
  KubernetesClusterDefaultNodePoolKubeletConfig,
  KubernetesClusterDefaultNodePoolLinuxOsConfig,
} from '@cdktf/provider-azurerm/lib/kubernetes-cluster';
import { KubernetesClusterNodePool } from '@cdktf/provider-azurerm/lib/kubernetes-cluster-node-pool';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { MonitorDataCollectionEndpoint } from '@cdktf/provider-azurerm/lib/monitor-data-collection-endpoint';
import { MonitorDataCollectionRule } from '@cdktf/provider-azurerm/lib/monitor-data-collection-rule';
import { MonitorDataCollectionRuleAssociation } from '@cdktf/provider-azurerm/lib/monitor-data-collection-rule-association';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting';
import { MonitorWorkspace } from '@cdktf/provider-azurerm/lib/monitor-workspace';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import type { NodePoolConfig, NodePoolPurpose } from '../../core/model';
import { aksSysctlConfig, ALLOWED_UNSAFE_SYSCTLS, KUBELET_TUNING } from '../../core/node-tuning';

/** AKS spreads every pool over these availability zones. */
export const AKS_ZONES = ['1', '2', '3'];
/** Control-plane log categories sent to Log Analytics: writes and Entra ID (guard) authentication. */
export const AKS_AUDIT_LOG_CATEGORIES = ['kube-audit-admin', 'guard'] as const;
/** The taint AKS puts on spot nodes; declared so Terraform does not see drift. */
export const AKS_SPOT_TAINT = `${SPOT_NODE_LABELS.azure[0].key}=${SPOT_NODE_LABELS.azure[0].value}:NoSchedule`;

export interface AzureKubernetesClusterProps {
  /** AKS cluster name (the model's cluster name); its log workspace and identity derive from it. */
  readonly name: string;
  /** Resource group of the cluster and its identity and log workspace. */
  readonly resourceGroupName: string;
  /** Azure location (the cluster's region). */
  readonly location: string;
  /** Kubernetes minor version (`1.34`); the upgrade channel applies patches. */
  readonly kubernetesVersion: string;
  /** Subnet of the nodes (the cluster identity gets Network Contributor on it before the cluster exists). */
  readonly nodeSubnetId: string;
  /** Disk encryption set of the node OS disks (customer-managed key). */
  readonly diskEncryptionSetId: string;
  /** Resources the cluster waits for besides its own (the encryption set's key access). @default [] */
  readonly dependsOn?: ITerraformDependable[];
  /** Node pools of the model; exactly one `system` pool becomes the default (system) pool. */
  readonly nodePools: readonly NodePoolConfig[];
  /** Entra ID tenant for Kubernetes RBAC. */
  readonly tenantId: string;
  /** Entra ID groups with cluster-admin. */
  readonly adminGroupObjectIds: string[];
  /**
   * CIDRs allowed to reach a public API server. Empty: a private cluster (API only inside the VNet).
   * @default []
   */
  readonly apiAllowedCidrs?: readonly string[];
  /**
   * Log Analytics retention in days.
   * @default 90
   */
  readonly logRetentionDays?: number;
  /**
   * Automatic upgrade channel.
   * @default 'patch'
   */
  readonly automaticUpgradeChannel?: 'patch' | 'stable' | 'rapid' | 'node-image';
  /** Tags. @default {} */
  readonly tags?: Record<string, string>;
}

function kubeletConfig(purpose: NodePoolPurpose): KubernetesClusterDefaultNodePoolKubeletConfig {
  const k = KUBELET_TUNING[purpose];
  // AKS has no memory manager setting; CPU and topology managers only.
  return {
    cpuManagerPolicy: k.cpuManagerPolicy,
    topologyManagerPolicy: k.topologyManagerPolicy,
    allowedUnsafeSysctls: [...ALLOWED_UNSAFE_SYSCTLS],
  };
}

/** The name a pool takes while AKS rotates it (defined with the platform model, which validates pool names against it). */
export const rotationName = aksRotationPoolName;

function linuxOsConfig(): KubernetesClusterDefaultNodePoolLinuxOsConfig {
  return { sysctlConfig: aksSysctlConfig() };
}

/**
 * AKS: Entra ID RBAC with local accounts disabled, private API server (or authorized IP ranges), Azure CNI
 * overlay with Cilium network policy, Azure Policy add-on, Standard tier (uptime SLA), automatic patch
 * upgrades in a weekly maintenance window, three zones, Container Insights (Log Analytics + OMS agent),
 * audit logs (kube-audit-admin, guard) to Log Analytics, managed Prometheus (Azure Monitor workspace),
 * Defender for Containers, the Key Vault secrets provider, workload identity with the OIDC issuer, a
 * user-assigned control-plane identity holding Network Contributor on the node subnet, OS disks encrypted
 * with a customer-managed key, a critical-add-ons-only system pool and autoscaling user and spot pools from
 * the model (each with a rotation name), with the CERES sysctl and kubelet tuning AKS allows.
 */
export class AzureKubernetesCluster extends Construct {
  public readonly cluster: KubernetesCluster;
  public readonly logs: LogAnalyticsWorkspace;
  public readonly pools: KubernetesClusterNodePool[] = [];
  /** The control-plane identity. */
  public readonly identity: UserAssignedIdentity;

  constructor(scope: Construct, id: string, props: AzureKubernetesClusterProps) {
    super(scope, id);
    const tags = props.tags ?? {};
    const allowed = [...(props.apiAllowedCidrs ?? [])];
    const systemPools = props.nodePools.filter((p) => p.purpose === 'system');
    if (systemPools.length === 0) {
      throw new Error(`AzureKubernetesCluster '${props.name}': the model needs a node pool with purpose 'system'`);
    }
    for (const p of props.nodePools) {
      if (!/^[a-z][a-z0-9]{0,11}$/.test(p.name)) {
        throw new Error(`AKS pool name '${p.name}' of ${props.name}: use 1-12 lowercase letters and digits`);
      }
    }
    const taken = new Set(props.nodePools.map((p) => p.name));
    for (const p of props.nodePools) {
      const temporary = rotationName(p.name);
      if (taken.has(temporary)) {
        throw new Error(`AKS pools of ${props.name}: the rotation name '${temporary}' of pool '${p.name}' collides with another pool; rename one`);
      }
      taken.add(temporary);
    }
    const base = { location: props.location, resourceGroupName: props.resourceGroupName };
    const [system, ...otherSystem] = systemPools;

    this.logs = new LogAnalyticsWorkspace(this, 'logs', {
      name: `${props.name}-logs`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      sku: 'PerGB2018',
      retentionInDays: props.logRetentionDays ?? 90,
      localAuthenticationEnabled: false,
      tags,
    });

    // A user-assigned identity, so its rights on the subnet (which the cluster does not own) exist before the
    // cluster is created: with a system-assigned identity the first load balancer or private endpoint fails.
    this.identity = new UserAssignedIdentity(this, 'identity', { ...base, name: `${props.name}-control-plane`, tags });
    const subnetAccess = new RoleAssignment(this, 'subnet-access', {
      scope: props.nodeSubnetId,
      roleDefinitionName: 'Network Contributor',
      principalId: this.identity.principalId,
      principalType: 'ServicePrincipal',
    });
    const encryptionSetAccess = new RoleAssignment(this, 'disk-encryption-set-access', {
      scope: props.diskEncryptionSetId,
      roleDefinitionName: 'Reader',
      principalId: this.identity.principalId,
      principalType: 'ServicePrincipal',
    });
    // Weekly windows (Sunday 02:00-06:00 UTC) for control-plane/patch upgrades and node image updates.
    const window = { frequency: 'Weekly', interval: 1, dayOfWeek: 'Sunday', startTime: '02:00', utcOffset: '+00:00', duration: 4 };

    this.cluster = new KubernetesCluster(this, 'cluster', {
      name: props.name,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      dnsPrefix: props.name,
      kubernetesVersion: props.kubernetesVersion,
      skuTier: 'Standard',
      automaticUpgradeChannel: props.automaticUpgradeChannel ?? 'patch',
      nodeOsUpgradeChannel: 'NodeImage',
      localAccountDisabled: true,
      roleBasedAccessControlEnabled: true,
      azureActiveDirectoryRoleBasedAccessControl: {
        azureRbacEnabled: true,
        tenantId: props.tenantId,
        adminGroupObjectIds: props.adminGroupObjectIds,
      },
      privateClusterEnabled: allowed.length === 0,
      apiServerAccessProfile: allowed.length > 0 ? { authorizedIpRanges: allowed } : undefined,
      azurePolicyEnabled: true,
      oidcIssuerEnabled: true,
      workloadIdentityEnabled: true,
      imageCleanerEnabled: true,
      imageCleanerIntervalHours: 48,
      runCommandEnabled: false,
      identity: { type: 'UserAssigned', identityIds: [this.identity.id] },
      diskEncryptionSetId: props.diskEncryptionSetId,
      keyVaultSecretsProvider: { secretRotationEnabled: true, secretRotationInterval: '2m' },
      microsoftDefender: { logAnalyticsWorkspaceId: this.logs.id },
      monitorMetrics: {},
      maintenanceWindowAutoUpgrade: window,
      maintenanceWindowNodeOs: window,
      networkProfile: {
        networkPlugin: 'azure',
        networkPluginMode: 'overlay',
        networkDataPlane: 'cilium',
        networkPolicy: 'cilium',
        loadBalancerSku: 'standard',
        podCidr: '192.168.0.0/16',
        serviceCidr: '172.16.0.0/16',
        dnsServiceIp: '172.16.0.10',
      },
      omsAgent: { logAnalyticsWorkspaceId: this.logs.id, msiAuthForMonitoringEnabled: true },
      defaultNodePool: {
        name: system.name,
        vmSize: system.instanceType,
        zones: AKS_ZONES,
        autoScalingEnabled: true,
        minCount: system.min,
        maxCount: system.max,
        nodeCount: system.desired,
        onlyCriticalAddonsEnabled: true,
        vnetSubnetId: props.nodeSubnetId,
        osSku: 'AzureLinux',
        osDiskSizeGb: 128,
        hostEncryptionEnabled: true,
        maxPods: 110,
        temporaryNameForRotation: rotationName(system.name),
        nodeLabels: { 'ceres.io/pool': system.name, 'ceres.io/purpose': system.purpose },
        upgradeSettings: { maxSurge: '33%' },
        kubeletConfig: kubeletConfig('system'),
        linuxOsConfig: linuxOsConfig(),
      },
      tags,
      // The autoscaler owns the node count after creation.
      lifecycle: { ignoreChanges: ['default_node_pool[0].node_count'] },
      dependsOn: [subnetAccess, encryptionSetAccess, ...(props.dependsOn ?? [])],
    });

    new MonitorDiagnosticSetting(this, 'audit-logs', {
      name: 'audit',
      targetResourceId: this.cluster.id,
      logAnalyticsWorkspaceId: this.logs.id,
      logAnalyticsDestinationType: 'Dedicated',
      enabledLog: AKS_AUDIT_LOG_CATEGORIES.map((category) => ({ category })),
    });

    // Managed Prometheus: the metrics add-on (monitor_metrics) ships to an Azure Monitor workspace through a
    // data collection endpoint and rule associated with the cluster.
    const prometheus = new MonitorWorkspace(this, 'prometheus', { ...base, name: `${props.name}-prometheus`, tags });
    const endpoint = new MonitorDataCollectionEndpoint(this, 'prometheus-endpoint', {
      ...base,
      name: `${props.name}-prometheus`,
      kind: 'Linux',
      tags,
    });
    const rule = new MonitorDataCollectionRule(this, 'prometheus-rule', {
      ...base,
      name: `${props.name}-prometheus`,
      kind: 'Linux',
      dataCollectionEndpointId: endpoint.id,
      dataSources: { prometheusForwarder: [{ name: 'PrometheusDataSource', streams: ['Microsoft-PrometheusMetrics'] }] },
      destinations: { monitorAccount: [{ name: 'prometheus', monitorAccountId: prometheus.id }] },
      dataFlow: [{ streams: ['Microsoft-PrometheusMetrics'], destinations: ['prometheus'] }],
      tags,
    });
    new MonitorDataCollectionRuleAssociation(this, 'prometheus-rule-association', {
      name: `${props.name}-prometheus`,
      targetResourceId: this.cluster.id,
      dataCollectionRuleId: rule.id,
    });
    new MonitorDataCollectionRuleAssociation(this, 'prometheus-endpoint-association', {
      // Azure requires this exact name for the endpoint association.
      name: 'configurationAccessEndpoint',
      targetResourceId: this.cluster.id,
      dataCollectionEndpointId: endpoint.id,
    });

    for (const pool of [...otherSystem, ...props.nodePools.filter((p) => p.purpose !== 'system')]) {
      this.pools.push(
        new KubernetesClusterNodePool(this, `pool-${pool.name}`, {
          name: pool.name,
          kubernetesClusterId: this.cluster.id,
          mode: pool.purpose === 'system' ? 'System' : 'User',
          vmSize: pool.instanceType,
          zones: AKS_ZONES,
          autoScalingEnabled: true,
          minCount: pool.min,
          maxCount: pool.max,
          nodeCount: pool.desired,
          vnetSubnetId: props.nodeSubnetId,
          osSku: 'AzureLinux',
          osDiskSizeGb: 128,
          hostEncryptionEnabled: true,
          maxPods: 110,
          temporaryNameForRotation: rotationName(pool.name),
          nodeLabels: { 'ceres.io/pool': pool.name, 'ceres.io/purpose': pool.purpose },
          ...(pool.spot
            ? { priority: 'Spot', evictionPolicy: 'Delete', spotMaxPrice: -1, nodeTaints: [AKS_SPOT_TAINT] }
            : { priority: 'Regular', upgradeSettings: { maxSurge: '33%' } }),
          kubeletConfig: kubeletConfig(pool.purpose),
          linuxOsConfig: linuxOsConfig(),
          tags,
          lifecycle: { ignoreChanges: ['node_count'] },
        }),
      );
    }
  }

  public get oidcIssuerUrl(): string {
    return this.cluster.oidcIssuerUrl;
  }
}
