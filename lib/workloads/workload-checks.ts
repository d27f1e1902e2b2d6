import { describeObject, ManifestCheck, objectsOfKind, RenderedObject } from '../core/checks';

interface PodTemplateInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Container port numbers and names. */
  readonly ports: ReadonlySet<string | number>;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/** Pod templates of the rendered workloads, by namespace (one pass). */
function podTemplatesByNamespace(objects: readonly RenderedObject[]): Map<string, PodTemplateInfo[]> {
  const out = new Map<string, PodTemplateInfo[]>();
  for (const o of objectsOfKind(objects, ...WORKLOAD_KINDS)) {
    const m = o.manifest;
    if (!WORKLOAD_KINDS.has(m.kind) || m.apiVersion !== 'apps/v1') continue;
    const template = m.spec?.template;
    const ports = new Set<string | number>();
    for (const c of template?.spec?.containers ?? []) {
      for (const p of c.ports ?? []) {
        ports.add(p.containerPort);
        if (p.name) ports.add(p.name);
      }
    }
    const ns = m.metadata.namespace ?? '';
    const info = { name: `${m.kind} ${m.metadata.name}`, labels: template?.metadata?.labels ?? {}, ports };
    const list = out.get(ns);
    if (list) list.push(info);
    else out.set(ns, [info]);
  }
  return out;
}

function matches(selector: Record<string, string>, labels: Readonly<Record<string, string>>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/**
 * Every Service with a selector selects the pods of a workload rendered in its namespace, and each of
 * its ports targets a port that workload's containers declare (a Service selecting nothing is an
 * outage that only shows at runtime). Linear: one index of pod templates per namespace. Namespaces
 * without any rendered workload are skipped: their Services front pods a Helm chart installs, which
 * are not in dist/.
 */
export const serviceSelectsWorkload: ManifestCheck = {
  name: 'service-selects-workload',
  check: (objects) => {
    const templates = podTemplatesByNamespace(objects);
    const problems: string[] = [];
    for (const o of objectsOfKind(objects, 'Service')) {
      const m = o.manifest;
      if (m.kind !== 'Service' || m.apiVersion !== 'v1' || !m.spec?.selector || Object.keys(m.spec.selector).length === 0) continue;
      const inNamespace = templates.get(m.metadata.namespace ?? '');
      if (!inNamespace) continue;
      const candidates = inNamespace.filter((t) => matches(m.spec.selector, t.labels));
      if (candidates.length === 0) {
        problems.push(
          `${describeObject(o)} selects ${JSON.stringify(m.spec.selector)}, which matches the pods of no workload in namespace ${m.metadata.namespace}`,
        );
        continue;
      }
      for (const p of m.spec.ports ?? []) {
        const target = p.targetPort ?? p.port;
        if (!candidates.some((t) => t.ports.has(target))) {
          problems.push(
            `${describeObject(o)} port ${p.name ?? p.port} targets ${JSON.stringify(target)}, which no selected container declares (${candidates.map((c) => c.name).join(', ')})`,
          );
        }
      }
    }
    return problems;
  },
};

/** Every PodDisruptionBudget selects the pods of a workload rendered in its namespace (namespaces without rendered workloads skipped, as above). */
export const pdbSelectsWorkload: ManifestCheck = {
  name: 'pdb-selects-workload',
  check: (objects) => {
    const templates = podTemplatesByNamespace(objects);
    const problems: string[] = [];
    for (const o of objectsOfKind(objects, 'PodDisruptionBudget')) {
      const m = o.manifest;
      if (m.kind !== 'PodDisruptionBudget') continue;
      const selector = m.spec?.selector?.matchLabels ?? {};
      const inNamespace = templates.get(m.metadata.namespace ?? '');
      if (!inNamespace) continue;
      if (!inNamespace.some((t) => matches(selector, t.labels))) {
        problems.push(
          `${describeObject(o)} selects ${JSON.stringify(selector)}, which matches the pods of no workload in namespace ${m.metadata.namespace}; it would protect nothing`,
        );
      }
    }
    return problems;
  },
};
