/**
 * The GCP findings of the review against google 6.50 and terraform-google-modules (safer-cluster,
 * autopilot modules) (issue 11): each test fails on the stack as it was before the fix.
 */
import { synthesizeInfra } from '../../apps/infra/main';
import { GKE_MAINTENANCE_WINDOW } from '../../lib/infra/gcp/autopilot-cluster';
import { CLOUD_SQL_FLAGS } from '../../lib/infra/gcp/postgres';
import { addresses, gcpWithWorkloads, Json, only, onlyEnvironment, referencedAddress, resources, stack } from './helpers';

const prod = () => stack('prod-gcp');
const clusterAddress = (json: Json) => addresses(json, 'google_container_cluster')[0][0];

describe('GCP: first apply', () => {
  it('binds Workload Identity members only after the cluster (and so the identity pool) exists', () => {
    const json = gcpWithWorkloads();
    const members = resources(json, 'google_service_account_iam_member').filter((m) => m.role === 'roles/iam.workloadIdentityUser');
    expect(members.length).toBeGreaterThan(0);
    for (const m of members) expect(m.depends_on).toContain(clusterAddress(json));
  });

  it('asks for no GKE vulnerability scanning mode the API refuses (VULNERABILITY_BASIC)', () => {
    const gke = only(prod(), 'google_container_cluster');
    expect(gke.security_posture_config).toEqual({ mode: 'BASIC', vulnerability_mode: 'VULNERABILITY_DISABLED' });
  });
});

describe('GCP: GKE security parity', () => {
  it('runs nodes as a dedicated service account holding only the default node role', () => {
    const json = prod();
    const gke = only(json, 'google_container_cluster');
    const account = gke.cluster_autoscaling.auto_provisioning_defaults.service_account;
    expect(account).toMatch(/^\$\{google_service_account\.gke-nodes\.email\}$/);
    expect(account).not.toMatch(/compute@developer/);
    const roles = resources(json, 'google_project_iam_member').filter((m) => m.member === `serviceAccount:${account}`);
    expect(roles.map((r) => r.role)).toEqual(['roles/container.defaultNodeServiceAccount']);
    for (const [address] of addresses(json, 'google_project_iam_member').filter(([, m]) => m.member === `serviceAccount:${account}`)) {
      expect(gke.depends_on).toContain(address);
    }
  });

  it('encrypts Secrets in etcd and node boot disks with Cloud KMS keys granted to the GKE and Compute service agents', () => {
    const json = prod();
    const gke = only(json, 'google_container_cluster');
    expect(gke.database_encryption.state).toBe('ENCRYPTED');
    const secretsKey = referencedAddress(gke.database_encryption.key_name);
    const diskKey = referencedAddress(gke.cluster_autoscaling.auto_provisioning_defaults.boot_disk_kms_key);
    const grants = addresses(json, 'google_kms_crypto_key_iam_member');
    const grantOf = (key: string) => grants.find(([, g]) => g.crypto_key_id === `\${${key}.id}`)!;
    expect(grantOf(secretsKey)[1].member).toBe('serviceAccount:service-${data.google_project.project.number}@container-engine-robot.iam.gserviceaccount.com');
    expect(grantOf(diskKey)[1].member).toBe('serviceAccount:service-${data.google_project.project.number}@compute-system.iam.gserviceaccount.com');
    expect(gke.depends_on).toEqual(expect.arrayContaining([grantOf(secretsKey)[0], grantOf(diskKey)[0]]));
    for (const key of resources(json, 'google_kms_crypto_key')) {
      expect(key.rotation_period).toBe('7776000s');
      expect(key.lifecycle.prevent_destroy).toBe(true);
    }
  });

  it('enforces Binary Authorization and keeps maintenance to weekend nights', () => {
    const gke = only(prod(), 'google_container_cluster');
    expect(gke.binary_authorization).toEqual({ evaluation_mode: 'PROJECT_SINGLETON_POLICY_ENFORCE' });
    expect(gke.maintenance_policy.recurring_window).toEqual({
      start_time: GKE_MAINTENANCE_WINDOW.startTime,
      end_time: GKE_MAINTENANCE_WINDOW.endTime,
      recurrence: GKE_MAINTENANCE_WINDOW.recurrence,
    });
    const services = resources(prod(), 'google_project_service').map((s) => s.service);
    expect(services).toEqual(expect.arrayContaining(['binaryauthorization.googleapis.com', 'cloudkms.googleapis.com']));
  });

  it('keeps each backup identity to its prefix of the bucket with an IAM condition, and grants no DNS rights', () => {
    const json = gcpWithWorkloads();
    const grants = resources(json, 'google_storage_bucket_iam_member');
    expect(grants.length).toBeGreaterThan(0);
    for (const g of grants) {
      expect(g.role).toBe('roles/storage.objectAdmin');
      expect(g.bucket).toMatch(/^\$\{google_storage_bucket\.backups_bucket_[0-9A-F]+\.name\}$/);
      expect(g.condition.expression).toMatch(
        /^resource\.name\.startsWith\("projects\/_\/buckets\/ceres-prod-gcp-backups-europe-west1\/objects\/[a-z0-9/-]+\/"\) \|\| api\.getAttribute\("storage\.googleapis\.com\/objectListPrefix", ""\)\.startsWith\("[a-z0-9/-]+\/"\)$/,
      );
    }
    expect(resources(json, 'google_dns_managed_zone_iam_member')).toEqual([]);
    expect(
      resources(json, 'google_project_iam_member')
        .map((m) => m.role)
        .filter((r) => r.startsWith('roles/dns.')),
    ).toEqual([]);
    expect(json.variable.dns_managed_zone).toBeUndefined();
  });
});

