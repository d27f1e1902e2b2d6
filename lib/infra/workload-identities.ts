/**
 * Kubernetes service accounts of platform components that need cloud credentials, with what they may
 * do. Each cloud maps them to its workload identity mechanism (GCP Workload Identity, EKS Pod Identity).
 * The namespaces and service account names must match the Kubernetes manifests (Helm charts' defaults).
 */
export interface PlatformServiceAccount {
  /** Short name, used in cloud identity names (`<cluster>-<name>`). */
  readonly name: string;
  /** Kubernetes namespace of the service account. */
  readonly namespace: string;
  /** Kubernetes service account name. */
  readonly serviceAccount: string;
  /** What it needs: read/write the backup bucket, or manage DNS records. */
  readonly access: 'backup-bucket' | 'dns';
  /** One line for humans. */
  readonly description: string;
}

export const PLATFORM_SERVICE_ACCOUNTS: readonly PlatformServiceAccount[] = [
  { name: 'velero', namespace: 'velero', serviceAccount: 'velero', access: 'backup-bucket', description: 'Velero cluster backups and restores.' },
  { name: 'cnpg-backup', namespace: 'ceres', serviceAccount: 'ceres-postgres', access: 'backup-bucket', description: 'CloudNativePG base backups and WAL archive (Barman).' },
  { name: 'external-dns', namespace: 'external-dns', serviceAccount: 'external-dns', access: 'dns', description: 'external-dns record management.' },
  { name: 'cert-manager', namespace: 'cert-manager', serviceAccount: 'cert-manager', access: 'dns', description: 'cert-manager ACME DNS-01 challenges.' },
];
