import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { SealedSecret } from '../../imports/sealed-secrets-bitnami.com';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { TenantSecret } from '../core/input/types';

export interface TenantSecretsProps {
  /** The tenant's namespace. */
  readonly namespace: string;
  /** The tenant's secrets from its CeresTenant. @default [] */
  readonly secrets?: readonly TenantSecret[];
}

/**
 * A tenant's sealed secrets, never in plaintext: each becomes a SealedSecret (the controller in
 * `sealed-secrets` unseals it into a Secret of the same name, strict scope: same name and namespace as
 * when sealed). `external` secrets are not here: they are read from the cloud's secret store of each
 * cluster by the External Secrets Operator (lib/secrets/external-secrets-addon.ts, per-cluster folder
 * `tenant-secrets`), since their store and identity differ by cloud.
 */
export class TenantSecrets extends Construct {
  /** Names of the sealed secrets rendered. */
  public readonly sealed: readonly string[];

  constructor(scope: Chart, id: string, props: TenantSecretsProps) {
    super(scope, id);
    const annotations = argoAnnotations({ wave: SyncWave.namespaces });
    const sealed: string[] = [];
    for (const s of props.secrets ?? []) {
      if (!('sealed' in s)) continue;
      sealed.push(s.name);
      new SealedSecret(this, `sealed-${s.name}`, {
        metadata: { name: s.name, namespace: props.namespace, annotations },
        spec: {
          encryptedData: { ...s.sealed.encryptedData },
          template: { metadata: { name: s.name, namespace: props.namespace }, type: 'Opaque' },
        },
      });
    }
    this.sealed = sealed;
  }
}
