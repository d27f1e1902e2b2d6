/**
 * The Terraform side of a review: the resources of `dist/terraform/<stack>/cdk.tf.json`, and which
 * of their removals or changes lose data (a bucket, a database, a cluster, a key) or the protection
 * against losing it.
 */

/** Resource types whose destruction loses data or everything running on them, with why. */
export const PROTECTED_TERRAFORM_TYPES: Readonly<Record<string, string>> = {
  // object storage
  aws_s3_bucket: 'destroying a bucket deletes its backups and data',
  azurerm_storage_account: 'destroying a storage account deletes every container and blob in it',
  azurerm_storage_container: 'destroying a container deletes its blobs',
  google_storage_bucket: 'destroying a bucket deletes its backups and data',
  // databases and caches
  aws_db_instance: 'destroying a database instance deletes the database',
  aws_rds_cluster: 'destroying an Aurora cluster deletes the database',
  aws_dynamodb_table: 'destroying a table deletes its items',
  aws_elasticache_replication_group: 'destroying the replication group deletes the cached data and sessions',
  azurerm_postgresql_flexible_server: 'destroying the server deletes its databases',
  azurerm_redis_cache: 'destroying the cache deletes its data',
  google_sql_database_instance: 'destroying the instance deletes its databases',
  google_sql_database: 'destroying the database deletes its data',
  // volumes and file systems
  aws_ebs_volume: 'destroying a volume deletes its data',
  aws_efs_file_system: 'destroying a file system deletes its files',
  // keys: data encrypted with them becomes unreadable
  aws_kms_key: 'destroying a KMS key makes everything encrypted with it unreadable',
  azurerm_key_vault: 'destroying a key vault deletes its keys and secrets',
  google_kms_crypto_key: 'destroying a crypto key makes everything encrypted with it unreadable',
  // clusters: everything on them goes
  aws_eks_cluster: 'destroying the cluster deletes every workload and volume on it',
  azurerm_kubernetes_cluster: 'destroying the cluster deletes every workload and volume on it',
  google_container_cluster: 'destroying the cluster deletes every workload and volume on it',
  // containers of other resources, and their protection
  azurerm_resource_group: 'destroying a resource group destroys everything in it',
  azurerm_management_lock: 'removing a management lock removes the protection against deleting what it locks',
};

/** Attributes whose change makes Terraform replace (destroy, then create) a protected resource. */
const REPLACING_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  aws_s3_bucket: ['bucket', 'bucket_prefix'],
  aws_db_instance: ['identifier', 'engine', 'kms_key_id', 'storage_encrypted', 'db_subnet_group_name', 'availability_zone'],
  aws_rds_cluster: ['cluster_identifier', 'engine', 'kms_key_id', 'storage_encrypted'],
  aws_elasticache_replication_group: ['replication_group_id', 'at_rest_encryption_enabled', 'kms_key_id', 'subnet_group_name'],
  aws_eks_cluster: ['name', 'encryption_config'],
  aws_kms_key: ['customer_master_key_spec', 'key_usage'],
  azurerm_storage_account: ['name', 'resource_group_name', 'location', 'account_kind'],
  azurerm_storage_container: ['name', 'storage_account_name', 'storage_account_id'],
  azurerm_postgresql_flexible_server: ['name', 'resource_group_name', 'location', 'delegated_subnet_id', 'private_dns_zone_id'],
  azurerm_kubernetes_cluster: ['name', 'resource_group_name', 'location', 'dns_prefix'],
  azurerm_resource_group: ['name', 'location'],
  google_storage_bucket: ['name', 'location', 'project'],
  google_sql_database_instance: ['name', 'region', 'project', 'database_version'],
  google_container_cluster: ['name', 'location', 'project'],
};

/** Protection flags: [attribute, the protective value]. Losing the value is destructive. */
const PROTECTIONS: readonly [string, unknown][] = [
  ['deletion_protection', true],
  ['force_destroy', false],
  ['skip_final_snapshot', false],
  ['prevent_destroy', true],
];

export interface TerraformObject {
  /** `type.name` for resources, `data.type.name` for data sources, `settings` for the rest of the stack. */
  readonly address: string;
  /** Resource type; `data.<type>` for data sources; `settings` for the stack's settings. */
  readonly type: string;
  /** Resource name; '' for the settings. */
  readonly name: string;
  /** The object's JSON body (a resource's attributes, or the stack's settings), compared between versions. */
  readonly value: unknown;
}

/** The resources, data sources and settings (backend, providers, variables, outputs) of one stack. */
export function terraformObjects(json: string): TerraformObject[] {
  let doc: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed Terraform JSON, read field by field
  try {
    doc = JSON.parse(json);
  } catch {
    return [{ address: 'settings', type: 'settings', name: '', value: json }];
  }
  const out: TerraformObject[] = [];
  const settings: Record<string, unknown> = {};
  for (const [section, body] of Object.entries(doc ?? {})) {
    if ((section === 'resource' || section === 'data') && body && typeof body === 'object') {
      for (const [type, byName] of Object.entries(body as Record<string, Record<string, unknown>>)) {
        for (const [name, value] of Object.entries(byName ?? {})) {
          const t = section === 'data' ? `data.${type}` : type;
          out.push({ address: `${t}.${name}`, type: t, name, value });
        }
      }
    } else {
      settings[section] = body;
    }
  }
  if (Object.keys(settings).length) out.push({ address: 'settings', type: 'settings', name: '', value: settings });
  return out;
}

const get = (v: unknown, key: string): unknown => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Why destroying this resource loses data or protection, or undefined. */
export function terraformRemovalRisk(o: TerraformObject): string | undefined {
  return PROTECTED_TERRAFORM_TYPES[o.type];
}

/** Why this change loses data or protection (a forced replacement, a protection switched off, a new state backend), or undefined. */
export function terraformChangeRisk(before: TerraformObject, after: TerraformObject): string | undefined {
  if (before.address === 'settings') {
    const a = get(get(before.value, 'terraform'), 'backend');
    const b = get(get(after.value, 'terraform'), 'backend');
    if (a !== undefined && !same(a, b)) return 'the state backend changes: terraform init must migrate the state, or the next plan starts from an empty state';
    return undefined;
  }
  if (!PROTECTED_TERRAFORM_TYPES[before.type]) return undefined;
  const replaced = (REPLACING_ATTRIBUTES[before.type] ?? []).filter((k) => !same(get(before.value, k), get(after.value, k)));
  if (replaced.length) return `changing ${replaced.join(', ')} replaces the resource: ${PROTECTED_TERRAFORM_TYPES[before.type]}`;
  const lifecycle = (v: unknown) => get(v, 'lifecycle');
  for (const [key, safe] of PROTECTIONS) {
    const was = key === 'prevent_destroy' ? get(lifecycle(before.value), key) : get(before.value, key);
    const now = key === 'prevent_destroy' ? get(lifecycle(after.value), key) : get(after.value, key);
    if (same(was, safe) && !same(now, safe)) return `${key} is no longer ${JSON.stringify(safe)}: the resource loses its protection against deletion`;
  }
  return undefined;
}
