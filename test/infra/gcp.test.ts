import { synthesizeInfra } from '../../apps/infra/main';
import { only, resources, stack, withCluster } from './helpers';
import { gcpWithWorkloads } from './helpers';
import { GKE_MASTER_CIDR } from '../../lib/core/cloud';

const prod = () => stack('prod-gcp');

describe('GCP stack', () => {
  it('has a subnet with pod and service secondary ranges and private Google access', () => {
    const subnet = only(prod(), 'google_compute_subnetwork');
    expect(subnet.private_ip_google_access).toBe(true);
    expect(subnet.secondary_ip_range.map((r: { range_name: string }) => r.range_name).sort()).toEqual(['pods', 'services']);
    expect(subnet.ip_cidr_range).toBe('10.32.0.0/20');
  });

  it('runs GKE Autopilot with private nodes, REGULAR channel, Workload Identity and deletion protection', () => {
    const gke = only(prod(), 'google_container_cluster');
    expect(gke).toMatchObject({
      enable_autopilot: true,
      deletion_protection: true,
      release_channel: { channel: 'REGULAR' },
      private_cluster_config: { enable_private_nodes: true, enable_private_endpoint: true },
      workload_identity_config: { workload_pool: '${var.gcp_project_id}.svc.id.goog' },
    });
    expect(gke.master_authorized_networks_config).toBeDefined();
    expect(gke.node_pool).toBeUndefined();
  });

  it('enforces NetworkPolicies with Dataplane V2, its control plane in the range the policies admit', () => {
    const gke = only(prod(), 'google_container_cluster');
    expect(gke.datapath_provider).toBe('ADVANCED_DATAPATH');
    expect(gke.private_cluster_config.master_ipv4_cidr_block).toBe(GKE_MASTER_CIDR);
  });

  it('lists apiAllowedCidrs as master authorized networks', () => {
    const files = synthesizeInfra(withCluster('ceres-prod-gcp', { apiAllowedCidrs: ['192.0.2.0/24'] }));
    const gke = only(stack('prod-gcp', files), 'google_container_cluster');
    expect(gke.private_cluster_config.enable_private_endpoint).toBe(false);
    expect(gke.master_authorized_networks_config.cidr_blocks).toEqual([{ cidr_block: '192.0.2.0/24', display_name: 'allowed 192.0.2.0/24' }]);
  });

  it('runs Cloud SQL on a private IP only, TLS only, regional, with PITR and deletion protection', () => {
    const sql = only(prod(), 'google_sql_database_instance');
    expect(sql.deletion_protection).toBe(true);
    expect(sql.settings).toMatchObject({
      availability_type: 'REGIONAL',
      deletion_protection_enabled: true,
      ip_configuration: { ipv4_enabled: false, ssl_mode: 'ENCRYPTED_ONLY' },
      backup_configuration: { enabled: true, point_in_time_recovery_enabled: true },
    });
    expect(sql.settings.ip_configuration.private_network).toMatch(/google_compute_network/);
    expect(sql.depends_on.join()).toMatch(/google_service_networking_connection/);
    expect(sql.root_password).toBeUndefined();
  });

  it('keeps backups in a uniform-access, public-access-prevented, versioned bucket with a lifecycle', () => {
    const bucket = only(prod(), 'google_storage_bucket');
    expect(bucket).toMatchObject({ uniform_bucket_level_access: true, public_access_prevention: 'enforced', versioning: { enabled: true } });
    expect(bucket.lifecycle_rule.length).toBeGreaterThan(1);
  });

  it("lets each workload identity's Kubernetes service account impersonate its Google service account", () => {
    // The default prod-gcp is an Autopilot standby: no workloads, so neither Velero nor databases, so no identity.
    expect(resources(prod(), 'google_service_account_iam_member')).toEqual([]);
    const members = resources(gcpWithWorkloads(), 'google_service_account_iam_member');
    for (const m of members) expect(m.role).toBe('roles/iam.workloadIdentityUser');
    // Running workloads (GKE Standard), without database sites or Karpenter: Velero, and the secret reader of each tenant with external secrets
    const names = members.map((m) => m.member);
    expect(names).toContain('serviceAccount:${var.gcp_project_id}.svc.id.goog[velero/velero-server]');
    // (and Argo CD's, for its OIDC client secret).
    for (const n of names.filter((x) => !x.includes('[velero/'))) expect(n).toMatch(/\[(tenant-[a-z0-9-]+|argocd)\/external-secrets-reader\]$/);
  });
});
