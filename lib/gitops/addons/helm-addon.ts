import { BackupSpec } from '../../core/input/types';
import { Cloud, ClusterConfig, EnvironmentConfig, PlatformConfig } from '../../core/model';
import { ClusterProfile } from '../cluster-targets';
import { HelmChartRef } from '../helm-application';

/** The cluster an add-on is being configured for, and what its values may depend on. */
export interface AddOnTarget {
  readonly platform: PlatformConfig;
  readonly environment: EnvironmentConfig;
  readonly cluster: ClusterConfig;
  /** Whether Argo CD runs in this cluster. */
  readonly hub: boolean;
  /** Platform backup schedules (Velero declares one BackupStorageLocation per distinct URI). */
  readonly backups: readonly BackupSpec[];
}

/**
 * A platform add-on installed from a pinned Helm chart, once per cluster that matches its profiles
 * and clouds. `values` returns the add-on's typed values (an interface per chart, with only the keys
 * we set, each checked against the chart's values.yaml).
 */
export interface HelmAddOn<V extends object = object> {
  /** Short name (`cert-manager`); the Application is `<cluster>-<name>`. */
  readonly name: string;
  readonly chart: HelmChartRef;
  /** Namespace the release is installed into. */
  readonly namespace: string;
  /** Helm release name (service names derive from it). @default the add-on name */
  readonly releaseName?: string;
  /** Cluster profiles that get the add-on. */
  readonly profiles: readonly ClusterProfile[];
  /** Clouds that get the add-on. @default every cloud */
  readonly clouds?: readonly Cloud[];
  /** Only the hub (the cluster Argo CD runs in) gets the add-on. @default false */
  readonly hubOnly?: boolean;
  /**
   * API groups of the CRDs the chart installs: a dist folder with objects of these groups is only
   * fanned out to clusters that get the add-on.
   */
  readonly crdGroups: readonly string[];
  /** One line for docs and the Application description. */
  readonly description: string;
  values(target: AddOnTarget): V;
}

/** Whether a cluster gets an add-on. */
export function addOnApplies(addOn: HelmAddOn, cluster: ClusterConfig, profile: ClusterProfile, hub: boolean): boolean {
  if (addOn.hubOnly && !hub) return false;
  if (!addOn.profiles.includes(profile)) return false;
  return !addOn.clouds || addOn.clouds.includes(cluster.cloud);
}
