import { defineCheck, describeObject, Fact, RenderedObject } from '../core/checks';

interface PodTemplateInfo {
  /** `Deployment web`. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Container port numbers and names. */
  readonly ports: readonly (string | number)[];
}

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** A workload's pod template (the fact both checks keep of workloads), or undefined for other objects. */
function podTemplate(o: RenderedObject): { template: PodTemplateInfo } | undefined {
  const m = o.manifest;
  if (!WORKLOAD_KINDS.includes(m.kind) || m.apiVersion !== 'apps/v1') return undefined;
  const template = m.spec?.template;
  const ports = new Set<string | number>();
  for (const c of template?.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      ports.add(p.containerPort);
      if (p.name) ports.add(p.name);
    }
  }
  return {
    template: { name: `${m.kind} ${m.metadata.name}`, namespace: m.metadata.namespace ?? '', labels: template?.metadata?.labels ?? {}, ports: [...ports] },
  };
}

/** Pod templates of the rendered workloads, by namespace (one pass over the facts). */
function podTemplatesByNamespace(facts: readonly Fact<object>[]): Map<string, PodTemplateInfo[]> {
  const out = new Map<string, PodTemplateInfo[]>();
  for (const { fact } of facts) {
    if (!('template' in fact)) continue;
    const info = fact.template as PodTemplateInfo;
    const list = out.get(info.namespace);
    if (list) list.push(info);
    else out.set(info.namespace, [info]);
  }
  return out;
}

function matches(selector: Record<string, string>, labels: Readonly<Record<string, string>>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

interface ServiceFact {
  readonly service: {
    readonly namespace: string;
    readonly selector: Record<string, string>;
    readonly ports: readonly { name?: string; port?: number; targetPort?: string | number }[];
  };
}

/**
 * Every Service with a selector selects the pods of a workload rendered in its namespace, and each of
 * its ports targets a port that workload's containers declare (a Service selecting nothing is an
 * outage that only shows at runtime). Linear: one index of pod templates per namespace. Namespaces
 * without any rendered workload are skipped: their Services front pods a Helm chart installs, which
 * are not in dist/.
 */
export const serviceSelectsWorkload = defineCheck<{ template: PodTemplateInfo } | ServiceFact>({
  name: 'service-selects-workload',
  kinds: ['Service', ...WORKLOAD_KINDS],
  fact: (o) => {
    const m = o.manifest;
    if (m.kind !== 'Service') return podTemplate(o);
    if (m.apiVersion !== 'v1' || !m.spec?.selector || Object.keys(m.spec.selector).length === 0) return undefined;
    const ports = ((m.spec.ports ?? []) as { name?: string; port?: number; targetPort?: string | number }[]).map((p) => ({
      name: p.name,
      port: p.port,
      targetPort: p.targetPort,
    }));
    return { service: { namespace: m.metadata.namespace ?? '', selector: m.spec.selector, ports } };
  },
  across: (facts) => {
    const templates = podTemplatesByNamespace(facts);
    const problems: string[] = [];
    for (const { ref, fact } of facts) {
      if (!('service' in fact)) continue;
      const { namespace, selector, ports } = fact.service;
      const inNamespace = templates.get(namespace);
      if (!inNamespace) continue;
      const candidates = inNamespace.filter((t) => matches(selector, t.labels));
      if (candidates.length === 0) {
        problems.push(`${describeObject(ref)} selects ${JSON.stringify(selector)}, which matches the pods of no workload in namespace ${namespace}`);
        continue;
      }
      for (const p of ports) {
        const target = p.targetPort ?? p.port;
        if (!candidates.some((t) => t.ports.includes(target!))) {
          problems.push(
            `${describeObject(ref)} port ${p.name ?? p.port} targets ${JSON.stringify(target)}, which no selected container declares (${candidates.map((c) => c.name).join(', ')})`,
          );
        }
      }
    }
    return problems;
  },
});

/** Every PodDisruptionBudget selects the pods of a workload rendered in its namespace (namespaces without rendered workloads skipped, as above). */
export const pdbSelectsWorkload = defineCheck<{ template: PodTemplateInfo } | { budget: { namespace: string; selector: Record<string, string> } }>({
  name: 'pdb-selects-workload',
  kinds: ['PodDisruptionBudget', ...WORKLOAD_KINDS],
  fact: (o) => {
    const m = o.manifest;
    if (m.kind !== 'PodDisruptionBudget') return podTemplate(o);
    return { budget: { namespace: m.metadata.namespace ?? '', selector: m.spec?.selector?.matchLabels ?? {} } };
  },
  across: (facts) => {
    const templates = podTemplatesByNamespace(facts);
    const problems: string[] = [];
    for (const { ref, fact } of facts) {
      if (!('budget' in fact)) continue;
      const { namespace, selector } = fact.budget;
      const inNamespace = templates.get(namespace);
      if (!inNamespace) continue;
      if (!inNamespace.some((t) => matches(selector, t.labels))) {
        problems.push(
          `${describeObject(ref)} selects ${JSON.stringify(selector)}, which matches the pods of no workload in namespace ${namespace}; it would protect nothing`,
        );
      }
    }
    return problems;
  },
});
