import {
  egressIpsVariable,
  FEDERATION_AUDIENCES,
  keycloakDatabase,
  oidcIssuerVariable,
  platformDatabase,
  ReplicatedDatabase,
} from '../../core/database-topology';
import { KEYCLOAK } from '../../core/realm';
import { PlatformNamespaces } from '../../core/namespaces';
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

  out.push(...platformDatabaseFindings(state, ctx));
  for (const mine of sitesOf(state)) {
    const m = mine.object.manifest;
    out.push(...credentialFindings(state, mine, allSites));
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

/**
 * The platform's own databases: the platform database (lib/core/database-topology.ts `platformDatabase`)
 * on every database site that runs the CloudNativePG operator, and Keycloak's (`keycloakDatabase`) on
 * every one that also runs the Keycloak operator; each as the site the model names, with a site on a
 * second cloud wherever the environment has database sites on two.
 */
function platformDatabaseFindings(state: ClusterState, ctx: VerifyContext): Finding[] {
  if (!state.releases.some((r) => r.namespace === PlatformNamespaces.cnpg)) return [];
  const out = ownDatabaseFindings(state, ctx, platformDatabase(state.platform, state.environment), 'the platform database', 'lib/data/databases-addon.ts');
  if (state.releases.some((r) => r.namespace === KEYCLOAK.namespace))
    out.push(...ownDatabaseFindings(state, ctx, keycloakDatabase(state.platform, state.environment), "Keycloak's database", 'lib/identity/keycloak-addon.ts'));
  return out;
}

function ownDatabaseFindings(state: ClusterState, ctx: VerifyContext, model: ReplicatedDatabase | undefined, what: string, renderer: string): Finding[] {
  const site = model?.sites.find((s) => s.cluster.name === state.cluster.name);
  if (!model || !site) return [];
  const out: Finding[] = [];
  const { name, namespace } = model;
  const isPlatform = (o: StateObject) => isCnpgCluster(o) && o.manifest.metadata.name === name && o.manifest.metadata.namespace === namespace;
  const mine = allObjects(state).find(isPlatform);
  if (!mine) {
    return [
      findingAt(
        CHECK,
        state,
        undefined,
        `${state.cluster.name} is site ${site.name} of ${what}, but runs no Cluster ${namespace}/${name}: nothing takes over here after a failover`,
        `render ${what} on every database site (${renderer})`,
      ),
    ];
  }
  const self = mine.manifest.spec?.replica?.self ?? name;
  if (model.sites.length > 1 && self !== site.name) {
    out.push(
      findingAt(
        CHECK,
        state,
        mine,
        `Cluster ${namespace}/${name} is site ${self}, but the model makes ${state.cluster.name} site ${site.name}`,
        'derive the site from lib/core/database-topology.ts',
      ),
    );
  }
  const modelClouds = new Set(model.sites.map((s) => s.cluster.cloud));
  const running = ctx.clusters.filter((c) => c.environment.name === state.environment.name && allObjects(c).some(isPlatform)).map((c) => c.cluster.cloud);
  if (modelClouds.size > 1 && new Set(running).size < 2) {
    out.push(
      findingAt(
        CHECK,
        state,
        mine,
        `${what} of ${state.environment.name} runs on ${[...new Set(running)].join(', ')} only, though the environment has database sites on ${[...modelClouds].sort().join(' and ')}: losing that cloud loses it`,
        'run a replica site in the second cloud (lib/core/database-topology.ts)',
      ),
    );
  }
  return out;
}

/** The Secret a Cluster's bootstrap names for the owner (initdb or recovery), if any. */
function bootstrapSecret(m: StateObject['manifest']): string | undefined {
  const b = m.spec?.bootstrap ?? {};
  return b.initdb?.secret?.name ?? b.recovery?.secret?.name ?? b.pg_basebackup?.secret?.name;
}

/** The remote keys an ExternalSecret reads (data and dataFrom.extract). */
function remoteKeys(m: StateObject['manifest']): string[] {
  return [...(m.spec?.data ?? []).map((d: any) => d.remoteRef?.key), ...(m.spec?.dataFrom ?? []).map((d: any) => d.extract?.key)]
    .filter((k): k is string => typeof k === 'string')
    .sort();
}

/**
 * Identical credentials on every site of a distributed topology (CloudNativePG: a promoted replica
 * must accept the primary's): every site names one bootstrap Secret, delivered on each cluster by an
 * ExternalSecret (kubernetes.io/basic-auth, username = the owner) that reads the same remote keys
 * everywhere, never by a Secret in git. A site of a cluster that delivers cloud secrets must name one.
 */
function credentialFindings(state: ClusterState, mine: Site, allSites: readonly Site[]): Finding[] {
  const m = mine.object.manifest;
  if (!m.spec?.replica) return [];
  const out: Finding[] = [];
  const what = describeManifest(m);
  const at = (o: StateObject, message: string, fix: string) => out.push(findingAt(CHECK, state, o, message, fix));
  const ns = m.metadata.namespace ?? 'default';
  const same = allSites.filter((s) => key(s.object) === key(mine.object));
  const names = new Set(same.map((s) => bootstrapSecret(s.object.manifest) ?? '(generated per site)'));
  if (names.size > 1) {
    at(
      mine.object,
      `${what}: its sites take their owner's credentials from different Secrets (${[...names].sort().join(', ')}): a promoted replica site would refuse the primary's credentials`,
      'name the same credentials on every site (lib/core/secret-store.ts databaseCredentials)',
    );
    return out;
  }
  const secret = bootstrapSecret(m);
  if (!secret) {
    if (state.releases.some((r) => r.namespace === PlatformNamespaces.externalSecrets)) {
      at(
        mine.object,
        `${what}: CloudNativePG generates its owner's password on each site, so a promoted replica site refuses the credentials applications hold`,
        'give the Cluster credentials from the cloud store (lib/core/secret-store.ts databaseCredentials)',
      );
    }
    return out;
  }
  const objects = allObjects(state);
  const plain = objects.find(
    (o) => o.manifest.kind === 'Secret' && o.manifest.apiVersion === 'v1' && o.manifest.metadata.name === secret && o.manifest.metadata.namespace === ns,
  );
  if (plain) at(plain, `Secret ${ns}/${secret} (the credentials of ${what}) is in git`, 'deliver it with an ExternalSecret from the cloud store');
  const delivering = (s: ClusterState) =>
    allObjects(s).filter(
      (o) =>
        o.manifest.kind === 'ExternalSecret' &&
        o.manifest.apiVersion.startsWith('external-secrets.io/') &&
        o.manifest.metadata.namespace === ns &&
        (o.manifest.spec?.target?.name ?? o.manifest.metadata.name) === secret,
    );
  const here = delivering(state);
  if (!here.length) {
    at(
      mine.object,
      `${what}: its bootstrap names Secret ${secret}, which no ExternalSecret in ${ns} on ${state.cluster.name} delivers`,
      'render the ExternalSecret next to the Cluster (lib/data/tenant-database.ts)',
    );
    return out;
  }
  const es = here[0].manifest;
  const template = es.spec?.target?.template;
  const owner = m.spec?.bootstrap?.initdb?.owner ?? m.spec?.bootstrap?.recovery?.owner;
  if (template?.type !== 'kubernetes.io/basic-auth' || (owner && template?.data?.username !== owner)) {
    at(
      here[0],
      `${describeManifest(es)} delivers ${secret} as ${template?.type ?? 'an Opaque Secret'} with username ${template?.data?.username ?? '(none)'}, but CloudNativePG needs a kubernetes.io/basic-auth Secret whose username is the owner ${owner ?? '(unknown)'}`,
      'template the Secret (lib/data/tenant-database.ts)',
    );
  }
  // The Cluster waits for its Secret, and the root Application waits for the Cluster's wave: the store and the
  // ExternalSecret must come with the Cluster's Application, before it, or the data wave never completes.
  const waveOf = (o: StateObject) => Number(o.manifest.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
  const store = objects.find((o) => o.manifest.kind === 'ClusterSecretStore' && o.manifest.metadata.name === es.spec?.secretStoreRef?.name);
  for (const [dep, before] of [[here[0], mine.object], ...(store ? [[store, here[0]] as const] : [])] as const) {
    if (dep.application !== mine.object.application || waveOf(dep) >= waveOf(before)) {
      at(
        dep,
        `${describeManifest(dep.manifest)} (Application ${dep.application}, wave ${waveOf(dep)}) must be synced before ${describeManifest(before.manifest)} (Application ${before.application}, wave ${waveOf(before)}): ${what} waits for its credentials, and the root Application for ${what}`,
        'render the store and the credentials in the databases folder, in earlier waves (lib/secrets databaseSecretStore, lib/data/tenant-database.ts)',
      );
    }
  }
  const keys = remoteKeys(es).join(', ');
  for (const other of same) {
    if (other.state === state) continue;
    const theirs = delivering(other.state).map((o) => remoteKeys(o.manifest).join(', '));
    if (theirs.length && !theirs.includes(keys)) {
      at(
        here[0],
        `${describeManifest(es)} reads ${keys || 'nothing'} on ${state.cluster.name}, but the same Secret on ${other.state.cluster.name} reads ${theirs.join(' / ')}: the sites' credentials can differ`,
        'read the same remote name on every site (lib/core/secret-store.ts databaseCredentials)',
      );
    }
  }
  return out;
}

export const replicaSourcesCheck: VerifyCheck = {
  name: CHECK,
  description:
    "every CloudNativePG replica site's source exists on another cluster and archives where it reads; one primary per database; no two Clusters archive to one path; another cloud's archive is readable by a federated identity; the platform database runs on every database site, in two clouds where there are two; every site takes the same credentials from the cloud store",
  run: replicaSourceFindings,
};
