import { Chart } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { SealedSecret } from '../../imports/sealed-secrets-bitnami.com';
import { argoAnnotations, SyncWave } from '../core/argocd';
import { TenantSecret } from '../core/input/types';

/** Name of the ConfigMap listing a tenant's external secret references. */
export const EXTERNAL_SECRETS_CONFIGMAP = 'external-secret-references';

export interface TenantSecretsProps {
  /** The tenant's namespace. */
  readonly namespace: string;
  /** The tenant's secrets from its CeresTenant. @default [] */
  readonly secrets?: readonly TenantSecret[];
}

/**
 * A tenant's secrets, never in plaintext: sealed entries become SealedSecrets (the controller in
 * `sealed-secrets` unseals them into Secrets of the same name, strict scope: same name and
 * namespace as when sealed); external entries (Vault / cloud secret manager paths) are listed in a
 * ConfigMap `external-secret-references` (`<name>: <store>:<key>`), because no External Secrets
 * operator runs on the platform yet — the tenant's workloads or its own operator resolve them.
 */
export class TenantSecrets extends Construct {
  public readonly sealed: readonly string[];
  public readonly external: readonly string[];

  constructor(scope: Chart, id: string, props: TenantSecretsProps) {
    super(scope, id);
    const annotations = argoAnnotations({ wave: SyncWave.namespaces });
    const sealed: string[] = [];
    const external: Record<string, string> = {};
    for (const s of props.secrets ?? []) {
      if ('sealed' in s) {
        sealed.push(s.name);
        new SealedSecret(this, `sealed-${s.name}`, {
          metadata: { name: s.name, namespace: props.namespace, annotations },
          spec: {
            encryptedData: { ...s.sealed.encryptedData },
            template: { metadata: { name: s.name, namespace: props.namespace }, type: 'Opaque' },
          },
        });
      } else {
        external[s.name] = `${s.external.store}:${s.external.key}`;
      }
    }
    this.sealed = sealed;
    this.external = Object.keys(external);
    if (this.external.length) {
      new k8s.KubeConfigMap(this, 'external', {
        metadata: {
          name: EXTERNAL_SECRETS_CONFIGMAP,
          namespace: props.namespace,
          annotations: { ...annotations, 'ceres.io/purpose': 'references to secrets held outside git (store:key); no secret values' },
        },
        data: external,
      });
    }
  }
}
