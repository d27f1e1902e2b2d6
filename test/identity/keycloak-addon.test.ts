import { clusterWorkloadIdentities, postgresIdentityName } from '../../lib/core/cloud';
import { databaseSite, keycloakDatabase, PLATFORM_RECOVERY_OBJECTIVES } from '../../lib/core/database-topology';
import { DISASTER_RECOVERY_FOLDER, RECOVERY_ALERTS, RUNBOOK_FILE } from '../../lib/data';
import {
  KEYCLOAK_SECRETS_OWNER,
  keycloakDatabaseCredentials,
  platformClientSecretRemoteName,
  realmSecretsRemoteName,
  secretReaders,
} from '../../lib/core/secret-store';
import { ExternalSecretsAddOn } from '../../lib/secrets';
import {
  KEYCLOAK,
  KEYCLOAK_PLACEMENT,
  KEYCLOAK_SITES,
  keycloakCluster,
  keycloakUrl,
  PLATFORM_REALM,
  realmIssuer,
  tenantRealm,
  TENANT_ROLES,
} from '../../lib/core/realm';
import { placementApplies } from '../../lib/core/topology';
import { dnsChallengeSolver, recordCovers, trafficFailover } from '../../lib/core/traffic-failover';
import { DatabasesAddOn } from '../../lib/data';
import { argoCdOidc, GitOpsAddOn } from '../../lib/gitops';
import {
  brokerSecretPlaceholder,
  cnpgAppSecret,
  cnpgReadWriteService,
  KEYCLOAK_FOLDER,
  KEYCLOAK_GATEWAY,
  KEYCLOAK_ROUTE_FOLDER,
  KeycloakAddOn,
  keycloakBootstrapStep,
  keycloakOperator,
  platformClients,
  keycloakServiceName,
  ldapsPort,
  PLATFORM_CLIENTS_SECRET,
} from '../../lib/identity';
import { PlatformGuardrailsAddOn } from '../../lib/hardening';
import { MeshAddOn } from '../../lib/mesh';
import { grafanaOidcIni, grafanaRedirectUri, ObservabilityAddOn } from '../../lib/observability';
import { KEYCLOAK_REALMS_FOLDER } from '../../lib/tenants';
import { WorkloadsAddOn } from '../../lib/workloads';
import {
  appliedBy,
  baseAddOns,
  FIXTURE_INPUT,
  FIXTURE_SERVICES,
  FixtureClusters,
  fixtureTenant,
  fixturePlatform,
  helmValues,
  ofKind,
  renderAddOns,
  SMALL_SIZING,
  yamlFiles,
} from '../support/harness';

/**
 * The Keycloak add-on on a fixture with a primary EKS cluster (data home, database site), a
 * secondary AKS cluster (database site) and an edge site: Keycloak and the realm imports land on the
 * primary only; the operator, a replica of Keycloak's database and the route on the secondary too;
 * everything that trusts a realm names the host Keycloak is served at.
 */
const clusters = [FixtureClusters.aws, FixtureClusters.azure, FixtureClusters.edge];
const addOns = () => [
  ...baseAddOns(),
  new PlatformGuardrailsAddOn(),
  new WorkloadsAddOn(),
  new MeshAddOn(),
  new ObservabilityAddOn(),
  new DatabasesAddOn(),
  new KeycloakAddOn(),
  new GitOpsAddOn(),
];
const platform = fixturePlatform({ clusters });
const env = platform.environments[0];
const out = renderAddOns(addOns(), { platform });
const home = keycloakCluster(env)!;
// With the External Secrets Operator: the databases' credentials come from the cloud stores.
const outWithSecrets = renderAddOns([...addOns(), new ExternalSecretsAddOn()], { platform });
const ofKeycloak = (kind: string) => ofKind(out, kind, KEYCLOAK.namespace);

