import { ClusterConfig } from '../../lib/core/model';
import { PlatformNamespaces } from '../../lib/core/namespaces';
import { isDatabaseSite } from '../../lib/core/database-topology';
import {
  ARGOCD_CLIENT_SECRET,
  ARGOCD_SECRETS_OWNER,
  databaseCredentialsRemoteName,
  platformClientSecretRemoteName,
  externalSecretRemoteName,
  KEYCLOAK_SECRETS_OWNER,
  PLATFORM_SECRETS_OWNER,
  SECRET_READER_SERVICE_ACCOUNT,
  tenantSecretPrefix,
} from '../../lib/core/secret-store';
import { placementApplies, WORKLOAD_CLUSTERS } from '../../lib/core/topology';
import { GitOpsAddOn } from '../../lib/gitops';
import { fixtureStacks } from '../support/fixture-stacks';
import { stackName } from '../../lib/core/cloud';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubePrometheusStack, PROMETHEUS_PODS, PROMETHEUS_SELECTOR_LABELS } from '../../lib/observability';
import { externalSecretAlerts, ExternalSecretsAddOn, TENANT_SECRETS_FOLDER } from '../../lib/secrets';
import { parseStack, secretReadAccess, ServiceAccountRef } from '../../lib/verify/checks/identity';
import {
  appliedBy,
  baseAddOns,
  FIXTURE_INPUT,
  fixtureDatabase,
  FixtureClusters,
  fixturePlatform,
  fixtureTenant,
  helmApp,
  helmValues,
  ofKind,
  renderAddOns,
  yamlFiles,
} from '../support/harness';

/**
 * The External Secrets add-on on a fixture with a cluster of every cloud that runs tenants (EKS, AKS,
 * GKE Standard) and an edge site: a tenant without a database lands everywhere tenants run, one with
 * a database on the data home only. Its Kubernetes objects are checked against the Terraform the same
 * platform renders, with verify's own reading of the grants.
 */
const gkeStandard: ClusterConfig = { ...FixtureClusters.gcp, profile: 'gke-standard' };
const clusters = [FixtureClusters.aws, FixtureClusters.azure, gkeStandard, FixtureClusters.edge];
const platform = fixturePlatform({ clusters });
const env = platform.environments[0];
const wide = fixtureTenant('wide-2', 'starter', {
  secrets: [
    { name: 'smtp', external: { store: 'cloud', key: 'smtp' } },
    { name: 'payments', external: { store: 'cloud', key: 'stripe' } },
  ],
});
const other = fixtureTenant('other-3', 'starter', { secrets: [{ name: 'smtp', external: { store: 'cloud', key: 'smtp' } }] });
const input = { ...FIXTURE_INPUT, tenants: [...FIXTURE_INPUT.tenants, wide, other], databases: [...FIXTURE_INPUT.databases, fixtureDatabase('other-3')] };
const out = renderAddOns([...baseAddOns(), new ExternalSecretsAddOn(), new GitOpsAddOn()], { platform, input });
const terraform = fixtureStacks(platform, { tenants: input.tenants, databases: input.databases });
const tenantFolder = (id: string) => `tenant-${id}`;
const lands = (cluster: string, tenantId: string) => appliedBy(out, cluster).some((o) => o.folder === tenantFolder(tenantId));
const ofKindOn = (cluster: string, kind: string) => appliedBy(out, cluster).filter((o) => o.manifest.kind === kind);
/** The remote name an ExternalSecret reads: a tenant's secret (a JSON object, extracted) or a database's password (one value). */
const remoteKey = (m: any): string => m.spec.dataFrom?.[0].extract.key ?? m.spec.data[0].remoteRef.key;
/** The databases' credentials on a cluster: on a database site, every database of a tenant deployed there (lib/core/secret-store.ts databaseCredentials). */
const credentialsOn = (c: ClusterConfig) =>
  isDatabaseSite(env, c)
    ? input.databases
        .filter((d) => input.tenants.some((t) => t.tenantId === d.tenantId && t.environments.includes(env.name)))
        .map((d) => `tenant-${d.tenantId}/${d.name}-app <- ${databaseCredentialsRemoteName(`tenant-${d.tenantId}`, d.name)}`)
    : [];
// Argo CD's OIDC client secret, merged into argocd-secret on every cluster where the operator runs, from the name Keycloak's side reads.
const deliveriesOn = (c: ClusterConfig) =>
  placementApplies(WORKLOAD_CLUSTERS, c) && c.cloud !== 'edge'
    ? [
        `${ARGOCD_CLIENT_SECRET.namespace}/${ARGOCD_CLIENT_SECRET.secret}[${ARGOCD_CLIENT_SECRET.key}] <- ${platformClientSecretRemoteName(ARGOCD_CLIENT_SECRET.clientId)}`,
      ]
    : [];
