import { Construct } from 'constructs';
import { groupBy } from '../core/collections';
import { SyncWave } from '../core/argocd';
import { EnvironmentOutput, OutputFolder } from '../core/output';
import { BootstrapFacts, postgresIdentityName } from '../core/cloud';
import {
  ARCHIVE_READER_CONFIGMAP,
  ARCHIVE_READER_OUTPUT,
  archiveReaders,
  DatabaseSite,
  egressIpsVariable,
  oidcIssuerVariable,
  ReplicatedDatabase,
  RPO_CEILING_SECONDS,
  RTO_CEILING_SECONDS,
} from '../core/database-topology';
import { ClusterConfig, EnvironmentConfig } from '../core/model';
import { KEYCLOAK } from '../core/realm';
import { Labels } from '../core/names';
import { PlatformNamespaces } from '../core/namespaces';
import { stackName } from '../core/cloud';
import { AlertDefinition, AlertGroup, PrometheusAlertRules } from '../observability';

/** The alerts of the recovery objectives, per tier present on a site (names are runbook anchors of docs/observability.md). */
export const RECOVERY_ALERTS = {
  archiveStale: 'PostgresWalArchiveStale',
  archiveFailing: 'PostgresWalArchivingFailing',
  replicaLag: 'PostgresReplicaLagHigh',
} as const;

const minutes = (seconds: number) => `${Math.round((seconds / 60) * 10) / 10} min`;

/**
 * The alerts that say a tier's RPO is at risk on a site, from CloudNativePG's default monitoring
 * queries (chart cloudnative-pg 0.29.0, `monitoringQueriesConfigMap`): the WAL archive is older than
 * the RPO (`cnpg_pg_stat_archiver_seconds_since_last_archival`, reported by primaries and designated
 * primaries), archiving is failing now (`cnpg_pg_stat_archiver_last_failed_time` after
 * `..._last_archived_time`), and a replica replays more than the RPO behind (`cnpg_pg_replication_lag`:
 * now − last replayed commit, on in-cluster standbys and a replica site's designated primary).
 */
export function recoveryAlertGroup(databases: readonly ReplicatedDatabase[]): AlertGroup {
  const alerts: AlertDefinition[] = [];
  const tiers = [...new Set(databases.map((d) => d.tier))].sort();
  for (const tier of tiers) {
    const ofTier = databases.filter((d) => d.tier === tier);
    const { rpoSeconds, rtoSeconds } = ofTier[0].objectives;
    const selector = `namespace=~"${[...new Set(ofTier.map((d) => d.namespace))].sort().join('|')}"`;
    const objectives = `RPO ${minutes(rpoSeconds)}, RTO ${minutes(rtoSeconds)} (${tier})`;
    alerts.push(
      {
        name: RECOVERY_ALERTS.archiveStale,
        severity: 'critical',
        expr: `cnpg_pg_stat_archiver_seconds_since_last_archival{${selector}} > ${rpoSeconds}`,
        for: '2m',
        summary: `WAL of {{ $labels.namespace }}/{{ $labels.pod }} last archived {{ $value | humanizeDuration }} ago (${objectives})`,
        description:
          'The replica sites replay this archive: what is not archived is lost in a failover. Check the instance log for barman-cloud-wal-archive errors and the credentials of the store. An idle database archives nothing: check it has writes.',
      },
      {
        name: RECOVERY_ALERTS.archiveFailing,
        severity: 'critical',
        expr: `cnpg_pg_stat_archiver_last_failed_time{${selector}} > cnpg_pg_stat_archiver_last_archived_time{${selector}}`,
        for: '2m',
        summary: `WAL archiving fails on {{ $labels.namespace }}/{{ $labels.pod }} (${objectives})`,
        description: 'The last archive attempt failed after the last success. WAL accumulates on the volume and the RPO is no longer met.',
      },
      {
        name: RECOVERY_ALERTS.replicaLag,
        severity: 'warning',
        expr: `cnpg_pg_replication_lag{${selector}} > ${rpoSeconds}`,
        for: '5m',
        summary: `{{ $labels.namespace }}/{{ $labels.pod }} replays {{ $value | humanizeDuration }} behind its primary (${objectives})`,
        description:
          'A standby or a replica site is behind by more than the RPO: a failover to it now would lose that much. On a replica site, check it can read the primary site’s archive (federated identity, postgres-archive-readers ConfigMap).',
      },
    );
  }
  return { name: 'ceres-database-recovery', alerts };
}

