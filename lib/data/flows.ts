import { Flow, FlowTarget, INTERNET, namespaceBaseFlows, PodSet, workloadIdentityFlows } from '../core/flows';
import { scrapeFlow } from '../observability';
import { PlatformNamespaces } from '../core/namespaces';
import { environmentDatabases, isDatabaseSite, PLATFORM_DATABASE } from '../core/database-topology';
import { CNPG_OPERATOR_SERVICE_ACCOUNT } from '../hardening';
import { PLATFORM_DATABASE_PODS } from './platform-database';

/** The CloudNativePG operator (chart `cloudnative-pg`). */
export const CNPG_OPERATOR_PODS: PodSet = {
  namespace: PlatformNamespaces.cnpg,
  podLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' },
  serviceAccount: CNPG_OPERATOR_SERVICE_ACCOUNT,
};

/**
 * What the databases need on a cluster that runs them: the API server calls the operator's webhooks
 * (9443); the operator reaches every instance's status endpoint (8000) and PostgreSQL (5432).
 */
export function databaseFlows(t: FlowTarget): Flow[] {
  const flows: Flow[] = [
    ...namespaceBaseFlows('databases', PlatformNamespaces.cnpg, t.cluster, { apiServer: true }),
    scrapeFlow('databases/scrape-operator', CNPG_OPERATOR_PODS, [8080], 'Prometheus scrapes the operator (PodMonitor cloudnative-pg)'),
    {
      name: 'databases/api-server-to-operator-webhook',
      from: { apiServer: true },
      to: { pods: CNPG_OPERATOR_PODS, ports: [{ port: 9443 }] },
      plaintext: true,
      reason: 'CloudNativePG defaulting and validation webhooks',
    },
  ];
  // The platform database runs in the core namespace of every database site (lib/core/database-topology.ts platformDatabase).
  const platformNs = isDatabaseSite(t.environment, t.cluster) ? [PLATFORM_DATABASE.namespace] : [];
  for (const ns of [...new Set([...platformNs, ...t.databases.map((d) => `tenant-${d.tenantId}`)])].sort()) {
    flows.push({
      name: `databases/operator-to-instances/${ns}`,
      from: { pods: CNPG_OPERATOR_PODS },
      to: { pods: { namespace: ns, podLabels: { 'cnpg.io/podRole': 'instance' } }, ports: [{ port: 8000 }, { port: 5432 }] },
      plaintext: true,
      reason: 'the operator polls instance status and manages PostgreSQL',
    });
    const instances: PodSet = { namespace: ns, podLabels: { 'cnpg.io/podRole': 'instance' } };
    flows.push(
      {
        name: `databases/instances-to-object-store/${ns}`,
        from: { pods: instances },
        to: { external: INTERNET, ports: [{ port: 443 }] },
        plaintext: true,
        reason: 'instances archive WAL and base backups to the object store',
      },
      ...workloadIdentityFlows('databases', instances, t.cluster),
      scrapeFlow(
        `databases/scrape-instances/${ns}`,
        { namespace: ns, podLabels: { 'cnpg.io/podRole': 'instance' } },
        [9187],
        'Prometheus scrapes the PostgreSQL exporter of every instance (the PodMonitor the operator creates for enablePodMonitor)',
      ),
    );
  }
  if (platformNs.length) {
    flows.push({
      name: 'databases/core-services-to-platform-database',
      from: { pods: { namespace: PLATFORM_DATABASE.namespace } },
      to: { pods: PLATFORM_DATABASE_PODS, ports: [{ port: 5432 }] },
      plaintext: true,
      reason: `the core services use the platform database at ${PLATFORM_DATABASE.name}-rw.${PLATFORM_DATABASE.namespace}.svc:5432 (PostgreSQL's own TLS: the instances are outside the mesh)`,
    });
  }
  // Every site archives to its own cloud's store and replays the others' (public HTTPS endpoints).
  const sites = environmentDatabases(t.platform, t.environment, { tenants: t.tenants, databases: t.databases }).filter((d) =>
    d.sites.some((s) => s.cluster.name === t.cluster.name),
  );
  for (const ns of [...new Set(sites.map((d) => d.namespace))].sort()) {
    const paths = sites.filter((d) => d.namespace === ns).flatMap((d) => d.sites.map((s) => `${s.destinationPath}/${s.name}`));
    flows.push({
      name: `databases/instances-to-archives/${ns}`,
      from: { pods: { namespace: ns, podLabels: { 'cnpg.io/podRole': 'instance' } } },
      to: { external: { cidrs: ['0.0.0.0/0'] }, ports: [{ port: 443 }] },
      reason: `WAL archive and base backups to the site's own store, replay of the other sites' archives: ${paths.join(', ')}`,
    });
  }
  return flows;
}
