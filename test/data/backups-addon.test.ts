import { BackupsAddOn, expandNamespaces, retentionTtl, VELERO_LOCATION, VELERO_SNAPSHOT_CLASS } from '../../lib/data';
import { CSI_DISK_DRIVERS, csiSnapshotDriver } from '../../lib/core/cloud';
import { tenantNames } from '../../lib/core/names';
import { GitOpsAddOn } from '../../lib/gitops';
import {
  appliedBy,
  baseAddOns,
  EMPTY_INPUT,
  find,
  fixtureBackup,
  FixtureClusters,
  fixturePlatform,
  fixtureTenant,
  helmApp,
  helmValues,
  ofKind,
  renderAddOns,
  yamlFiles,
  yamlOf,
} from '../support/harness';

/** The backups add-on: Velero, and every CeresBackup as a Velero Schedule of the namespaces of the environment. */
const addOns = () => [...baseAddOns(), new BackupsAddOn(), new GitOpsAddOn()];
const tenants = [
  fixtureTenant('here-1', 'starter'),
  fixtureTenant('here-2', 'professional'),
  fixtureTenant('elsewhere-3', 'starter', { environments: ['prod'] }),
];
const input = {
  ...EMPTY_INPUT,
  tenants,
  backups: [
    fixtureBackup('daily', ['ceres', 'tenant-*']),
    fixtureBackup('weekly-here-1', ['tenant-here-1'], { schedulePolicy: '30 3 * * sun', retentionDays: 90 }),
    fixtureBackup('gone', ['tenant-elsewhere-3']),
  ],
};
const platform = fixturePlatform({ clusters: [FixtureClusters.aws, FixtureClusters.azure, FixtureClusters.edge] });
const out = renderAddOns(addOns(), { platform, input });
const ENV = out.environment.name;
const deployedHere = tenants.filter((t) => t.environments.includes(out.environment.name)).map((t) => tenantNames(t.tenantId).namespace);

describe('backup schedules', () => {
  it('expands namespace globs against the namespaces of the environment', () => {
    expect(expandNamespaces(['ceres', 'tenant-*'], ['argocd', 'ceres', 'tenant-a', 'tenant-b'])).toEqual(['ceres', 'tenant-a', 'tenant-b']);
    expect(expandNamespaces(['tenant-x'], ['ceres'])).toEqual([]);
    expect(retentionTtl(30)).toBe('720h0m0s');
  });

  it('renders each CeresBackup as a Velero Schedule of the tenants deployed to the environment', () => {
    const daily = find(out, 'Schedule', 'daily', 'velero');
    expect(daily.apiVersion).toBe('velero.io/v1');
    expect(daily.spec.schedule).toBe('0 2 * * *');
    expect(daily.spec.template.includedNamespaces).toEqual(['ceres', ...deployedHere].sort());
    expect(daily.spec.template.includedNamespaces).not.toContain('tenant-elsewhere-3');
    expect(daily.spec.template.ttl).toBe(retentionTtl(30));
    expect(daily.spec.template.storageLocation).toBe(VELERO_LOCATION);
    expect(daily.metadata.annotations?.['ceres.io/encryption']).toBe('AES-256-GCM');
    expect(find(out, 'Schedule', 'weekly-here-1', 'velero').spec).toMatchObject({
      schedule: '30 3 * * sun',
      template: { includedNamespaces: ['tenant-here-1'], ttl: retentionTtl(90), storageLocation: VELERO_LOCATION },
    });
  });

  it('renders no Schedule for a backup whose namespaces are all absent (Velero would back up everything)', () => {
    expect(ofKind(out, 'Schedule').map((s) => s.metadata.name)).not.toContain('gone');
  });

  it('renders no folder without CeresBackups', () => {
    const none = renderAddOns(addOns(), { platform, input: { ...input, backups: [] } });
    expect([...none.files.keys()].filter((p) => p.startsWith(`${ENV}/backups/`))).toEqual([]);
  });
});

describe('Velero', () => {
  it('runs on the cloud clusters with workloads, and its Schedules go only there', () => {
    for (const cluster of platform.environments[0].clusters) {
      const runs = cluster.cloud !== 'edge';
      expect({ cluster: cluster.name, velero: appliedBy(out, cluster.name).some((o) => o.manifest.metadata.labels?.['ceres.io/addon'] === 'velero') }).toEqual({
        cluster: cluster.name,
        velero: runs,
      });
      expect({ cluster: cluster.name, schedules: appliedBy(out, cluster.name).filter((o) => o.manifest.kind === 'Schedule').length > 0 }).toEqual({
        cluster: cluster.name,
        schedules: runs,
      });
    }
  });

  it("declares the location its Schedules use, on the cluster's own store, with encrypted uploads and no static credentials", () => {
    for (const cluster of [FixtureClusters.aws, FixtureClusters.azure]) {
      const values = helmValues(out, cluster.name, 'velero');
      const names = values.configuration.backupStorageLocation.map((l: { name: string }) => l.name);
      expect(values.configuration.uploaderType).toBe('kopia');
      expect(values.credentials.useSecret).toBe(false);
      for (const s of appliedBy(out, cluster.name).filter((o) => o.manifest.kind === 'Schedule'))
        expect(names).toContain(s.manifest.spec.template.storageLocation);
    }
    expect(helmValues(out, FixtureClusters.aws.name, 'velero').configuration.backupStorageLocation[0].bucket).toBe(
      `${FixtureClusters.aws.name}-backups-${FixtureClusters.aws.region}`,
    );
  });
});

describe('the YAML', () => {
  it('backs volumes up by CSI snapshots moved into the store where the cluster has the snapshot API, with a class Velero selects', () => {
    for (const cluster of [FixtureClusters.aws, FixtureClusters.azure]) {
      const values = helmValues(out, cluster.name, 'velero');
      expect(values.configuration).toMatchObject({ features: 'EnableCSI', defaultSnapshotMoveData: true, defaultVolumesToFsBackup: false });
      // The node agent runs the data mover.
      expect(values.deployNodeAgent).toBe(true);
      const classes = appliedBy(out, cluster.name).filter(
        (o) => o.manifest.kind === 'VolumeSnapshotClass' && o.manifest.metadata.labels?.['velero.io/csi-volumesnapshot-class'] === 'true',
      );
      expect(classes.map((c) => c.manifest.driver)).toEqual([CSI_DISK_DRIVERS[cluster.cloud]]);
      expect(classes[0].manifest.metadata.name).toBe(VELERO_SNAPSHOT_CLASS);
      // Transient: the data mover has copied the snapshot into the backup store when Velero deletes it.
      expect(classes[0].manifest.deletionPolicy).toBe('Delete');
    }
    // Without the snapshot API the volumes go through the node agent's file system backup.
    const k3s = { ...FixtureClusters.aws, name: 'no-snapshots', profile: 'k3s' as const };
    expect(csiSnapshotDriver(k3s)).toBeUndefined();
  });

  it('matches the reviewed schedules and the Velero Application of the EKS cluster', () => {
    expect(yamlFiles(out, new RegExp(`^${ENV}/backups/`))).toMatchSnapshot();
    expect(yamlOf([helmApp(out, FixtureClusters.aws.name, 'velero')])).toMatchSnapshot();
  });
});
