import { VELERO_LOCATION } from '../../lib/data/velero';
import { expandNamespaces, retentionTtl } from '../../lib/data/backup-schedule';
import { POSTGRES_IMAGES } from '../../lib/data/tenant-database';
import { manifests, render } from '../tenants/render-helpers';

describe('tenant databases', () => {
  const { objects } = render('prod');

  it('renders each CeresDatabase as a protected CloudNativePG Cluster in the tenant namespace', () => {
    const clusters = manifests(objects, 'Cluster');
    expect(clusters.map((c) => `${c.metadata.namespace}/${c.metadata.name}`).sort()).toEqual([
      'tenant-acme-001/acme-postgres',
      'tenant-globex-002/globex-postgres',
      'tenant-initech-003/initech-postgres',
    ]);
    const acme = clusters.find((c) => c.metadata.name === 'acme-postgres')!;
    expect(acme.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(acme.spec.instances).toBe(3);
    expect(acme.spec.storage.size).toBe('100Gi');
    expect(acme.spec.imageName).toBe(POSTGRES_IMAGES['15']);
    expect(acme.spec.imageName).toMatch(/^ghcr\.io\/cloudnative-pg\/postgresql:15\.\d+$/);
    expect(acme.spec.bootstrap.initdb).toMatchObject({ database: 'acme_db', owner: 'acme_db' });
    expect(acme.spec.monitoring.enablePodMonitor).toBe(true);
    expect(acme.spec.affinity).toMatchObject({ enablePodAntiAffinity: true, podAntiAffinityType: 'required' });
    expect(acme.spec.backup.barmanObjectStore.destinationPath).toBe('s3://ceres-prod-aws-backups-eu-west-1/cnpg/tenant-acme-001');
    expect(acme.spec.priorityClassName).toBe('ceres-tenant-enterprise');
    expect(acme.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false', 'argocd.argoproj.io/sync-wave': '10' });
  });

  it('keeps every database within its tier storage quota', () => {
    for (const c of manifests(objects, 'Cluster')) {
      const quota = manifests(objects, 'ResourceQuota', c.metadata.namespace)[0];
      const gi = (q: string) => (q.endsWith('Ti') ? Number(q.slice(0, -2)) * 1024 : Number(q.slice(0, -2)));
      expect(gi(c.spec.storage.size) * c.spec.instances).toBeLessThanOrEqual(gi(quota.spec.hard['requests.storage']));
    }
  });
});

describe('backup schedules', () => {
  it('expands namespace globs against the namespaces of the environment', () => {
    expect(expandNamespaces(['ceres', 'tenant-*'], ['argocd', 'ceres', 'tenant-a', 'tenant-b'])).toEqual(['ceres', 'tenant-a', 'tenant-b']);
    expect(expandNamespaces(['tenant-x'], ['ceres'])).toEqual([]);
    expect(retentionTtl(30)).toBe('720h0m0s');
  });

  it('renders Velero Schedules per environment with the tenants deployed there', () => {
    const schedule = (env: string, name: string) => manifests(render(env).objects, 'Schedule').find((s) => s.metadata.name === name)!;
    const prod = schedule('prod', 'daily-backup');
    expect(prod.apiVersion).toBe('velero.io/v1');
    expect(prod.metadata.namespace).toBe('velero');
    expect(prod.spec.schedule).toBe('0 2 * * *');
    expect(prod.spec.template.includedNamespaces).toEqual(['ceres', 'tenant-acme-001', 'tenant-globex-002', 'tenant-initech-003']);
    expect(prod.spec.template.ttl).toBe('720h0m0s');
    expect(prod.spec.template.storageLocation).toBe(VELERO_LOCATION);
    expect(prod.metadata.annotations?.['ceres.io/encryption']).toBe('AES-256-GCM');
    // Globex is not deployed to dev.
    expect(schedule('dev', 'daily-backup').spec.template.includedNamespaces).toEqual(['ceres', 'tenant-acme-001', 'tenant-initech-003']);
    expect(schedule('prod', 'weekly-acme').spec.template).toMatchObject({ includedNamespaces: ['tenant-acme-001'], ttl: '2160h0m0s', storageLocation: VELERO_LOCATION });
  });
});