describe('GCP: data services', () => {
  it('turns on pgAudit and the CIS logging flags on Cloud SQL', () => {
    const flags = Object.fromEntries(only(prod(), 'google_sql_database_instance').settings.database_flags.map((f: Json) => [f.name, f.value]));
    expect(flags).toEqual(CLOUD_SQL_FLAGS);
    expect(flags).toMatchObject({
      'cloudsql.enable_pgaudit': 'on',
      log_connections: 'on',
      log_disconnections: 'on',
      log_error_verbosity: 'default',
      log_min_messages: 'warning',
      log_min_error_statement: 'error',
      log_min_duration_statement: '-1',
    });
  });

  it('derives Cloud SQL regional HA from sizing.ha', () => {
    expect(only(prod(), 'google_sql_database_instance').settings.availability_type).toBe('REGIONAL');
    const noHa = onlyEnvironment('prod', (e) => ({ ...e, sizing: { ...e.sizing, ha: false } }));
    expect(only(stack('prod-gcp', synthesizeInfra(noHa)), 'google_sql_database_instance').settings.availability_type).toBe('ZONAL');
  });

  it('encrypts the backup bucket with a key in its multi-region, granted to the Cloud Storage agent first', () => {
    const json = prod();
    const bucket = only(json, 'google_storage_bucket');
    expect(bucket.name).toBe('ceres-prod-gcp-backups-europe-west1');
    const key = referencedAddress(bucket.encryption.default_kms_key_name);
    const ring = referencedAddress(json.resource.google_kms_crypto_key[key.split('.')[1]].key_ring);
    expect(json.resource.google_kms_key_ring[ring.split('.')[1]].location).toBe('europe');
    const grant = addresses(json, 'google_kms_crypto_key_iam_member').find(([, g]) => g.crypto_key_id === `\${${key}.id}`)!;
    expect(grant[1].member).toBe('serviceAccount:${data.google_storage_project_service_account.storage-agent.email_address}');
    expect(bucket.depends_on).toEqual([grant[0]]);
  });
});