describe("Keycloak's database", () => {
  const db = keycloakDatabase(platform, env)!;
  const cnpg = (cluster: string) =>
    appliedBy(outWithSecrets, cluster).filter((o) => o.manifest.kind === 'Cluster' && o.manifest.metadata.namespace === KEYCLOAK.namespace);

  it('is a distributed topology over the database sites: primary on the primary cluster, a replica in the second cloud replaying its archive', () => {
    expect(db.sites.map((s) => s.cluster.name)).toEqual([FixtureClusters.aws.name, FixtureClusters.azure.name]);
    expect(db.primary.cluster.name).toBe(home.name);
    const [primary] = cnpg(FixtureClusters.aws.name).map((o) => o.manifest);
    const [replica] = cnpg(FixtureClusters.azure.name).map((o) => o.manifest);
    expect(cnpg(FixtureClusters.edge.name)).toEqual([]);
    expect(primary.spec.replica).toMatchObject({ self: db.primary.name, primary: db.primary.name });
    expect(replica.spec.replica).toMatchObject({ self: db.replicas[0].name, primary: db.primary.name, source: db.primary.name });
    expect(replica.spec.bootstrap.recovery.source).toBe(db.primary.name);
    // The replica reads the primary's archive where the primary writes it.
    const source = replica.spec.externalClusters.find((c: any) => c.name === db.primary.name).barmanObjectStore;
    expect(source).toMatchObject({
      destinationPath: primary.spec.backup.barmanObjectStore.destinationPath,
      serverName: primary.spec.backup.barmanObjectStore.serverName,
    });
    // ... with an identity the primary's stack creates for the replica's cluster, and its own archive identity.
    const readers = clusterWorkloadIdentities(platform, env, home, { tenants: [], databases: [] }).filter(
      (i) => i.access.kind === 'archive-reader' && i.namespace === KEYCLOAK.namespace,
    );
    expect(readers).toEqual([
      expect.objectContaining({
        serviceAccount: KEYCLOAK.database,
        access: expect.objectContaining({ prefix: db.primary.archivePrefix, readerCluster: FixtureClusters.azure }),
      }),
    ]);
    for (const c of [FixtureClusters.aws, FixtureClusters.azure])
      expect(clusterWorkloadIdentities(platform, env, c, { tenants: [], databases: [] }).map((i) => i.name)).toContain(
        postgresIdentityName(KEYCLOAK.namespace, KEYCLOAK.database),
      );
  });

  it('takes the same credentials on every site from the cloud store, through a reader of the keycloak namespace only', () => {
    const credentials = keycloakDatabaseCredentials();
    for (const c of [FixtureClusters.aws, FixtureClusters.azure]) {
      const objects = appliedBy(outWithSecrets, c.name).map((o) => o.manifest);
      const [cluster] = cnpg(c.name).map((o) => o.manifest);
      const bootstrap = cluster.spec.bootstrap.initdb ?? cluster.spec.bootstrap.recovery;
      expect(bootstrap.secret.name).toBe(credentials.secretName);
      const external = objects.find(
        (m) => m.kind === 'ExternalSecret' && m.metadata.namespace === KEYCLOAK.namespace && m.metadata.name === credentials.secretName,
      )!;
      expect(external.spec.data).toEqual([{ secretKey: 'password', remoteRef: { key: credentials.remoteName } }]);
      expect(external.spec.target.template.data.username).toBe(cluster.spec.bootstrap.initdb?.owner ?? cluster.spec.bootstrap.recovery.owner);
      const store = objects.find((m) => m.kind === 'ClusterSecretStore' && m.metadata.name === external.spec.secretStoreRef.name)!;
      expect(store.spec.conditions).toEqual([{ namespaces: [KEYCLOAK.namespace] }]);
      const reader = secretReaders(env, c, { tenants: [], databases: [] }).find((r) => r.tenantId === KEYCLOAK_SECRETS_OWNER)!;
      expect(reader.namespace).toBe(KEYCLOAK.namespace);
      expect(credentials.remoteName.startsWith(reader.prefix)).toBe(true);
      // The Keycloak reads the Secret the ExternalSecret renders.
    }
    const [keycloak] = ofKind(outWithSecrets, 'Keycloak', KEYCLOAK.namespace);
    expect(keycloak.spec.db.passwordSecret.name).toBe(credentials.secretName);
    expect(ofKind(outWithSecrets, 'Secret', KEYCLOAK.namespace)).toEqual([]);
  });

  it("is alerted on every site with the platform tier's objectives, and listed, seeded and failed over by the runbook", () => {
    const selected = (o: typeof out, cluster?: string) =>
      (cluster ? appliedBy(o, cluster).map((x) => x.manifest) : ofKind(o, 'PrometheusRule'))
        .filter((r) => r.kind === 'PrometheusRule' && r.metadata.name === 'ceres-database-recovery')
        .flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules))
        .filter((r: any) => (/namespace=~"([^"]*)"/.exec(r.expr)?.[1].split('|') ?? []).includes(KEYCLOAK.namespace));
    for (const c of [FixtureClusters.aws, FixtureClusters.azure]) {
      const stale = selected(out, c.name).find((r: any) => r.alert === RECOVERY_ALERTS.archiveStale);
      expect(stale.expr).toContain(`> ${PLATFORM_RECOVERY_OBJECTIVES.rpoSeconds}`);
    }
    for (const cluster of ofKeycloak('Cluster')) expect(cluster.spec.postgresql.parameters.archive_timeout).toBe(PLATFORM_RECOVERY_OBJECTIVES.archiveTimeout);
    // Without the Keycloak add-on, no alert selects its namespace.
    expect(
      selected(
        renderAddOns(
          addOns().filter((a) => !(a instanceof KeycloakAddOn)),
          { platform },
        ),
      ),
    ).toEqual([]);
    const runbook = outWithSecrets.files.get(`${env.name}/${DISASTER_RECOVERY_FOLDER}/${RUNBOOK_FILE}`)!;
    const replica = db.replicas[0];
    expect(runbook).toContain(
      `-n ${KEYCLOAK.namespace} patch clusters.postgresql.cnpg.io ${KEYCLOAK.database} --type merge -p '{"spec":{"replica":{"primary":"${replica.name}"}}}'`,
    );
    for (const seed of [...runbook.matchAll(/--name (keycloak--\S+)/g)]) expect(seed[1]).toBe(keycloakDatabaseCredentials().remoteName);
    expect([...runbook.matchAll(/--name keycloak--/g)]).toHaveLength(2);
    // Keycloak starts on the replica site from the file the primary syncs (the same object on every site).
    const file = /apply -f dist\/(\S+)/.exec(runbook)![1];
    expect(outWithSecrets.files.get(file)).toMatch(/kind: Keycloak\n/);
    expect(runbook).toContain(`argocd app sync ${env.name}-${KEYCLOAK_FOLDER}`);
  });
});

