import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { KmsCryptoKey } from '@cdktf/provider-google/lib/kms-crypto-key';
import { KmsCryptoKeyIamMember } from '@cdktf/provider-google/lib/kms-crypto-key-iam-member';
import { KmsKeyRing } from '@cdktf/provider-google/lib/kms-key-ring';

/** A key and the Google service agents allowed to use it. */
export interface GcpKeySpec {
  /** Key name within the ring. */
  readonly name: string;
  /** Cloud KMS location of the ring (the region, or `europe` for an EU multi-region bucket). */
  readonly location: string;
  /** Service agent e-mails that encrypt and decrypt with it. */
  readonly users: readonly string[];
}

export interface GcpEncryptionKeysProps {
  /** Key ring name (one ring per location): key rings cannot be deleted, so names are final. */
  readonly ringName: string;
  /** GCP project id. */
  readonly project: string;
  /** The keys to create, each in its location's ring, with the service agents that may use it. */
  readonly keys: readonly GcpKeySpec[];
  /**
   * Rotation period.
   * @default 90 days
   */
  readonly rotationPeriod?: string;
  /** Resources the rings wait for (the Cloud KMS API). @default [] */
  readonly dependsOn?: ITerraformDependable[];
  /** Labels. @default {} */
  readonly labels?: Record<string, string>;
}

/**
 * Customer-managed encryption keys (rotating every 90 days, protected from `terraform destroy`) and their
 * `cloudkms.cryptoKeyEncrypterDecrypter` grants to the service agents that use them.
 */
export class GcpEncryptionKeys extends Construct {
  /** Key id (`projects/…/cryptoKeys/<name>`) by key name. */
  public readonly keyIds: Record<string, string> = {};
  /** The grants; resources using a key depend on them. */
  public readonly grants: Record<string, ITerraformDependable[]> = {};

  constructor(scope: Construct, id: string, props: GcpEncryptionKeysProps) {
    super(scope, id);
    const rings = new Map<string, KmsKeyRing>();
    for (const spec of props.keys) {
      let ring = rings.get(spec.location);
      if (!ring) {
        ring = new KmsKeyRing(this, `ring-${spec.location}`, {
          name: props.ringName,
          project: props.project,
          location: spec.location,
          dependsOn: props.dependsOn,
        });
        rings.set(spec.location, ring);
      }
      const key = new KmsCryptoKey(this, spec.name, {
        name: spec.name,
        keyRing: ring.id,
        rotationPeriod: props.rotationPeriod ?? `${90 * 24 * 3600}s`,
        labels: props.labels ?? {},
        lifecycle: { preventDestroy: true },
      });
      this.keyIds[spec.name] = key.id;
      this.grants[spec.name] = spec.users.map(
        (email, i) =>
          new KmsCryptoKeyIamMember(this, `${spec.name}-user-${i}`, {
            cryptoKeyId: key.id,
            role: 'roles/cloudkms.cryptoKeyEncrypterDecrypter',
            member: `serviceAccount:${email}`,
          }),
      );
    }
  }
}