export interface DatabaseRecoveryAlertsProps {
  /** The databases that have a site on the cluster. */
  readonly databases: readonly ReplicatedDatabase[];
  /** Base URL of the runbooks (docs/observability.md); each alert links to its section. */
  readonly runbookBaseUrl: string;
}

/** The recovery alerts of one database site, a PrometheusRule in the operator's namespace. */
export class DatabaseRecoveryAlerts extends Construct {
  constructor(scope: Construct, id: string, props: DatabaseRecoveryAlertsProps) {
    super(scope, id);
    new PrometheusAlertRules(this, 'Rules', {
      name: 'ceres-database-recovery',
      namespace: PlatformNamespaces.cnpg,
      groups: [recoveryAlertGroup(props.databases)],
      runbookBaseUrl: props.runbookBaseUrl,
      labels: { [Labels.costCenter]: 'platform' },
    });
  }
}

function seedCommand(seed: CredentialSeed, value: string, verb: 'create'): string {
  const { store } = seed;
  const label = `# ${seed.site.cluster.name}`;
  return store.cloud === 'aws'
    ? `aws secretsmanager ${verb}-secret --region ${store.region} --name ${seed.remoteName} --kms-key-id ${store.kmsAlias} --secret-string ${value}   ${label}`
    : `az keyvault secret set --vault-name ${store.vaultName} --name ${seed.remoteName} --value ${value}   ${label}`;
}

/** The folder of each database site (`dist/<env>/clusters/<cluster>/databases/`, Application `<env>-databases`): one file per namespace. */
export const DATABASES_FOLDER = 'databases';

/** A database site's own folder (created by the first add-on that puts a database or the alerts there). */
export function databasesFolder(output: EnvironmentOutput, site: ClusterConfig): OutputFolder {
  return output.clusterFolder(site, DATABASES_FOLDER, {
    description: 'PostgreSQL sites of the platform and tenant databases: primary or replica per lib/core/database-topology.ts',
    stateful: true,
    syncWave: SyncWave.data,
  });
}

/** Where the rendered runbook goes: `dist/<env>/disaster-recovery/runbook.md` (not synced). */
export const DISASTER_RECOVERY_FOLDER = 'disaster-recovery';
export const RUNBOOK_FILE = 'runbook.md';

const tf = (env: EnvironmentConfig, cluster: ClusterConfig) => `dist/terraform/${stackName(env.name, cluster.cloud as 'aws' | 'azure' | 'gcp')}`;
const ctx = (cluster: ClusterConfig) => `--context ${cluster.name}`;
const patch = (site: DatabaseSite, d: ReplicatedDatabase, json: string) =>
  `kubectl ${ctx(site.cluster)} -n ${d.namespace} patch clusters.postgresql.cnpg.io ${d.name} --type merge -p '${json}'`;

/** Where one site of a database holds its application password (lib/core/secret-store.ts `databaseCredentials`). */
export interface CredentialSeed {
  /** The database. */
  readonly database: ReplicatedDatabase;
  /** The site whose cloud store holds it. */
  readonly site: DatabaseSite;
  /** The password's name in the store. */
  readonly remoteName: string;
  /** The store: AWS Secrets Manager (region, the cluster's `tenant-secrets` key) or the namespace's Key Vault. */
  readonly store: { readonly cloud: 'aws'; readonly region: string; readonly kmsAlias: string } | { readonly cloud: 'azure'; readonly vaultName: string };
}

/**
 * The failover runbook of an environment, generated from the database topology: what runs where,
 * the one-time trust between sites, failover when the primary's cloud is lost, planned switchover,
 * and fail-back. Every name in it is the model's (a test checks them against the rendered objects).
 */
