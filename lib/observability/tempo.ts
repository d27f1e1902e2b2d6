import { PlatformNamespaces } from '../core/namespaces';
import { TracingBackend } from './monitoring-stack';
import { HelmChart } from '../core/addon';

/** The Tempo (single binary) chart values we set (https://github.com/grafana/helm-charts/tree/main/charts/tempo). */
export interface TempoValues {
  /** Names the Service `tempo` whatever the release is called: the mesh sends spans to it. */
  readonly fullnameOverride: string;
  /** Trace retention and the receivers (OTLP gRPC and HTTP, Zipkin). */
  readonly tempo: {
    readonly retention: string;
    readonly receivers: {
      readonly otlp: { readonly protocols: { readonly grpc: { readonly endpoint: string }; readonly http: { readonly endpoint: string } } };
      readonly zipkin: { readonly endpoint: string };
    };
  };
  /** A volume for the traces and its size. */
  readonly persistence: { readonly enabled: boolean; readonly size: string };
}

export const tempo: HelmChart<TempoValues> = {
  name: 'tempo',
  chart: { repoURL: 'https://grafana.github.io/helm-charts', chart: 'tempo', version: '1.10.1' },
  namespace: PlatformNamespaces.monitoring,
  placement: { traits: ['full'] },
  crdGroups: [],
  description: 'Tracing backend: OTLP and Zipkin receivers for the mesh (the design’s Jaeger role)',
  values: ({ environment }) => ({
    // The service must be `tempo` whatever the release is called: the mesh sends spans to it.
    fullnameOverride: 'tempo',
    tempo: {
      retention: environment.name === 'prod' ? '168h' : '48h',
      receivers: {
        otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${TracingBackend.otlpGrpcPort}` }, http: { endpoint: `0.0.0.0:${TracingBackend.otlpHttpPort}` } } },
        zipkin: { endpoint: `0.0.0.0:${TracingBackend.zipkinPort}` },
      },
    },
    persistence: { enabled: true, size: environment.name === 'prod' ? '50Gi' : '10Gi' },
  }),
};
