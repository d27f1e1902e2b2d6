import { Construct } from 'constructs';
import {
  KubernetesCluster,
  KubernetesClusterDefaultNodePoolKubeletConfig,
  KubernetesClusterDefaultNodePoolLinuxOsConfig,
} from '@cdktf/provider-azurerm/lib/kubernetes-cluster';
import { KubernetesClusterNodePool } from '@cdktf/provider-azurerm/lib/kubernetes-cluster-node-pool';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import type { NodePoolConfig, NodePoolPurpose } from '../../core/model';
import { aksSysctlConfig, ALLOWED_UNSAFE_SYSCTLS, KUBELET_TUNING } from '../node-tuning';

/** AKS spreads every pool over these availability zones. */
export const AKS_ZONES = ['1', '2', '3'];
/** The taint AKS puts on spot nodes; declared so Terraform does not see drift. */
export const AKS_SPOT_TAINT = 'kubernetes.azure.com/scalesetpriority=spot:NoSchedule';

export interface AzureKubernetesClusterProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly kubernetesVersion: string;
  /** Subnet of the nodes. */
  readonly nodeSubnetId: string;
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

function linuxOsConfig(): KubernetesClusterDefaultNodePoolLinuxOsConfig {
  return { sysctlConfig: aksSysctlConfig() };
}

/**
 * AKS: Entra ID RBAC with local accounts disabled, private API server (or authorized IP ranges), Azure CNI
 * overlay with Cilium network policy, Azure Policy add-on, Standard tier (uptime SLA), automatic patch
 * upgrades, three zones, Container Insights (Log Analytics + OMS agent), workload identity with the OIDC
 * issuer, a critical-add-ons-only system pool and autoscaling user and spot pools from the model, with the
 * CERES sysctl and kubelet tuning AKS allows.
 */
export class AzureKubernetesCluster extends Construct {
  public readonly cluster: KubernetesCluster;
  public readonly logs: LogAnalyticsWorkspace;
  public readonly pools: KubernetesClusterNodePool[] = [];

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
      identity: { type: 'SystemAssigned' },
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
        temporaryNameForRotation: 'rotating',
        nodeLabels: { 'ceres.io/pool': system.name, 'ceres.io/purpose': system.purpose },
        upgradeSettings: { maxSurge: '33%' },
        kubeletConfig: kubeletConfig('system'),
        linuxOsConfig: linuxOsConfig(),
      },
      tags,
      // The autoscaler owns the node count after creation.
      lifecycle: { ignoreChanges: ['default_node_pool[0].node_count'] },
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