export function failoverRunbook(
  env: EnvironmentConfig,
  databases: readonly ReplicatedDatabase[],
  seeds: readonly CredentialSeed[] = [],
  keycloak?: ReplicatedDatabase,
): string {
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);
  push(
    `# Disaster recovery runbook: ${env.name}`,
    '',
    'Generated by `npm run synth` from lib/core/database-topology.ts (docs/disaster-recovery.md explains the design). Do not edit.',
    '',
  );
  if (!databases.length) {
    push('The environment runs no PostgreSQL database on a database site.', '');
    return lines.join('\n');
  }
  const primary = databases[0].primary.cluster;
  const replicas = [...new Set(databases.flatMap((d) => d.replicas.map((r) => r.cluster)))];
  push(
    '## Databases',
    '',
    `Primary site: \`${primary.name}\` (${primary.cloud}, ${primary.region}). Replica sites: ${replicas.map((c) => `\`${c.name}\` (${c.cloud}, ${c.region})`).join(', ') || 'none: this environment has one database site, so a lost cloud means restoring from its archive'}.`,
    `Ceilings: RPO < ${minutes(RPO_CEILING_SECONDS)}, RTO < ${minutes(RTO_CEILING_SECONDS)}.`,
    '',
    '| Database | Namespace | Tier | RPO | RTO | archive_timeout | Sites (archive) |',
    '|---|---|---|---|---|---|---|',
  );
  for (const d of databases) {
    const sites = d.sites
      .map((s) => `${s === d.primary ? '**primary** ' : ''}\`${s.name}\` on \`${s.cluster.name}\` (\`${s.destinationPath}/${s.name}\`)`)
      .join('<br>');
    push(
      `| \`${d.name}\` | \`${d.namespace}\` | ${d.tier} | ${minutes(d.objectives.rpoSeconds)} | ${minutes(d.objectives.rtoSeconds)} | ${d.objectives.archiveTimeout} | ${sites} |`,
    );
  }
  push(
    '',
    `Alerts (PrometheusRule \`ceres-database-recovery\` in \`${PlatformNamespaces.cnpg}\` on every site): \`${RECOVERY_ALERTS.archiveStale}\`, \`${RECOVERY_ALERTS.archiveFailing}\`, \`${RECOVERY_ALERTS.replicaLag}\`.`,
    '',
  );
  if (seeds.length) {
    push(
      '## Once: the application credentials, the same on every site',
      '',
      "A promoted replica site must accept the primary's credentials (CloudNativePG: identical role secrets in every Cluster of a distributed topology). Each database's password is generated once and put into every site's cloud store under one name; on each site an ExternalSecret makes it the `kubernetes.io/basic-auth` Secret the Cluster's bootstrap names. The Clusters wait for it. (A Key Vault admits its VNet only: run the Azure commands from there.)",
      '',
      '```sh',
    );
    // Grouped once, in order (a filter per database was quadratic: a thousand databases and their seeds).
    const seedsOf = groupBy(seeds, (x) => x.database);
    for (const d of databases) {
      const mine = seedsOf.get(d) ?? [];
      if (!mine.length) continue;
      if (d === keycloak) {
        // Its primary existed before its credentials came from the store: keep the owner's password it has.
        push(
          `# ${d.namespace}/${d.name}: where it already runs, keep its password: PW=$(kubectl ${ctx(d.primary.cluster)} -n ${d.namespace} get secret ${d.name}-app -o jsonpath='{.data.password}' | base64 -d)`,
        );
      }
      push(`PW=$(openssl rand -base64 32 | tr -d '\\n')   # ${d.namespace}/${d.name}: one value for every site`);
      for (const x of mine) push(seedCommand(x, '"$PW"', 'create'));
    }
    push(
      '```',
      '',
      `**Rotation**: put a new value into every site's store under the same name (the same commands with \`put-secret-value --secret-id\` on AWS), then refresh the ExternalSecret on every site (\`kubectl --context <cluster> -n <namespace> annotate externalsecrets.external-secrets.io <database>-app force-sync=$(date +%s) --overwrite\`). The operator sets the owner's password on the primary from its Secret (label \`cnpg.io/reload\`); the replica sites receive it by replay.`,
      '',
    );
  }

  if (!replicas.length) return lines.join('\n');

  const readers = archiveReaders(databases);
  const clusters = [primary, ...replicas];
  push(
    '## Once: trust between the sites',
    '',
    "Each stack trusts the other sites' service-account issuers (and Azure's backup account admits their egress IPs). Create the clusters first, then give every stack the others' issuers:",
    '',
    '```sh',
  );
  for (const c of clusters) {
    const others = clusters.filter((o) => o !== c && readers.some((r) => r.source.cluster === c && r.reader.cluster === o));
    if (!others.length) continue;
    // Azure's backup account admits the reading clusters' egress IPs through its firewall.
    const vars = others.flatMap((o) => [
      `-var ${oidcIssuerVariable(o)}="$(terraform -chdir=${tf(env, o)} output -raw oidc_issuer_url)"`,
      ...(c.cloud === 'azure' ? [`-var ${egressIpsVariable(o)}="$(terraform -chdir=${tf(env, o)} output -json egress_ips)"`] : []),
    ]);
    push(`terraform -chdir=${tf(env, c)} apply \\`, ...vars.map((v, i) => `  ${v}${i < vars.length - 1 ? ' \\' : ''}`));
  }
  push('```', '');
  push(
    `Then, on every site and in every tenant namespace with a database, the ConfigMap \`${ARCHIVE_READER_CONFIGMAP}\` with the ids of the identities (they exist only after \`terraform apply\`; the Clusters' pods wait for it):`,
    '',
    '```sh',
  );
  // Grouped once, in order (filters per cluster and namespace were cubic at a thousand databases).
  const inNamespace = groupBy(databases, (d) => d.namespace);
  const readersOf = groupBy(readers, (r) => r.database);
  for (const c of clusters) {
    for (const [ns, here] of inNamespace) {
      const literals: string[] = [];
      for (const d of here) {
        const self = d.sites.find((s) => s.cluster === c);
        if (!self) continue;
        if (c.cloud === 'azure') {
          literals.push(
            `${d.name}.AZURE_CLIENT_ID="$(terraform -chdir=${tf(env, c)} output -json ${BootstrapFacts.azureClientIdsOutput} | jq -r '."${postgresIdentityName(d.namespace, d.name)}"')"`,
          );
        }
        for (const r of (readersOf.get(d) ?? []).filter((x) => x.reader === self)) {
          if (r.source.store.cloud === 'aws') {
            literals.push(
              `${d.name}.AWS_ROLE_ARN="$(terraform -chdir=${tf(env, r.source.cluster)} output -json ${ARCHIVE_READER_OUTPUT} | jq -r '."${r.identityName}"')"`,
            );
          } else {
            literals.push(
              `${d.name}.AZURE_CLIENT_ID="$(terraform -chdir=${tf(env, r.source.cluster)} output -json ${ARCHIVE_READER_OUTPUT} | jq -r '."${r.identityName}"')"`,
              `${d.name}.AZURE_TENANT_ID="$AZURE_TENANT_ID"`,
            );
          }
        }
      }
      if (!literals.length) continue;
      push(
        `kubectl ${ctx(c)} -n ${ns} create configmap ${ARCHIVE_READER_CONFIGMAP} \\`,
        ...literals.map((l, i) => `  --from-literal=${l}${i < literals.length - 1 ? ' \\' : ''}`),
      );
    }
  }
  push('```', '');
  const target = replicas[0];
  push(
    `## Failover: \`${primary.name}\` is lost`,
    '',
    `Decide within minutes: the RTO counts from here. Confirm the primary site is down (its Argo CD, API server and \`DatabaseDown\` alerts), and check on \`${target.name}\` that \`${RECOVERY_ALERTS.replicaLag}\` is not firing (what the replica has not replayed is lost).`,
    '',
    `1. **Promote in git**: set \`databasePrimary: '${target.name}'\` on environment \`${env.name}\` in apps/platform/platform.ts, run \`npm run synth\` and merge; then \`argocd app sync ${env.name}-${DATABASES_FOLDER}\` on \`${target.name}\` (or wait for its poll). Every site of \`${target.name}\` gets \`spec.replica.primary\` = itself and promotes without a demotion token (the lost primary cannot give one).`,
    `   If git is unreachable: turn off self-heal of \`${env.name}-${DATABASES_FOLDER}\` on \`${target.name}\` (it would revert the patch), patch, and do the git change when you can:`,
    '',
    '   ```sh',
    `   kubectl ${ctx(target)} -n argocd patch applications.argoproj.io ${env.name}-${DATABASES_FOLDER} --type merge -p '{"spec":{"syncPolicy":{"automated":{"selfHeal":false}}}}'`,
  );
  for (const d of databases) {
    const site = d.sites.find((s) => s.cluster === target)!;
    push(`   ${patch(site, d, `{"spec":{"replica":{"primary":"${site.name}"}}}`)}`);
  }
  push('   ```', '');
  if (keycloak) {
    const site = keycloak.sites.find((s) => s.cluster === target)!;
    const app = `${env.name}-${KEYCLOAK.folder}`;
    push(
      `   **Keycloak** (\`${keycloak.namespace}/${keycloak.name}\`, site \`${site.name}\`, is promoted with the others above): it runs only where its database is primary, so the synth with \`databasePrimary\` renders the \`Keycloak\` on \`${target.name}\`; sync it there (\`argocd app sync ${app}\`). It starts against the promoted database and serves the environment's host through the route and certificate already on \`${target.name}\` (its issuers solve DNS-01). The realms are in the database; realm imports (new tenants) wait for fail back. Without git, apply the same object the primary runs:`,
      '',
      '   ```sh',
      `   kubectl ${ctx(target)} -n argocd patch applications.argoproj.io ${app} --type merge -p '{"spec":{"syncPolicy":{"automated":{"selfHeal":false}}}}'`,
      `   kubectl ${ctx(target)} -n ${keycloak.namespace} apply -f dist/${env.name}/clusters/${primary.name}/${KEYCLOAK.folder}/keycloak.yaml`,
      '   ```',
      '',
    );
  }
  push(
    `2. **Repoint**: applications on \`${target.name}\` already connect to \`<database>-rw.<namespace>.svc\`, the same names as on the primary site; move traffic to \`${target.name}\` (public DNS failover to its ingress) and keep it there: "Moving traffic deliberately" under Traffic below.`,
    `3. **Check**: \`kubectl ${ctx(target)} cnpg status <database> -n <namespace>\` shows a primary; \`cnpg_pg_replication_in_recovery\` is 0 on it; \`${RECOVERY_ALERTS.archiveStale}\` stays quiet (it archives to its own path, listed above).`,
    '',
    '## Planned switchover (no data loss)',
    '',
    `Per database: demote on \`${primary.name}\`, take the demotion token CloudNativePG writes into its status, promote on \`${target.name}\` with it (CloudNativePG promotes once the replica has replayed up to the token). Turn off self-heal of \`${env.name}-${DATABASES_FOLDER}\` on both clusters first, as above.`,
    ...(keycloak
      ? [
          `Keycloak moves with its database: stop it on \`${primary.name}\` before the demotion (\`kubectl ${ctx(primary)} -n ${keycloak.namespace} delete keycloaks.k8s.keycloak.org --all\`; sign-in pauses until it runs on \`${target.name}\`), then start it there as in a failover.`,
        ]
      : []),
    '',
    '```sh',
  );
  for (const d of databases) {
    const from = d.sites.find((s) => s.cluster === primary)!;
    const to = d.sites.find((s) => s.cluster === target)!;
    push(
      patch(from, d, `{"spec":{"replica":{"primary":"${to.name}"}}}`),
      `TOKEN=$(kubectl ${ctx(primary)} -n ${d.namespace} get clusters.postgresql.cnpg.io ${d.name} -o jsonpath='{.status.demotionToken}')`,
      patch(to, d, `{"spec":{"replica":{"primary":"${to.name}","promotionToken":"'"$TOKEN"'"}}}`),
    );
  }
  push(
    '```',
    '',
    `Then set \`databasePrimary: '${target.name}'\` in git as in a failover, and turn self-heal back on.`,
    '',
    `## Fail back to \`${primary.name}\``,
    '',
    `1. When \`${primary.name}\` is back, its Argo CD applies the model, where \`${target.name}\` is primary: after a planned switchover its sites simply follow. After a failover they may have diverged; re-create them from the new primary's archive (their bootstrap is now recovery from it):`,
    '',
    '   ```sh',
  );
  for (const d of databases) {
    push(
      `   kubectl ${ctx(primary)} -n ${d.namespace} delete clusters.postgresql.cnpg.io ${d.name} && kubectl ${ctx(primary)} -n ${d.namespace} delete pvc -l cnpg.io/cluster=${d.name}`,
    );
  }
  push(
    '   ```',
    '',
    `   The databases Application never prunes them (Prune=false), so deleting them is this deliberate step; Argo CD re-creates them from git. Their new timeline archives to their own path after promotion.`,
    ...(keycloak
      ? [
          `   Keycloak: before its database rejoins, delete the \`Keycloak\` left on \`${primary.name}\` (its Application never prunes; Keycloak cannot run on a replica): \`kubectl ${ctx(primary)} -n ${keycloak.namespace} delete keycloaks.k8s.keycloak.org --all\`. It comes back with the switchover that resets \`databasePrimary\`.`,
        ]
      : []),
    `2. Wait until \`${RECOVERY_ALERTS.replicaLag}\` is quiet on \`${primary.name}\`, then run the planned switchover back and set \`databasePrimary\` back to \`${primary.name}\` (or remove it).`,
    '',
  );
  return lines.join('\n');
}
