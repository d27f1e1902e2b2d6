/**
 * The Azure findings of the review against azurerm 4.55 and Azure Verified Modules (issue 11): each test
 * fails on the stacks as they were before the fix.
 */
import { synthesizeInfra } from '../../apps/infra/main';
import { AKS_AUDIT_LOG_CATEGORIES, rotationName } from '../../lib/infra/azure/kubernetes-cluster';
import { addresses, Json, only, onlyEnvironment, referencedAddress, resources, stack, withCluster } from './helpers';

const AZURE_STACKS = ['staging-azure', 'prod-azure'];
const prod = () => stack('prod-azure');

describe('Azure: first apply', () => {
  it.each(AZURE_STACKS)('%s: tells the provider the storage data plane is unreachable (private-only backup account)', (name) => {
    const json = stack(name);
    // Public network access only for other clouds' database sites reading the archives, and then only their egress IPs
    // (the Terraform runner is not admitted: the data plane stays unreachable for the provider).
    const sa = only(json, 'azurerm_storage_account');
    const readers = Object.keys(json.variable).filter((v) => v.startsWith('egress_ips_'));
    expect(sa.public_network_access_enabled).toBe(readers.length > 0);
    expect(sa.network_rules.default_action).toBe('Deny');
    if (readers.length) expect(sa.network_rules.ip_rules).toBe(`\${concat(${readers.map((v) => `var.${v}`).join(', ')})}`);
    expect(json.provider.azurerm[0].features[0].storage).toEqual([{ data_plane_available: false }]);
    // With the data plane off, the provider refuses these blocks: none may appear.
    const account = only(json, 'azurerm_storage_account');
    expect(account.queue_properties).toBeUndefined();
    expect(account.static_website).toBeUndefined();
  });

  it.each(AZURE_STACKS)('%s: gives every node pool a distinct rotation name, so pool changes do not error out', (name) => {
    const json = stack(name);
    const aks = only(json, 'azurerm_kubernetes_cluster');
    const pools = [aks.default_node_pool, ...resources(json, 'azurerm_kubernetes_cluster_node_pool')];
    const names = new Set(pools.map((p) => p.name));
    for (const pool of pools) {
      expect(pool.temporary_name_for_rotation).toBe(rotationName(pool.name));
      expect(pool.temporary_name_for_rotation).toMatch(/^[a-z][a-z0-9]{0,11}$/);
      expect(names.has(pool.temporary_name_for_rotation)).toBe(false);
    }
    expect(pools.map((p) => p.temporary_name_for_rotation)).toHaveLength(new Set(pools.map((p) => p.temporary_name_for_rotation)).size);
  });

  it('refuses pool names whose rotation names collide', () => {
    const pools = [
      { name: 'system', purpose: 'system', instanceType: 'Standard_D4s_v5', min: 3, desired: 3, max: 3 },
      { name: 'apps', purpose: 'general', instanceType: 'Standard_D4s_v5', min: 1, desired: 1, max: 3 },
      { name: 'appstmp', purpose: 'general', instanceType: 'Standard_D4s_v5', min: 1, desired: 1, max: 3 },
    ];
    expect(() => synthesizeInfra(withCluster('ceres-prod-azure', { nodePools: pools }))).toThrow(/rotation name 'appstmp'/);
  });

  it('creates the control-plane identity and its Network Contributor right on the node subnet before the cluster', () => {
    const json = prod();
    const aks = only(json, 'azurerm_kubernetes_cluster');
    expect(aks.identity.type).toBe('UserAssigned');
    const identity = referencedAddress(aks.identity.identity_ids[0]);
    const grant = addresses(json, 'azurerm_role_assignment').find(
      ([, r]) => r.role_definition_name === 'Network Contributor' && r.principal_id === `\${${identity}.principal_id}`,
    );
    expect(grant).toBeDefined();
    expect(grant![1].scope).toMatch(/^\$\{azurerm_subnet\.network_nodes_[0-9A-F]+\.id\}$/);
    expect(aks.depends_on).toContain(grant![0]);
  });
});