const merged = (m: any) => m.spec.target.creationPolicy === 'Merge';

describe('the operator', () => {
  it('runs where tenants run, in its own restricted namespace, with its CRDs', () => {
    for (const c of clusters) {
      const runs = appliedBy(out, c.name).some(
        (o) => o.manifest.kind === 'Application' && o.manifest.metadata.labels?.['ceres.io/addon'] === 'external-secrets',
      );
      expect({ cluster: c.name, runs }).toEqual({ cluster: c.name, runs: placementApplies(WORKLOAD_CLUSTERS, c) });
    }
    const app = helmApp(out, FixtureClusters.aws.name, 'external-secrets');
    expect(app.spec.destination.namespace).toBe(PlatformNamespaces.externalSecrets);
    expect(helmValues(out, FixtureClusters.aws.name, 'external-secrets').installCRDs).toBe(true);
    // Declared restricted: the guardrails label it so, and verify admits the chart's pods against it.
    expect(new ExternalSecretsAddOn().namespaces).toEqual([{ name: PlatformNamespaces.externalSecrets, podSecurity: 'restricted', thirdPartyImages: true }]);
  });

  it('mints tokens only where a Role lets it, processes no PushSecret, and leaves isolation to the platform namespace policies', () => {
    const values = helmValues(out, FixtureClusters.aws.name, 'external-secrets');
    expect(values.rbac.serviceAccountTokenCreate).toBe(false);
    expect([values.processPushSecret, values.processClusterPushSecret, values.processClusterExternalSecret]).toEqual([false, false, false]);
    for (const component of [values, values.webhook, values.certController]) {
      // The chart's own policies are off: the namespace's policies come from the declared flows (verify refuses chart policies there).
      expect(component.networkPolicy.enabled).toBe(false);
      expect(component.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    }
    // The API server reaches the webhook on the port the values make the chart serve it on.
    const flows = new ExternalSecretsAddOn().flows({
      platform,
      environment: env,
      cluster: FixtureClusters.aws,
      tenants: [],
      databases: [],
      services: { services: [], external: [] } as never,
    });
    const webhook = flows.find((f) => f.name === 'external-secrets/api-server-to-webhook')!;
    expect(webhook.to.ports!.map((p) => p.port)).toEqual([values.webhook.port]);
    // Name resolution and the API server, for every component.
    expect(flows.map((f) => f.name)).toEqual(expect.arrayContaining(['external-secrets/dns/external-secrets', 'external-secrets/api-server/external-secrets']));
  });
});

describe('its monitoring', () => {
  it('is scraped where a Prometheus runs, through a declared flow, and alerts with runbooks', () => {
    const docs = readFileSync(join(__dirname, '../../docs/observability.md'), 'utf8');
    for (const c of clusters.filter((x) => placementApplies(WORKLOAD_CLUSTERS, x))) {
      const values = helmValues(out, c.name, 'external-secrets');
      const monitored = placementApplies(kubePrometheusStack.placement, c);
      expect({ cluster: c.name, scraped: values.serviceMonitor.enabled }).toEqual({ cluster: c.name, scraped: monitored });
      expect(values.serviceMonitor.additionalLabels).toEqual(PROMETHEUS_SELECTOR_LABELS);
      const scrape = new ExternalSecretsAddOn()
        .flows({ platform, environment: env, cluster: c, tenants: [], databases: [], services: { services: [], external: [] } as never })
        .find((f) => f.name === 'external-secrets/prometheus-scrapes-controller');
      expect({ cluster: c.name, scrapeFlow: !!scrape }).toEqual({ cluster: c.name, scrapeFlow: monitored });
      if (scrape) {
        expect(scrape.from).toEqual({ pods: PROMETHEUS_PODS });
        expect(scrape.to.ports).toEqual([{ port: values.metrics.listen.port }]);
      }
    }
    const rules = ofKind(out, 'PrometheusRule').filter((r) => r.metadata.name === 'ceres-external-secrets');
    expect(rules).toHaveLength(1);
    const alerts = rules[0].spec.groups.flatMap((g: any) => g.rules.filter((r: any) => r.alert));
    expect(alerts.map((a: any) => a.alert)).toEqual(externalSecretAlerts().flatMap((g) => g.alerts.map((a) => a.name)));
    for (const a of alerts) expect(docs).toContain(`### ${a.alert}\n`);
  });
});

describe("tenants' secrets", () => {
  it('every external secret becomes an ExternalSecret on each cluster its tenant lands on, and nowhere else', () => {
    // The premise: tenants are on several clouds (a tenant with a database too: its databases have folders of their own), not on the edge site.
    expect(clusters.filter((c) => lands(c.name, wide.tenantId)).map((c) => c.cloud)).toEqual(['aws', 'azure', 'gcp']);
    expect(clusters.filter((c) => lands(c.name, other.tenantId)).map((c) => c.cloud)).toEqual(['aws', 'azure', 'gcp']);
    for (const c of clusters) {
      const got = ofKindOn(c.name, 'ExternalSecret')
        .map((o) =>
          merged(o.manifest)
            ? `${o.manifest.metadata.namespace}/${o.manifest.spec.target.name}[${o.manifest.spec.data[0].secretKey}] <- ${remoteKey(o.manifest)}`
            : `${o.manifest.metadata.namespace}/${o.manifest.metadata.name} <- ${remoteKey(o.manifest)}`,
        )
        .sort();
      const want = [
        ...input.tenants
          .filter((t) => lands(c.name, t.tenantId))
          .flatMap((t) =>
            t.secrets.flatMap((s) => ('external' in s ? [`tenant-${t.tenantId}/${s.name} <- ${externalSecretRemoteName(t.tenantId, s.external.key)}`] : [])),
          ),
        ...credentialsOn(c),
        ...deliveriesOn(c),
      ].sort();
      expect({ cluster: c.name, got }).toEqual({ cluster: c.name, got: want });
      for (const o of ofKindOn(c.name, 'ExternalSecret').filter((x) => !merged(x.manifest))) {
        // A database's credentials are next to its Cluster, in the site's databases folder.
        expect(o.folder).toBe(`clusters/${c.name}/${o.manifest.spec.dataFrom ? TENANT_SECRETS_FOLDER : 'databases'}`);
        expect(o.manifest.spec.target.name).toBe(o.manifest.metadata.name);
      }
    }
  });

  it("each reads through its tenant's own store: that namespace only, the cluster's cloud, the tenant's reader", () => {
    const provider = { aws: 'aws', azure: 'azurekv', gcp: 'gcpsm' } as const;
    for (const c of clusters.filter((x) => x.cloud !== 'edge')) {
      const stores = new Map(ofKindOn(c.name, 'ClusterSecretStore').map((o) => [o.manifest.metadata.name, o.manifest]));
      for (const es of ofKindOn(c.name, 'ExternalSecret')) {
        const ns = es.manifest.metadata.namespace;
        const store = stores.get(es.manifest.spec.secretStoreRef.name)!;
        expect(es.manifest.spec.secretStoreRef.kind).toBe('ClusterSecretStore');
        expect(store.spec.conditions).toEqual([{ namespaces: [ns] }]);
        const p = store.spec.provider[provider[c.cloud as keyof typeof provider]];
        const ref = c.cloud === 'aws' ? p.auth.jwt.serviceAccountRef : c.cloud === 'azure' ? p.serviceAccountRef : p.auth.workloadIdentity.serviceAccountRef;
        expect(ref).toEqual({ name: SECRET_READER_SERVICE_ACCOUNT, namespace: ns });
      }
    }
  });

  it('the operator may mint tokens for the readers alone', () => {
    for (const c of clusters) {
      for (const role of ofKindOn(c.name, 'Role').filter((o) => o.folder.endsWith(TENANT_SECRETS_FOLDER))) {
        expect(role.manifest.rules).toEqual([
          { apiGroups: [''], resources: ['serviceaccounts/token'], resourceNames: [SECRET_READER_SERVICE_ACCOUNT], verbs: ['create'] },
        ]);
        const binding = ofKindOn(c.name, 'RoleBinding').find(
          (b) => b.manifest.metadata.namespace === role.manifest.metadata.namespace && b.manifest.roleRef.name === role.manifest.metadata.name,
        )!;
        expect(binding.manifest.subjects).toEqual([{ kind: 'ServiceAccount', name: 'external-secrets', namespace: PlatformNamespaces.externalSecrets }]);
      }
    }
  });

  it("the reader's cloud identity (Terraform) may read its tenant's keys and no other tenant's", () => {
    let proven = 0;
    for (const c of clusters.filter((x): x is ClusterConfig & { cloud: 'aws' | 'azure' | 'gcp' } => x.cloud !== 'edge')) {
      const file = `terraform/${stackName(env.name, c.cloud)}/cdk.tf.json`;
      const stack = parseStack(file, JSON.parse(terraform.get(file)!));
      for (const es of ofKindOn(c.name, 'ExternalSecret')) {
        const ns = es.manifest.metadata.namespace;
        const sa = ofKindOn(c.name, 'ServiceAccount').find(
          (o) => o.manifest.metadata.namespace === ns && o.manifest.metadata.name === SECRET_READER_SERVICE_ACCOUNT,
        )!;
        const ref: ServiceAccountRef = {
          namespace: ns,
          name: SECRET_READER_SERVICE_ACCOUNT,
          annotations: sa.manifest.metadata.annotations,
          file: sa.file ?? '',
          object: 'reader',
          how: 'test',
        };
        const store = ofKindOn(c.name, 'ClusterSecretStore').find((o) => o.manifest.metadata.name === es.manifest.spec.secretStoreRef.name)!.manifest;
        const key = remoteKey(es.manifest);
        expect({ cluster: c.name, key, problem: secretReadAccess(stack, c.cloud, store, ref, key) }).toEqual({ cluster: c.name, key, problem: undefined });
        // Another tenant's secret of the same name is out of reach (a prefix that is not this tenant's).
        const foreign = externalSecretRemoteName('another-9', 'smtp');
        if (c.cloud !== 'azure') expect(secretReadAccess(stack, c.cloud, store, ref, foreign)).toBeDefined();
        // Argo CD's reader may read its client's secret, not the other clients' (Keycloak's reader may).
        if (ns === ARGOCD_CLIENT_SECRET.namespace && c.cloud !== 'azure')
          expect(secretReadAccess(stack, c.cloud, store, ref, platformClientSecretRemoteName('grafana'))).toBeDefined();
        proven++;
      }
    }
    // Every external secret of every tenant, on each of the three clouds its tenant lands on, and every database's credentials on each site.
    const secrets = input.tenants.flatMap((t) => t.secrets.filter((s) => 'external' in s)).length;
    const credentials = clusters.flatMap(credentialsOn).length;
    expect(credentials).toBeGreaterThan(0);
    expect(proven).toBe(secrets * 3 + credentials + clusters.flatMap(deliveriesOn).length);
  });

  it("on Azure each tenant has a Key Vault of its own, and the reader's client id comes from the stack output named on it", () => {
    const file = `terraform/${stackName(env.name, 'azure')}/cdk.tf.json`;
    const json = JSON.parse(terraform.get(file)!);
    const vaults = Object.values<any>(json.resource.azurerm_key_vault).filter((v) => v.tags?.['ceres-tenant']);
    const withExternal = input.tenants.filter((t) => t.secrets.some((s) => 'external' in s)).map((t) => t.tenantId);
    // On a database site, also every tenant with a database (its credentials), the platform (the platform database's) and Keycloak (its database's, its realms');
    // Argo CD's (its OIDC client secret) wherever the operator runs.
    const withDatabase = input.databases.map((d) => d.tenantId);
    expect(vaults.map((v) => v.tags['ceres-tenant']).sort()).toEqual(
      [...new Set([...withExternal, ...withDatabase, PLATFORM_SECRETS_OWNER, KEYCLOAK_SECRETS_OWNER, ARGOCD_SECRETS_OWNER])].sort(),
    );
    expect(withExternal).toContain(wide.tenantId);
    expect(vaults[0]).toMatchObject({ rbac_authorization_enabled: true, public_network_access_enabled: false, purge_protection_enabled: true });
    const sa = ofKindOn(FixtureClusters.azure.name, 'ServiceAccount').find(
      (o) => o.manifest.metadata.namespace === `tenant-${wide.tenantId}` && o.manifest.metadata.name === SECRET_READER_SERVICE_ACCOUNT,
    )!;
    const [output, key] = sa.manifest.metadata.annotations['ceres.io/azure-client-id-from'].split('.');
    expect(Object.keys(json.output[output].value)).toContain(key);
  });

  it("no tenant's prefix covers another tenant's secret names (tenantIds have no '--')", () => {
    const ids = ['acme', 'acme-1', 'acme-1-2', 'a', 'a-b'];
    for (const a of ids)
      for (const b of ids)
        if (a !== b) expect({ a, b, covers: externalSecretRemoteName(b, 'x').startsWith(tenantSecretPrefix(a)) }).toEqual({ a, b, covers: false });
  });
});

describe('the YAML', () => {
  it('matches the reviewed tenant-secrets folder of the EKS cluster', () => {
    expect(yamlFiles(out, new RegExp(`^${env.name}/clusters/${FixtureClusters.aws.name}/${TENANT_SECRETS_FOLDER}/`))).toMatchSnapshot();
  });
});
