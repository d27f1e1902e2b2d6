import { PlatformNamespaces } from '../core/namespaces';
import { HelmChart } from '../core/addon';
import { resources, Resources } from '../core/pod-security';

/** The Loki chart (v6) values we set (https://grafana.com/docs/loki/latest/setup/install/helm/reference/). */
export interface LokiValues {
  /** One process running every Loki target, on a filesystem volume. */
  readonly deploymentMode: 'SingleBinary';
  /** Loki's own configuration: no multi-tenancy, replication 1, filesystem storage, the TSDB schema. */
  readonly loki: {
    readonly auth_enabled: boolean;
    readonly commonConfig: { readonly replication_factor: number };
    readonly storage: { readonly type: 'filesystem' };
    readonly schemaConfig: {
      readonly configs: readonly {
        readonly from: string;
        readonly store: 'tsdb';
        readonly object_store: 'filesystem';
        readonly schema: 'v13';
        readonly index: { readonly prefix: string; readonly period: string };
      }[];
    };
  };
  /** The single binary's replicas, volume size and resources. */
  readonly singleBinary: { readonly replicas: number; readonly persistence: { readonly size: string }; readonly resources: Resources };
  /** Memcached caches: the chart's defaults ask ~9.6 GiB (chunks 8 GiB + results 1 GiB + overhead) in every environment. */
  readonly chunksCache: { readonly enabled: boolean; readonly allocatedMemory?: number };
  /** The query results cache (memcached): only in HA environments, sized in MB. */
  readonly resultsCache: { readonly enabled: boolean; readonly allocatedMemory?: number };
  /** The canary DaemonSet and the Helm test pod (which pulls a `latest` image) are off. */
  readonly lokiCanary: { readonly enabled: boolean };
  /** The Helm test pod (off). */
  readonly test: { readonly enabled: boolean };
  /** Requests and limits of the nginx gateway in front of Loki. */
  readonly gateway: { readonly resources: Resources };
  /** The simple-scalable targets are off in SingleBinary mode. */
  readonly backend: { readonly replicas: 0 };
  /** Simple-scalable read target (off). */
  readonly read: { readonly replicas: 0 };
  /** Simple-scalable write target (off). */
  readonly write: { readonly replicas: 0 };
}

export const loki: HelmChart<LokiValues> = {
  name: 'loki',
  chart: { repoURL: 'https://grafana.github.io/helm-charts', chart: 'loki', version: '6.6.4' },
  namespace: PlatformNamespaces.monitoring,
  placement: { traits: ['full'] },
  crdGroups: [],
  description: 'Log storage and query (Grafana data source)',
  values: ({ environment }) => ({
    deploymentMode: 'SingleBinary',
    loki: {
      auth_enabled: false,
      commonConfig: { replication_factor: 1 },
      storage: { type: 'filesystem' },
      // The schema's start date is part of Loki's storage layout, not a build date: never change it.
      schemaConfig: {
        configs: [{ from: '2024-04-01', store: 'tsdb', object_store: 'filesystem', schema: 'v13', index: { prefix: 'loki_index_', period: '24h' } }],
      },
    },
    singleBinary: {
      replicas: 1,
      persistence: { size: environment.name === 'prod' ? '100Gi' : '20Gi' },
      resources: environment.sizing.ha ? resources('500m', '1Gi', '2', '4Gi') : resources('100m', '256Mi', '1', '1Gi'),
    },
    // Caches only where the query load warrants them, sized (MB) instead of the chart's 8 GiB + 1 GiB.
    chunksCache: environment.sizing.ha ? { enabled: true, allocatedMemory: 1024 } : { enabled: false },
    resultsCache: environment.sizing.ha ? { enabled: true, allocatedMemory: 256 } : { enabled: false },
    lokiCanary: { enabled: false },
    test: { enabled: false },
    gateway: { resources: resources('50m', '64Mi', '500m', '256Mi') },
    backend: { replicas: 0 },
    read: { replicas: 0 },
    write: { replicas: 0 },
  }),
};
