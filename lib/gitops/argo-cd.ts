import { PlatformNamespaces } from '../core/namespaces';
import { APPLICATION_HEALTH_LUA } from '../argocd';
import { HelmChart } from '../core/addon';
import { EVERY_CLUSTER } from '../core/topology';

/** The Argo CD chart values we set (https://github.com/argoproj/argo-helm/tree/main/charts/argo-cd). */
export interface ArgoCdValues {
  readonly configs: {
    readonly cm: {
      /** Health of child Applications, so that the root Application's sync waves wait for them. */
      readonly 'resource.customizations.health.argoproj.io_Application': string;
      /**
       * Track resources by annotation: the `app.kubernetes.io/instance` label is limited to 63
       * characters, which per-cluster Application names of long tenant ids exceed.
       */
      readonly 'application.resourceTrackingMethod': 'annotation';
    };
  };
  readonly controller: { readonly replicas: number };
  readonly server: { readonly replicas: number };
  readonly repoServer: { readonly replicas: number };
  readonly applicationSet: { readonly replicas: number };
}

/**
 * Argo CD manages itself on the hub: installed once by hand with the same values
 * (shown in dist/<env>/bootstrap/README.md), then this Application keeps it in sync.
 */
export const argoCd: HelmChart<ArgoCdValues> = {
  name: 'argo-cd',
  releaseName: 'argocd',
  chart: { repoURL: 'https://argoproj.github.io/argo-helm', chart: 'argo-cd', version: '9.5.4' },
  namespace: PlatformNamespaces.argocd,
  placement: EVERY_CLUSTER,
  crdGroups: [],
  description: 'Argo CD itself (self-managed), with the Application health check sync waves rely on',
  values: ({ environment }) => {
    const replicas = environment.sizing.ha ? 2 : 1;
    return {
      configs: {
        cm: {
          'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA,
          'application.resourceTrackingMethod': 'annotation',
        },
      },
      controller: { replicas: 1 },
      server: { replicas },
      repoServer: { replicas },
      applicationSet: { replicas },
    };
  },
};
