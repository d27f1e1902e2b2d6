import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Schedule } from '../../imports/velero-schedule-velero.io';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { BackupSpec } from '../core/input/types';
import { VELERO_LOCATION } from './velero';
import { namespaceGlob } from '../core/input/rules';
import { PlatformNamespaces } from '../core/namespaces';

export interface BackupScheduleProps {
  /** The validated CeresBackup. */
  readonly spec: BackupSpec;
  /** The namespaces that exist in this environment; `includeNamespaces` globs are expanded against them. */
  readonly existingNamespaces: readonly string[];
}

/** Velero's duration format for a number of days (`30` → `720h0m0s`). */
export function retentionTtl(days: number): string {
  return `${days * 24}h0m0s`;
}

/** The namespaces a backup covers in an environment, sorted (a glob matching nothing adds nothing). */
export function expandNamespaces(globs: readonly string[], existing: readonly string[]): string[] {
  const matchers = globs.map(namespaceGlob);
  return existing.filter((ns) => matchers.some((m) => m(ns))).sort();
}

/**
 * A CeresBackup as a Velero Schedule in the `velero` namespace. Namespace globs are expanded here,
 * against the namespaces of the environment, so a review shows exactly what is backed up (Velero
 * treats an empty list as "every namespace": such a schedule is not rendered, see `covers`).
 * Velero encrypts at rest through the bucket's KMS key; the requested cipher is recorded as an
 * annotation for audits.
 */
export class BackupSchedule extends Construct {
  /** The namespaces backed up; empty when none exists in this environment (nothing is rendered). */
  public readonly covers: readonly string[];

  constructor(scope: Chart, id: string, props: BackupScheduleProps) {
    super(scope, id);
    const { spec } = props;
    this.covers = expandNamespaces(spec.includeNamespaces, props.existingNamespaces);
    if (this.covers.length === 0) return;
    new Schedule(this, 'Resource', {
      metadata: {
        name: spec.name,
        namespace: PlatformNamespaces.velero,
        annotations: {
          ...argoAnnotations({ wave: SyncWave.data }),
          'ceres.io/encryption': spec.encryption,
          'ceres.io/include-namespaces': spec.includeNamespaces.join(','),
        },
      },
      spec: {
        schedule: spec.schedulePolicy,
        useOwnerReferencesInBackup: false,
        template: {
          includedNamespaces: [...this.covers],
          storageLocation: VELERO_LOCATION,
          ttl: retentionTtl(spec.retentionDays),
          snapshotVolumes: true,
          includeClusterResources: false,
          metadata: { labels: { 'ceres.io/backup': spec.name } },
        },
      },
    });
  }
}