describe('Azure: AKS security parity', () => {
  it('sends the audit logs (kube-audit-admin, guard) to Log Analytics', () => {
    const json = prod();
    const aks = addresses(json, 'azurerm_kubernetes_cluster')[0][0];
    const setting = resources(json, 'azurerm_monitor_diagnostic_setting').find((d) => d.target_resource_id === `\${${aks}.id}`);
    expect(setting?.enabled_log.map((l: Json) => l.category)).toEqual([...AKS_AUDIT_LOG_CATEGORIES]);
    expect(setting?.log_analytics_workspace_id).toMatch(/azurerm_log_analytics_workspace/);
  });

  it('runs the Key Vault secrets provider, Defender and managed Prometheus', () => {
    const json = prod();
    const aks = only(json, 'azurerm_kubernetes_cluster');
    expect(aks.key_vault_secrets_provider).toEqual({ secret_rotation_enabled: true, secret_rotation_interval: '2m' });
    expect(aks.microsoft_defender.log_analytics_workspace_id).toMatch(/azurerm_log_analytics_workspace/);
    expect(aks.monitor_metrics).toEqual({});
    const rule = only(json, 'azurerm_monitor_data_collection_rule');
    expect(rule.data_sources.prometheus_forwarder[0].streams).toEqual(['Microsoft-PrometheusMetrics']);
    expect(rule.destinations.monitor_account[0].monitor_account_id).toMatch(/azurerm_monitor_workspace/);
    const associations = resources(json, 'azurerm_monitor_data_collection_rule_association');
    expect(associations.map((a) => a.name)).toContain('configurationAccessEndpoint');
    for (const a of associations) expect(a.target_resource_id).toMatch(/azurerm_kubernetes_cluster/);
  });

  it('encrypts node disks with a customer-managed key through a disk encryption set', () => {
    const json = prod();
    const aks = only(json, 'azurerm_kubernetes_cluster');
    const des = only(json, 'azurerm_disk_encryption_set');
    expect(aks.disk_encryption_set_id).toBe(`\${${addresses(json, 'azurerm_disk_encryption_set')[0][0]}.id}`);
    expect(des).toMatchObject({ auto_key_rotation_enabled: true, identity: { type: 'SystemAssigned' } });
    expect(des.key_vault_key_id).toMatch(/azurerm_key_vault_key\..*\.versionless_id/);
    // The disk encryption vault (tenants with external secrets have vaults of their own: test/secrets).
    const vault = resources(json, 'azurerm_key_vault').find((v) => v.name === 'ceres-prod-azure-des')!;
    expect(vault).toMatchObject({ purge_protection_enabled: true, network_acls: { default_action: 'Deny', bypass: 'AzureServices' } });
    expect(vault.name).toBe('ceres-prod-azure-des');
    const key = only(json, 'azurerm_key_vault_key');
    expect(key.rotation_policy.automatic).toBeDefined();
    // The key is created only once Terraform's own access policy exists (a data-plane call), and the nodes'
    // disks only once the encryption set may use the key.
    expect(key.depends_on[0]).toMatch(/^azurerm_key_vault_access_policy\.disk-encryption_terraform-access/);
    const setAccess = addresses(json, 'azurerm_key_vault_access_policy').find(([a]) => a.includes('encryption-set-access'))!;
    expect(setAccess[1].object_id).toMatch(/^\$\{azurerm_disk_encryption_set\..*\.identity\[0\]\.principal_id\}$/);
    expect(aks.depends_on).toContain(setAccess[0]);
  });

  it('upgrades and patches nodes in a declared weekly maintenance window', () => {
    const aks = only(prod(), 'azurerm_kubernetes_cluster');
    for (const window of [aks.maintenance_window_auto_upgrade, aks.maintenance_window_node_os]) {
      expect(window).toMatchObject({ frequency: 'Weekly', interval: 1, day_of_week: 'Sunday', duration: 4, utc_offset: '+00:00' });
    }
  });
});

describe('Azure: data services', () => {
  it('logs PostgreSQL connections and DDL, and ships the server logs to Log Analytics', () => {
    const json = prod();
    const params = Object.fromEntries(resources(json, 'azurerm_postgresql_flexible_server_configuration').map((c) => [c.name, c.value]));
    expect(params).toMatchObject({ require_secure_transport: 'on', ssl_min_protocol_version: 'TLSv1.2', log_connections: 'on', log_statement: 'ddl' });
    const server = addresses(json, 'azurerm_postgresql_flexible_server')[0][0];
    const setting = resources(json, 'azurerm_monitor_diagnostic_setting').find((d) => d.target_resource_id === `\${${server}.id}`);
    expect(setting?.enabled_log).toEqual([{ category: 'PostgreSQLLogs' }]);
  });

  it('derives PostgreSQL zone-redundant HA and geo-redundant backups from sizing.ha', () => {
    expect(only(prod(), 'azurerm_postgresql_flexible_server')).toMatchObject({
      high_availability: { mode: 'ZoneRedundant' },
      geo_redundant_backup_enabled: true,
    });
    const noHa = onlyEnvironment('staging', (e) => ({ ...e, sizing: { ...e.sizing, ha: false } }));
    const pg = only(stack('staging-azure', synthesizeInfra(noHa)), 'azurerm_postgresql_flexible_server');
    expect(pg.high_availability).toBeUndefined();
    expect(pg.geo_redundant_backup_enabled).toBe(false);
  });

  it('keeps the storage account name of today', () => {
    expect(only(prod(), 'azurerm_storage_account').name).toBe('ceresprodbackups');
    expect(only(stack('staging-azure'), 'azurerm_storage_account').name).toBe('ceresstagingbackups');
  });
});
