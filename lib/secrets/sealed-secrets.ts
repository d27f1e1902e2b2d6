import { HelmChart } from '../core/addon';
import { PlatformNamespaces } from '../core/namespaces';
import { resources, Resources, RESTRICTED_CONTAINER } from '../core/pod-security';
import { EVERY_CLUSTER } from '../core/topology';

/** The sealed-secrets chart values we set (https://github.com/bitnami-labs/sealed-secrets/tree/main/helm/sealed-secrets). */
export interface SealedSecretsValues {
  /** `kubeseal --controller-name sealed-secrets-controller --controller-namespace sealed-secrets`. */
  readonly fullnameOverride: string;
  /**
   * Never generate a new sealing key: every cluster of an environment holds the environment's key,
   * installed at bootstrap (see the cluster's bootstrap README), so one SealedSecret opens on each
   * cluster its folder goes to. A key generated per cluster would make that impossible.
   */
  readonly keyrenewperiod: string;
  /** The chart's default omits allowPrivilegeEscalation and seccomp, which Pod Security "restricted" requires. */
  readonly containerSecurityContext: typeof RESTRICTED_CONTAINER & { readonly enabled: true };
  /** Pod Security `restricted` pod settings (non-root, RuntimeDefault seccomp, fsGroup 65534). */
  readonly podSecurityContext: {
    readonly enabled: true;
    readonly fsGroup: number;
    readonly runAsNonRoot: true;
    readonly seccompProfile: { readonly type: 'RuntimeDefault' };
  };
  /** Requests and limits of the controller. */
  readonly resources: Resources;
}

/** The Sealed Secrets controller at the release imports/ was generated from (0.36.6, chart 2.18.5). */
export const sealedSecrets: HelmChart<SealedSecretsValues> = {
  // One sealing key per environment: every other cluster copies the primary's before its controller starts.
  bootstrap: ({ environment, cluster }) => {
    const primary = environment.clusters.find((c) => c.role === 'primary');
    if (!primary || primary === cluster) return [];
    return [
      [
        `Give sealed-secrets the environment's sealing key (SealedSecrets in dist/${environment.name}/ are sealed once for every cluster of the environment; key renewal is off, see docs/gitops.md): copy it from ${primary.name} before the controller first starts.`,
        '',
        '   ```sh',
        `   kubectl create namespace ${PlatformNamespaces.sealedSecrets}`,
        `   kubectl --context ${primary.name} -n ${PlatformNamespaces.sealedSecrets} get secret -l sealedsecrets.bitnami.com/sealed-secrets-key=active -o yaml | kubectl -n ${PlatformNamespaces.sealedSecrets} apply -f -`,
        '   ```',
      ],
    ];
  },
  name: 'sealed-secrets',
  chart: { repoURL: 'https://bitnami-labs.github.io/sealed-secrets', chart: 'sealed-secrets', version: '2.18.5' },
  kubeVersion: '>=1.16.0-0',
  namespace: PlatformNamespaces.sealedSecrets,
  placement: EVERY_CLUSTER,
  crdGroups: ['bitnami.com'],
  description: 'Decrypts SealedSecrets committed to git into Secrets, with the environment’s sealing key',
  values: () => ({
    fullnameOverride: 'sealed-secrets-controller',
    keyrenewperiod: '0',
    containerSecurityContext: { enabled: true, ...RESTRICTED_CONTAINER },
    podSecurityContext: { enabled: true, fsGroup: 65534, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    resources: resources('25m', '64Mi', '250m', '256Mi'),
  }),
};
