import { egressIpsVariable, FEDERATION_AUDIENCES, oidcIssuerVariable } from '../../core/database-topology';
import { isProvisioned } from '../../core/cloud';
import { allObjects } from '../state';
import { ClusterState, describeManifest, Finding, findingAt, StateObject, VerifyCheck, VerifyContext } from '../types';
import { archiveReadAccess, bucketResource, grantsOf, parseDestinationPath, stackFor } from './identity';

/**
 * `data/replica-sources`: every CloudNativePG Cluster in a distributed topology (`spec.replica`)
 * converges. Its `self`, `primary` and `source` name entries of its `externalClusters`; every other
 * site it lists is a Cluster of the same name and namespace on another cluster of the environment
 * that archives exactly there (destinationPath and serverName); every site names the same primary,
 * which exists; no two Clusters of the environment archive to one path; and an archive on another
 * cloud is readable: the Cluster's pods carry that cloud's federated credentials (role or client id,
 * a projected token with the cloud's audience), and the cloud's stack grants read on the archive to
 * an identity federated with this cluster's issuer (variable `oidc_issuer_<cluster>`).
 */
export const CHECK = 'data/replica-sources';

interface Site {
  readonly state: ClusterState;
  readonly object: StateObject;
  readonly self: string;
  readonly destinationPath?: string;
  readonly serverName: string;
  readonly primary?: string;
}

const isCnpgCluster = (o: StateObject) => o.manifest.kind === 'Cluster' && o.manifest.apiVersion.startsWith('postgresql.cnpg.io/');

function sitesOf(state: ClusterState): Site[] {
  return allObjects(state)
    .filter(isCnpgCluster)
    .map((object) => {
      const spec = object.manifest.spec ?? {};
      const store = spec.backup?.barmanObjectStore;
      return {
        state,
        object,
        self: spec.replica?.self ?? object.manifest.metadata.name!,
        destinationPath: store?.destinationPath,
        serverName: store?.serverName ?? object.manifest.metadata.name!,
        primary: spec.replica?.primary,
      };
    });
}

const key = (o: StateObject) => `${o.manifest.metadata.namespace ?? 'default'}/${o.manifest.metadata.name}`;

