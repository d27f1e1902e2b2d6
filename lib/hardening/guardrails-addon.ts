import { ApiFairness } from './api-fairness';
import { tenantNames } from '../core/names';
import { Flow, FlowTarget } from '../core/flows';
import { kyvernoFlows } from './flows';
import { KUBE_SYSTEM_NAMESPACE, NamespaceDeclaration, PlatformAddOn, PlatformContext } from '../core/addon';
import { SyncWave } from '../core/argocd';
import { ManifestCheck } from '../core/checks';
import { Labels } from '../core/names';
import { placementApplies, WORKLOAD_CLUSTERS } from '../core/topology';
import { PlatformNamespaceNetworkPolicies } from './platform-network-policies';
import { PlatformNamespaces } from '../core/namespaces';
import { TierPriorityClasses } from '../quotas';
import { AdmissionPolicies } from './admission-policies';
import { apiServerAuditPolicy } from './audit-policy';
import { GuardedNamespace } from './guarded-namespace';
import { GUARDRAIL_CHECKS } from './guardrail-checks';
import { kyverno } from './kyverno';

/** dist/<env>/ folders of the guardrails add-on. */
export const GuardrailFolders = {
  policies: 'policies',
  namespaces: 'platform-namespaces',
  edge: 'edge',
} as const;

/**
 * Platform-wide guardrails: Kyverno and its ClusterPolicies, the tier PriorityClasses (`policies`),
 * the Namespace objects of every platform namespace an add-on declared for the platform to render,
 * with the Pod Security level it needs (`platform-namespaces`), and for environments with an edge
 * site the API server audit policy (`edge`, not synced: installed on the K3s servers). Carries the
 * guardrail checks (no RBAC wildcards, default deny, no cross-tenant paths).
 */
export class PlatformGuardrailsAddOn implements PlatformAddOn {
  public flows(t: FlowTarget): Flow[] {
    return kyvernoFlows(t);
  }

  public readonly name = 'guardrails';
  public readonly charts = [kyverno];
  public readonly namespaces: readonly NamespaceDeclaration[] = [
    { name: PlatformNamespaces.kyverno, podSecurity: 'restricted', thirdPartyImages: true },
    KUBE_SYSTEM_NAMESPACE,
  ];
  public readonly checks: readonly ManifestCheck[] = GUARDRAIL_CHECKS;

  public deploy(ctx: PlatformContext): void {
    const platformLabels = { [Labels.costCenter]: 'platform' };
    const policies = ctx.output.folder(GuardrailFolders.policies, {
      description: 'Kyverno admission policies (restricted pod security, pinned images, resources, registries, tenant labels) and tier PriorityClasses',
      labels: platformLabels,
      syncWave: SyncWave.policies,
    });
    new AdmissionPolicies(policies.manifest('cluster-policies'), 'Admission', {
      allowedRegistries: ctx.platform.allowedRegistries,
      namespaces: ctx.catalog.namespaces,
    });
    new TierPriorityClasses(policies.manifest('priority-classes'), 'Priorities');
    new ApiFairness(policies.manifest('api-fairness'), 'ApiFairness', { tenantNamespaces: ctx.tenants.map((t) => tenantNames(t.tenantId).namespace) });

    // Per cluster: the namespaces the charts placed on that cluster install into.
    const declared = ctx.catalog.namespaces.filter((ns) => (ns.renderedBy ?? 'platform') === 'platform');
    for (const cluster of ctx.environment.clusters) {
      const used = new Set([...ctx.catalog.charts, ...ctx.catalog.manifests].filter((c) => placementApplies(c.placement, cluster)).map((c) => c.namespace));
      const namespaces = ctx.output.clusterFolder(cluster, GuardrailFolders.namespaces, {
        description: 'Platform namespaces with the Pod Security level each needs',
        labels: platformLabels,
        stateful: true,
        syncWave: SyncWave.platformNamespaces,
      });
      const chart = namespaces.manifest('namespaces');
      const policies = namespaces.manifest('network-policies');
      // The flows every add-on declares for this cluster: the same list `npm run verify` proves.
      const tenants = placementApplies(WORKLOAD_CLUSTERS, cluster) ? ctx.tenants : [];
      const ids = new Set(tenants.map((t) => t.tenantId));
      const flows = ctx.catalog.flows({
        platform: ctx.platform,
        environment: ctx.environment,
        cluster,
        tenants,
        databases: ctx.databases.filter((d) => ids.has(d.tenantId)),
        services: ctx.services,
      });
      // Each namespace's policies read the flows that leave or enter it: grouped once, in order (every
      // flow of the cluster per namespace was 740,000 visits at a thousand tenants).
      const touching = new Map<string, Flow[]>();
      const touch = (namespace: string, f: Flow) => {
        const list = touching.get(namespace);
        if (list) list.push(f);
        else touching.set(namespace, [f]);
      };
      for (const f of flows) {
        const from = 'pods' in f.from ? f.from.pods.namespace : undefined;
        const to = 'pods' in f.to ? f.to.pods.namespace : undefined;
        if (from !== undefined) touch(from, f);
        if (to !== undefined && to !== from) touch(to, f);
      }
      for (const ns of declared) {
        if (!used.has(ns.name)) continue;
        new GuardedNamespace(chart, ns.name, {
          name: ns.name,
          podSecurity: ns.podSecurity,
          meshInjection: 'unset',
          networkIsolated: true,
          annotations: ns.reason ? { 'ceres.io/pod-security-reason': ns.reason } : undefined,
        });
        new PlatformNamespaceNetworkPolicies(policies, ns.name, { namespace: ns.name, flows: touching.get(ns.name) ?? [], cluster });
      }
    }

    if (ctx.environment.clusters.some((c) => c.cloud === 'edge')) {
      const edge = ctx.output.folder(GuardrailFolders.edge, {
        synced: false,
        description: 'Files installed on edge K3s servers (API server audit policy)',
      });
      edge.addFile('audit-policy.yaml', apiServerAuditPolicy());
    }
  }
}