describe("the realms' secrets", () => {
  it('come from the cloud store of every Keycloak site: one ExternalSecret per Secret a realm import reads, through the keycloak-only store', () => {
    const realmImports = ofKind(outWithSecrets, 'KeycloakRealmImport', KEYCLOAK.namespace);
    const read = new Map<string, Set<string>>();
    for (const i of realmImports)
      for (const p of Object.values<any>(i.spec.placeholders ?? {})) read.set(p.secret.name, (read.get(p.secret.name) ?? new Set()).add(p.secret.key));
    expect(read.size).toBeGreaterThan(1);
    for (const c of [FixtureClusters.aws, FixtureClusters.azure]) {
      const objects = appliedBy(outWithSecrets, c.name).map((o) => o.manifest);
      const reader = secretReaders(env, c, FIXTURE_INPUT).find((r) => r.tenantId === KEYCLOAK_SECRETS_OWNER)!;
      for (const [name, keys] of read) {
        const external = objects.find((m) => m.kind === 'ExternalSecret' && m.metadata.namespace === KEYCLOAK.namespace && m.metadata.name === name);
        expect({ cluster: c.name, name, delivered: !!external }).toEqual({ cluster: c.name, name, delivered: true });
        expect(external!.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: reader.storeName });
        const remote = [...(external!.spec.data ?? []).map((d: any) => d.remoteRef.key), ...(external!.spec.dataFrom ?? []).map((d: any) => d.extract.key)];
        for (const key of remote) expect(key.startsWith(reader.prefix)).toBe(true);
        // The platform clients' keys are named one by one; a tenant realm's come from its JSON object.
        if (name === PLATFORM_CLIENTS_SECRET) expect(external!.spec.data.map((d: any) => d.secretKey).sort()).toEqual([...keys].sort());
        else expect(remote).toEqual([realmSecretsRemoteName(name.replace(/^keycloak-realm-/, ''))]);
      }
      // The bootstrap step puts the clients' secrets under the names the ExternalSecret reads, in this cluster's store.
      const readme = outWithSecrets.files.get(`${env.name}/clusters/${c.name}/bootstrap/README.md`)!;
      for (const clientId of read.get(PLATFORM_CLIENTS_SECRET)!) expect(readme).toContain(`--name ${platformClientSecretRemoteName(clientId)} `);
      expect(readme).not.toContain(`create secret generic ${PLATFORM_CLIENTS_SECRET}`);
    }
    expect(ofKind(outWithSecrets, 'Secret', KEYCLOAK.namespace)).toEqual([]);
  });

  it('are created by hand where the platform reads no cloud store', () => {
    expect(ofKind(out, 'ExternalSecret', KEYCLOAK.namespace)).toEqual([]);
    const edge = keycloakBootstrapStep(platformClients({ platform, environment: env, backups: [], services: FIXTURE_SERVICES })).join('\n');
    expect(edge).toContain(`create secret generic ${PLATFORM_CLIENTS_SECRET}`);
  });
});