export function replicaSourceFindings(state: ClusterState, ctx: VerifyContext): Finding[] {
  const out: Finding[] = [];
  const env = state.environment.name;
  const peers = ctx.clusters.filter((c) => c.environment.name === env);
  const allSites = peers.flatMap(sitesOf);
  const at = (o: StateObject, message: string, fix: string) => out.push(findingAt(CHECK, state, o, message, fix));

  for (const mine of sitesOf(state)) {
    const m = mine.object.manifest;
    const what = describeManifest(m);
    // No two Clusters of the environment archive to one path.
    if (mine.destinationPath) {
      const clash = allSites.filter(
        (s) => s !== mine && s.destinationPath === mine.destinationPath && s.serverName === mine.serverName && !(s.state === state && s.object === mine.object),
      );
      for (const c of clash) {
        at(
          mine.object,
          `${what} archives to ${mine.destinationPath}/${mine.serverName}, as does ${describeManifest(c.object.manifest)} on ${c.state.cluster.name}: two primaries would overwrite each other's WAL`,
          'give every site its own serverName (lib/core/database-topology.ts databaseSite)',
        );
      }
    }
    const replica = m.spec?.replica;
    if (!replica) continue;
    const external = new Map<string, any>((m.spec?.externalClusters ?? []).map((e: any) => [e.name, e]));
    for (const [field, value] of [
      ['self', replica.self ?? m.metadata.name],
      ['primary', replica.primary],
      ['source', replica.source],
    ] as const) {
      if (value !== undefined && !external.has(value)) {
        at(
          mine.object,
          `${what}: spec.replica.${field} is ${value}, which no externalClusters entry names (it has: ${[...external.keys()].join(', ') || 'none'})`,
          'list every site of the database in externalClusters',
        );
      }
    }
    // Every site names the same primary, and it exists.
    const same = allSites.filter((s) => key(s.object) === key(mine.object));
    const primaries = new Set(same.map((s) => s.primary ?? s.self));
    if (primaries.size > 1) {
      at(
        mine.object,
        `${what}: its sites disagree on the primary (${[...primaries].sort().join(', ')}): two could accept writes`,
        'derive spec.replica.primary from EnvironmentConfig.databasePrimary for every site',
      );
    }
    if (replica.primary && !same.some((s) => s.self === replica.primary)) {
      at(mine.object, `${what}: the primary ${replica.primary} is no Cluster of environment ${env}`, 'name a site that exists (lib/core/database-topology.ts)');
    }
    for (const [name, entry] of external) {
      if (name === (replica.self ?? m.metadata.name)) continue;
      const store = entry.barmanObjectStore;
      if (!store?.destinationPath) {
        if (name === replica.source)
          at(
            mine.object,
            `${what}: its source ${name} has no barmanObjectStore, and the platform replicates through archives only`,
            'give the source entry its barmanObjectStore',
          );
        continue;
      }
      const serverName = store.serverName ?? name;
      const source = same.find((s) => s.self === name && s.state !== state);
      if (!source) {
        at(
          mine.object,
          `${what}: site ${name} is no Cluster ${key(mine.object)} on another cluster of ${env}`,
          'run the database on every site of lib/core/database-topology.ts',
        );
      } else if (source.destinationPath !== store.destinationPath || source.serverName !== serverName) {
        at(
          mine.object,
          `${what} replays ${name} from ${store.destinationPath}/${serverName}, but ${source.state.cluster.name} archives it to ${source.destinationPath}/${source.serverName}`,
          'read the site where it archives (both sides come from lib/core/database-topology.ts databaseSite)',
        );
      }
      const target = parseDestinationPath(store.destinationPath);
      if (!target) {
        at(
          mine.object,
          `${what}: site ${name} archives to ${store.destinationPath}, on no cloud Terraform provisions`,
          'use the backup store of lib/core/cloud.ts',
        );
        continue;
      }
      if (!isProvisioned(state.cluster) || target.cloud === state.cluster.cloud) continue; // own cloud: the Cluster's own identity (identity/object-stores)
      // Cross-cloud: pods carry the credentials, the source stack grants read to this cluster's issuer.
      const envNames = new Set((m.spec?.env ?? []).map((e: any) => e.name));
      const audiences = new Set((m.spec?.projectedVolumeTemplate?.sources ?? []).map((s: any) => s.serviceAccountToken?.audience).filter(Boolean));
      const needs =
        target.cloud === 'aws'
          ? ['AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE']
          : target.cloud === 'azure'
            ? ['AZURE_CLIENT_ID', 'AZURE_TENANT_ID', 'AZURE_FEDERATED_TOKEN_FILE']
            : [];
      const audience = target.cloud === 'gcp' ? undefined : FEDERATION_AUDIENCES[target.cloud];
      const missing = needs.filter((n) => !envNames.has(n));
      if (missing.length || (audience && !audiences.has(audience))) {
        at(
          mine.object,
          `${what} reads ${store.destinationPath} on ${target.cloud} from ${state.cluster.cloud}, but its pods lack ${[...missing, ...(audience && !audiences.has(audience) ? [`a projected token for audience ${audience}`] : [])].join(', ')}`,
          'set spec.env and spec.projectedVolumeTemplate for the federated credentials (lib/data/tenant-database.ts)',
        );
      }
      const stack = stackFor(ctx, env, target.cloud);
      if (!stack) {
        at(
          mine.object,
          `${what} reads ${store.destinationPath}, but environment ${env} has no ${target.cloud} Terraform stack`,
          'add the source cluster to the environment',
        );
        continue;
      }
      const bucket = bucketResource(stack, target);
      if (bucket.problem) {
        at(mine.object, `${what} reads ${store.destinationPath}, but ${stack.file} ${bucket.problem}`, 'read the store lib/core/cloud.ts backupStore names');
        continue;
      }
      // An Azure account denies public networks: this cluster's egress IPs must pass its firewall.
      if (target.cloud === 'azure' && bucket.account) {
        const account = bucket.account.body;
        const egress = egressIpsVariable(state.cluster);
        if (account.public_network_access_enabled !== true || !String(JSON.stringify(account.network_rules?.ip_rules ?? '')).includes(`var.${egress}`)) {
          at(
            mine.object,
            `${what} on ${state.cluster.name} reads ${store.destinationPath}, but storage account ${target.account} in ${stack.file} does not admit ${state.cluster.name}'s egress IPs (public network access ${account.public_network_access_enabled === true ? 'on' : 'off'}, no ip rule from variable ${egress}): the read never reaches it`,
            "admit the reading sites' egress IPs on the backup account (lib/infra/azure/backup-storage.ts allowedIpRanges)",
          );
        }
      }
      const ns = m.metadata.namespace ?? 'default';
      const issuer = oidcIssuerVariable(state.cluster);
      const grants = grantsOf(stack).filter((g) => g.issuerVariable === issuer && g.namespace === ns && g.serviceAccount === m.metadata.name);
      if (!grants.length) {
        at(
          mine.object,
          `${what} on ${state.cluster.name} reads ${store.destinationPath}, but ${stack.file} federates no identity with ${state.cluster.name}'s issuer (variable ${issuer}) for ${ns}/${m.metadata.name}`,
          'add the reader to lib/core/cloud.ts clusterArchiveReaders (it comes from lib/core/database-topology.ts archiveReaders)',
        );
        continue;
      }
      const prefixed = { ...target, prefix: [target.prefix, serverName].filter(Boolean).join('/') };
      const reasons = grants.map((g) => archiveReadAccess(stack, g, prefixed, bucket));
      if (reasons.every((r) => r !== undefined)) {
        at(
          mine.object,
          `${what} reads ${store.destinationPath}/${serverName}, but in ${stack.file} ${reasons.join('; ')}`,
          'grant read on the archive prefix in lib/infra',
        );
      }
    }
  }
  return out;
}

export const replicaSourcesCheck: VerifyCheck = {
  name: CHECK,
  description:
    "every CloudNativePG replica site's source exists on another cluster and archives where it reads; one primary per database; no two Clusters archive to one path; another cloud's archive is readable by a federated identity",
  run: replicaSourceFindings,
};
