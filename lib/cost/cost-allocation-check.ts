import { defineCheck, describeObject } from '../core/checks';
import { Labels } from '../core/names';

/**
 * Every namespaced object can be billed to someone: it carries `ceres.io/cost-center`, or its
 * namespace is rendered with one. Facts: the labelled namespaces, and the namespaced objects without
 * the label (few: folders label their objects).
 */
export const costAllocationCheck = defineCheck<{ labelled: string } | { unlabelledIn: string }>({
  name: 'cost-allocation',
  fact: (o) => {
    const m = o.manifest;
    if (m.kind === 'Namespace' && m.apiVersion === 'v1' && m.metadata.labels?.[Labels.costCenter] && m.metadata.name) return { labelled: m.metadata.name };
    const ns = m.metadata.namespace;
    return ns && !m.metadata.labels?.[Labels.costCenter] ? { unlabelledIn: ns } : undefined;
  },
  across: (facts) => {
    const labelledNamespaces = new Set<string>();
    for (const { fact } of facts) if ('labelled' in fact) labelledNamespaces.add(fact.labelled);
    const problems: string[] = [];
    for (const { ref, fact } of facts) {
      if (!('unlabelledIn' in fact) || labelledNamespaces.has(fact.unlabelledIn)) continue;
      const ns = fact.unlabelledIn;
      problems.push(
        `${describeObject(ref)} has no ${Labels.costCenter} label and namespace ${ns} is not rendered with one: add the label (a tenant id, or 'platform') to the object or to its folder's labels`,
      );
    }
    return problems;
  },
});