describe('Keycloak add-on', () => {
  it('runs Keycloak where its database is primary, with the operator, namespace, route and database ready on every database site', () => {
    expect(home.name).toBe(FixtureClusters.aws.name);
    for (const c of clusters) {
      const objects = appliedBy(out, c.name);
      const site = c !== FixtureClusters.edge;
      expect({ cluster: c.name, site: placementApplies(KEYCLOAK_SITES, c) }).toEqual({ cluster: c.name, site });
      expect(objects.some((o) => o.manifest.kind === 'Keycloak')).toBe(c === home);
      expect(objects.some((o) => o.manifest.kind === 'KeycloakRealmImport')).toBe(c === home);
      expect(placementApplies(KEYCLOAK_PLACEMENT, c)).toBe(c === home);
      expect(objects.some((o) => o.manifest.kind === 'Application' && o.manifest.metadata.name === keycloakOperator.name)).toBe(site);
      expect(objects.some((o) => o.manifest.kind === 'Namespace' && o.manifest.metadata.name === KEYCLOAK.namespace)).toBe(site);
      expect(objects.some((o) => o.manifest.kind === 'Gateway' && o.manifest.metadata.name === KEYCLOAK_GATEWAY)).toBe(site);
      expect(objects.some((o) => o.manifest.kind === 'Certificate' && o.manifest.spec.dnsNames.includes(new URL(keycloakUrl(env)).host))).toBe(site);
      expect(objects.some((o) => o.manifest.kind === 'Cluster' && o.manifest.metadata.name === KEYCLOAK.database)).toBe(site);
    }
  });

  it("fails over with the environment's public hosts: its host is in the failover record set whose PRIMARY and SECONDARY are its sites, each serving it", () => {
    const failover = trafficFailover(env)!;
    const host = new URL(keycloakUrl(env)).host;
    expect(recordCovers(failover.recordName, host)).toBe(true);
    const db = keycloakDatabase(platform, env)!;
    expect(failover.sites.map((s) => [s.failover, s.cluster.name])).toEqual([
      ['PRIMARY', db.primary.cluster.name],
      ['SECONDARY', db.replicas[0].cluster.name],
    ]);
    for (const site of failover.sites) {
      const objects = appliedBy(out, site.cluster.name).map((o) => o.manifest);
      const gateway = objects.find((m) => m.kind === 'Gateway' && m.metadata.name === KEYCLOAK_GATEWAY)!;
      const https = gateway.spec.servers.find((x: any) => x.port.number === 443);
      const certificate = objects.find((m) => m.kind === 'Certificate' && m.spec.secretName === https.tls.credentialName)!;
      expect(certificate.spec.dnsNames).toEqual([host]);
      // The SECONDARY's issuers solve DNS-01 on the zone: its certificate exists before traffic arrives.
      expect(!!dnsChallengeSolver(env, site.cluster)).toBe(site.failover === 'SECONDARY');
    }
  });

  it('moves with its database: with databasePrimary on the secondary, the Keycloak runs there and its database is primary there', () => {
    const failed = { ...platform, environments: [{ ...env, databasePrimary: FixtureClusters.azure.name }] };
    const moved = renderAddOns(addOns(), { platform: failed });
    const keycloakOn = (c: string) => appliedBy(moved, c).filter((o) => o.manifest.kind === 'Keycloak');
    expect(keycloakOn(FixtureClusters.azure.name)).toHaveLength(1);
    expect(keycloakOn(FixtureClusters.aws.name)).toEqual([]);
    const db = appliedBy(moved, FixtureClusters.azure.name).find(
      (o) => o.manifest.kind === 'Cluster' && o.manifest.metadata.name === KEYCLOAK.database,
    )!.manifest;
    expect(db.spec.replica.primary).toBe(db.spec.replica.self);
    expect(keycloakDatabase(failed, failed.environments[0])!.primary.cluster.name).toBe(FixtureClusters.azure.name);
    // The Application the runbook syncs there exists there, with the Keycloak of the file the runbook applies without git.
    const app = appliedBy(moved, FixtureClusters.azure.name).find(
      (o) => o.manifest.kind === 'Application' && o.manifest.metadata.name === `${env.name}-${KEYCLOAK_FOLDER}`,
    )!.manifest;
    expect(app.spec.source.path).toBe(`dist/${env.name}/clusters/${FixtureClusters.azure.name}/${KEYCLOAK_FOLDER}`);
    expect(moved.files.get(`${env.name}/clusters/${FixtureClusters.azure.name}/${KEYCLOAK_FOLDER}/keycloak.yaml`)).toBe(
      out.files.get(`${env.name}/clusters/${FixtureClusters.aws.name}/${KEYCLOAK_FOLDER}/keycloak.yaml`),
    );
  });

  it('installs the operator from the pinned upstream directory, admitted by the platform AppProject, with the restricted securityContext patched in', () => {
    const app = appliedBy(out, home.name).find((o) => o.manifest.kind === 'Application' && o.manifest.metadata.name === keycloakOperator.name)!.manifest;
    expect(app.spec.source).toMatchObject({
      repoURL: keycloakOperator.source.repoURL,
      targetRevision: keycloakOperator.source.tag,
      path: keycloakOperator.source.path,
    });
    expect(app.spec.destination.namespace).toBe(KEYCLOAK.namespace);
    const ops = JSON.parse(app.spec.source.kustomize.patches[0].patch);
    expect(ops.map((o: any) => o.path)).toEqual(['/spec/template/spec/securityContext', '/spec/template/spec/containers/0/securityContext']);
    const project = appliedBy(out, home.name).find((o) => o.manifest.kind === 'AppProject' && o.manifest.metadata.name === 'platform')!.manifest;
    expect(project.spec.sourceRepos).toContain(app.spec.source.repoURL);
    // Where the operator does not run, the project does not admit its repository.
    const other = appliedBy(out, FixtureClusters.edge.name).find((o) => o.manifest.kind === 'AppProject' && o.manifest.metadata.name === 'platform')!.manifest;
    expect(other.spec.sourceRepos).not.toContain(app.spec.source.repoURL);
    const ns = appliedBy(out, home.name).find((o) => o.manifest.kind === 'Namespace' && o.manifest.metadata.name === KEYCLOAK.namespace)!.manifest;
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('serves Keycloak at the host every issuer names, its data in the CloudNativePG cluster whose generated Secret it reads', () => {
    const [keycloak] = ofKeycloak('Keycloak');
    expect(keycloak.metadata.name).toBe(KEYCLOAK.instance);
    expect(`${keycloak.spec.hostname.hostname}`).toBe(keycloakUrl(env));
    expect(keycloak.spec.instances).toBe(2);
    const db = ofKeycloak('Cluster').find((c) => c.spec.bootstrap.initdb)!;
    expect(keycloak.spec.db.host).toBe(`${cnpgReadWriteService(db.metadata.name!)}.${KEYCLOAK.namespace}.svc`);
    expect(keycloak.spec.db.usernameSecret.name).toBe(cnpgAppSecret(db.metadata.name!));
    expect(keycloak.spec.db.passwordSecret.name).toBe(cnpgAppSecret(db.metadata.name!));
    expect(keycloak.spec.db.database).toBe(db.spec.bootstrap.initdb.database);
    expect(ofKeycloak('Secret')).toEqual([]);
    // Backups to this cluster's store, under the keycloak namespace's prefix, which Terraform lets its identity write.
    const site = databaseSite(platform, env, home, KEYCLOAK.namespace, db.metadata.name!);
    expect(db.spec.backup.barmanObjectStore.destinationPath).toBe(site.destinationPath);
    const identity = clusterWorkloadIdentities(platform, env, home, { tenants: [], databases: [] }).find(
      (i) => i.name === postgresIdentityName(KEYCLOAK.namespace, db.metadata.name!),
    );
    expect(identity).toMatchObject({ namespace: KEYCLOAK.namespace, serviceAccount: db.metadata.name });
  });

  it('routes its host through the ingress gateway to its own Service selecting the pods the operator labels', () => {
    const host = new URL(keycloakUrl(env)).host;
    const [route] = ofKeycloak('VirtualService');
    expect(route.spec.hosts).toEqual([host]);
    const gateway = ofKind(out, 'Gateway').find((g) => route.spec.gateways.includes(`${g.metadata.namespace}/${g.metadata.name}`))!;
    expect(gateway.spec.servers.find((s: any) => s.port.number === 443).hosts).toEqual([`${KEYCLOAK.namespace}/${host}`]);
    const service = ofKeycloak('Service').find((s) => s.metadata.name === keycloakServiceName(KEYCLOAK.instance))!;
    expect(route.spec.http[0].route[0].destination.host).toBe(`${service.metadata.name}.${KEYCLOAK.namespace}.svc.cluster.local`);
  });

  it('keeps one instance where the environment is not HA', () => {
    const small = fixturePlatform({ clusters: [FixtureClusters.aws], sizing: SMALL_SIZING });
    const smallOut = renderAddOns(addOns(), { platform: small });
    const [keycloak] = ofKind(smallOut, 'Keycloak');
    expect(keycloak.spec.instances).toBe(1);
    expect(ofKind(smallOut, 'PodDisruptionBudget', KEYCLOAK.namespace)).toEqual([]);
    // With HA, one instance at a time may be drained, of the pods the operator labels.
    const [budget] = ofKeycloak('PodDisruptionBudget');
    expect(budget.spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: ofKeycloak('Service')[0].spec.selector } });
  });

  it('imports every tenant realm into the Keycloak of its namespace, from a synced folder routed to its cluster', () => {
    const imports = ofKeycloak('KeycloakRealmImport');
    const keycloaks = ofKeycloak('Keycloak').map((k) => k.metadata.name);
    expect(imports.map((i) => i.spec.realm.realm).sort()).toEqual([PLATFORM_REALM, ...FIXTURE_INPUT.tenants.map((t) => t.keycloakRealm)].sort());
    for (const i of imports) expect(keycloaks).toContain(i.spec.keycloakCRName);
    const apps = ofKind(out, 'Application').map((a) => a.spec.source.path);
    expect(apps).toContain(`dist/${env.name}/${KEYCLOAK_REALMS_FOLDER}`);
    expect(apps).toContain(`dist/${env.name}/clusters/${home.name}/${KEYCLOAK_FOLDER}`);
  });

  it('defines the clients of Argo CD, Grafana, Kiali and the API servers in the platform realm, with the callbacks their configurations use', () => {
    const realm = ofKeycloak('KeycloakRealmImport').find((i) => i.spec.realm.realm === PLATFORM_REALM)!.spec.realm;
    const client = (id: string) => realm.clients.find((c: any) => c.clientId === id);
    const argo = helmValues(out, home.name, 'argo-cd').configs.cm;
    expect(argo['oidc.config']).toContain(`issuer: ${realmIssuer(keycloakUrl(env), PLATFORM_REALM)}`);
    expect(client(argoCdOidc(keycloakUrl(env)).clientID as string).redirectUris).toContain(`${argo.url}/auth/callback`);
    const grafana = helmValues(out, home.name, 'kube-prometheus-stack').grafana;
    expect(grafana['grafana.ini']).toEqual(grafanaOidcIni({ cluster: home, environment: env }));
    expect(client(grafana['grafana.ini']['auth.generic_oauth'].client_id).redirectUris).toContain(grafanaRedirectUri({ cluster: home, environment: env }));
    expect(JSON.stringify(grafana)).not.toMatch(/client_secret/);
    const kiali = helmValues(out, home.name, 'kiali');
    expect(client(kiali.auth.openid.client_id).redirectUris).toContain(`https://${kiali.server.web_fqdn}${kiali.server.web_root}`);
    expect(client('kubernetes')).toMatchObject({ publicClient: true });
    // Confidential clients' secrets are placeholders of the bootstrap Secret.
    for (const c of realm.clients.filter((x: any) => !x.publicClient)) expect(c.secret).toMatch(/^\$\{CLIENT_SECRET_[A-Z_]+\}$/);
    const imported = ofKeycloak('KeycloakRealmImport').find((i) => i.spec.realm.realm === PLATFORM_REALM)!;
    for (const p of Object.values<any>(imported.spec.placeholders))
      expect(p.secret.name).toMatch(new RegExp(`^(${PLATFORM_CLIENTS_SECRET}|keycloak-realm-.+)$`));
  });

  it("brokers each tenant realm, mapping its groups to exactly the groups the tenant's bindings name", () => {
    const realm = ofKeycloak('KeycloakRealmImport').find((i) => i.spec.realm.realm === PLATFORM_REALM)!.spec;
    for (const t of FIXTURE_INPUT.tenants) {
      const model = tenantRealm({ keycloakUrl: keycloakUrl(env) }, t);
      const idp = realm.realm.identityProviders.find((p: any) => p.alias === t.keycloakRealm);
      expect(idp.config).toMatchObject({ issuer: model.issuer, clientId: 'ceres-broker', clientSecret: `\${${brokerSecretPlaceholder(t.tenantId)}}` });
      const mapped = realm.realm.identityProviderMappers.filter((m: any) => m.identityProviderAlias === t.keycloakRealm).map((m: any) => m.config.group);
      expect(mapped).toEqual(TENANT_ROLES.map((r) => `/${model.boundGroups[r]}`));
      const bound = ofKind(out, 'RoleBinding', `tenant-${t.tenantId}`).flatMap((b) => b.subjects.map((s: any) => s.name));
      for (const g of Object.values(model.boundGroups)) expect(bound).toContain(g);
    }
  });

  it('declares its flows on every Keycloak site: the route, its database, brokering through the public host, and LDAPS where a tenant federates', () => {
    const withLdap = fixtureTenant('dir-5', 'professional', {
      ldap: { connectionUrl: 'ldaps://ldap.example.test:3269', vendor: 'ad', usersDn: 'ou=people,dc=example,dc=test', bindDn: 'cn=kc,dc=example,dc=test' },
    });
    const flows = (cluster: typeof home, tenants = FIXTURE_INPUT.tenants) =>
      new KeycloakAddOn().flows({ platform, environment: env, cluster, tenants, databases: [], services: FIXTURE_SERVICES });
    for (const c of clusters) expect({ cluster: c.name, declared: flows(c).length > 0 }).toEqual({ cluster: c.name, declared: c !== FixtureClusters.edge });
    const names = flows(home).map((f) => f.name);
    for (const n of [
      'keycloak/ingress-to-keycloak',
      'keycloak/keycloak-to-postgres',
      'keycloak/brokering-to-public-host',
      'keycloak/cnpg-operator-to-instances',
    ])
      expect(names).toContain(n);
    expect(names).not.toContain('keycloak/ldap-federation');
    const ldap = flows(home, [...FIXTURE_INPUT.tenants, withLdap]).find((f) => f.name === 'keycloak/ldap-federation')!;
    expect(ldap.to.ports).toEqual([{ port: ldapsPort(withLdap.ldap!.connectionUrl) }]);
    expect(ldapsPort('ldaps://ldap.example.test')).toBe(636);
    // The route's flow reaches the port the route sends to.
    const route = ofKeycloak('VirtualService')[0];
    expect(flows(home).find((f) => f.name === 'keycloak/ingress-to-keycloak')!.to.ports).toEqual([
      { port: route.spec.http[0].route[0].destination.port.number },
    ]);
  });

  it('renders its cluster folder and its route as in the snapshot', () => {
    expect(yamlFiles(out, new RegExp(`^${env.name}/clusters/${home.name}/${KEYCLOAK_FOLDER}/`))).toMatchSnapshot();
    expect(yamlFiles(out, new RegExp(`^${env.name}/${KEYCLOAK_ROUTE_FOLDER}/`))).toMatchSnapshot();
  });
});
