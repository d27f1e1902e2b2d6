import { PlatformNamespaces } from '../core/namespaces';
import { HelmChart } from '../core/addon';
import { EVERY_CLUSTER } from '../core/topology';

/** The sealed-secrets chart values we set (https://github.com/bitnami-labs/sealed-secrets/tree/main/helm/sealed-secrets). */
export interface SealedSecretsValues {
  /** `kubeseal --controller-name sealed-secrets-controller --controller-namespace sealed-secrets`. */
  readonly fullnameOverride: string;
  /** Keep the sealing keys if the release is ever uninstalled: losing them makes every SealedSecret unreadable. */
  readonly keyrenewperiod: string;
}

export const sealedSecrets: HelmChart<SealedSecretsValues> = {
  name: 'sealed-secrets',
  chart: { repoURL: 'https://bitnami-labs.github.io/sealed-secrets', chart: 'sealed-secrets', version: '2.17.9' },
  namespace: PlatformNamespaces.sealedSecrets,
  placement: EVERY_CLUSTER,
  crdGroups: ['bitnami.com'],
  description: 'Decrypts SealedSecrets committed to git into Secrets',
  values: () => ({ fullnameOverride: 'sealed-secrets-controller', keyrenewperiod: '720h' }),
};
