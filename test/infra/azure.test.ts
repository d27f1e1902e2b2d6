import { synthesizeInfra } from '../../apps/infra/main';
import { AKS_SPOT_TAINT } from '../../lib/infra/azure/kubernetes-cluster';
import { NODE_SYSCTLS, sysctlsUnsupportedOnAks } from '../../lib/core/node-tuning';
import { only, resources, stack, withCluster } from './helpers';

const prod = () => stack('prod-azure');

describe('Azure stack: AKS', () => {
  it('uses Entra ID RBAC, no local accounts, a private API server and the hardening add-ons', () => {
    const aks = only(prod(), 'azurerm_kubernetes_cluster');
    expect(aks).toMatchObject({
      local_account_disabled: true,
      private_cluster_enabled: true,
      azure_policy_enabled: true,
      sku_tier: 'Standard',
      automatic_upgrade_channel: 'patch',
      oidc_issuer_enabled: true,
      workload_identity_enabled: true,
      azure_active_directory_role_based_access_control: {
        azure_rbac_enabled: true,
        tenant_id: '${var.azure_tenant_id}',
        admin_group_object_ids: ['${var.platform_admin_group_object_id}'],
      },
    });
    expect(aks.api_server_access_profile).toBeUndefined();
    expect(['azure', 'calico', 'cilium']).toContain(aks.network_profile.network_policy);
    expect(aks.oms_agent.log_analytics_workspace_id).toMatch(/azurerm_log_analytics_workspace/);
  });

  it('restricts a public API server to apiAllowedCidrs', () => {
    const files = synthesizeInfra(withCluster('ceres-prod-azure', { apiAllowedCidrs: ['198.51.100.0/24'] }));
    const aks = only(stack('prod-azure', files), 'azurerm_kubernetes_cluster');
    expect(aks.private_cluster_enabled).toBe(false);
    expect(aks.api_server_access_profile.authorized_ip_ranges).toEqual(['198.51.100.0/24']);
  });

  it('has a critical-add-ons-only system pool, an autoscaling user pool and a spot pool over three zones', () => {
    const aks = only(prod(), 'azurerm_kubernetes_cluster');
    expect(aks.default_node_pool).toMatchObject({
      name: 'system',
      vm_size: 'Standard_D4s_v5',
      only_critical_addons_enabled: true,
      zones: ['1', '2', '3'],
      min_count: 3,
      max_count: 3,
    });
    const pools = Object.fromEntries(resources(prod(), 'azurerm_kubernetes_cluster_node_pool').map((p) => [p.name, p]));
    expect(pools.apps).toMatchObject({ mode: 'User', auto_scaling_enabled: true, min_count: 2, max_count: 12, priority: 'Regular', zones: ['1', '2', '3'] });
    expect(pools.spot).toMatchObject({
      mode: 'User',
      auto_scaling_enabled: true,
      priority: 'Spot',
      eviction_policy: 'Delete',
      spot_max_price: -1,
      node_taints: [AKS_SPOT_TAINT],
    });
  });

  it('applies the sysctls AKS allows and the kubelet CPU manager on critical pools', () => {
    const aks = only(prod(), 'azurerm_kubernetes_cluster');
    const sysctl = aks.default_node_pool.linux_os_config.sysctl_config;
    expect(sysctl).toMatchObject({ net_core_somaxconn: 32768, fs_file_max: 2097152, net_netfilter_nf_conntrack_max: 1048576 });
    expect(Object.keys(sysctl)).toHaveLength(NODE_SYSCTLS.length - sysctlsUnsupportedOnAks().length);
    expect(aks.default_node_pool.kubelet_config).toEqual({
      cpu_manager_policy: 'static',
      topology_manager_policy: 'best-effort',
      allowed_unsafe_sysctls: ['net.core.somaxconn'],
    });
    const spot = resources(prod(), 'azurerm_kubernetes_cluster_node_pool').find((p) => p.name === 'spot')!;
    expect(spot.kubelet_config.cpu_manager_policy).toBe('none');
    expect(sysctlsUnsupportedOnAks()).toContain('net.ipv4.tcp_congestion_control');
  });
});

describe('Azure stack: data services', () => {
  it('runs PostgreSQL Flexible Server privately with zone-redundant HA and geo-redundant backups', () => {
    const pg = only(prod(), 'azurerm_postgresql_flexible_server');
    expect(pg).toMatchObject({
      public_network_access_enabled: false,
      geo_redundant_backup_enabled: true,
      high_availability: { mode: 'ZoneRedundant' },
      authentication: { active_directory_auth_enabled: true, password_auth_enabled: false },
    });
    expect(pg.delegated_subnet_id).toMatch(/azurerm_subnet\.network_postgres/);
    expect(pg.private_dns_zone_id).toMatch(/azurerm_private_dns_zone/);
    expect(pg.administrator_password).toBeUndefined();
    const locks = resources(prod(), 'azurerm_management_lock').map((l) => l.lock_level);
    expect(locks).toEqual(['CanNotDelete', 'CanNotDelete']);
  });

  it('keeps backups in a locked-down storage account with a private endpoint', () => {
    const sa = only(prod(), 'azurerm_storage_account');
    expect(sa).toMatchObject({
      min_tls_version: 'TLS1_2',
      allow_nested_items_to_be_public: false,
      shared_access_key_enabled: false,
      infrastructure_encryption_enabled: true,
      https_traffic_only_enabled: true,
      blob_properties: { versioning_enabled: true, delete_retention_policy: { days: 30 } },
    });
    // Public network access only to admit the other database sites' egress IPs (docs/disaster-recovery.md).
    expect(sa.network_rules).toMatchObject({ default_action: 'Deny', ip_rules: expect.stringMatching(/^\$\{concat\(var\.egress_ips_[a-z0-9_]+\)\}$/) });
    // The storage account's endpoint (tenants' Key Vaults have endpoints of their own: test/secrets).
    const endpoints = resources(prod(), 'azurerm_private_endpoint').filter((e) => e.private_service_connection.subresource_names.includes('blob'));
    expect(endpoints).toHaveLength(1);
  });

  it("federates the platform model's workload identities with the cluster OIDC issuer", () => {
    // Archive readers (another cluster's ServiceAccounts, federated with its issuer variable) are test/infra/archive-readers.test.ts's.
    const credentials = resources(prod(), 'azurerm_federated_identity_credential').filter((c) => !String(c.issuer).startsWith('${var.'));
    expect(credentials.map((c) => c.subject)).toContain('system:serviceaccount:velero:velero-server');
    for (const c of credentials) expect(c.issuer).toMatch(/azurerm_kubernetes_cluster\..*\.oidc_issuer_url/);
    expect(resources(prod(), 'azurerm_role_assignment').map((r) => r.role_definition_name)).toContain('Storage Blob Data Contributor');
  });
});
