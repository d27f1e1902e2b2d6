import { describeObject, ManifestCheck, objectsOfKind } from '../core/checks';
import { Labels } from '../core/names';

/**
 * Every namespaced object can be billed to someone: it carries `ceres.io/cost-center`, or its
 * namespace is rendered with one. One pass to index namespaces, one over the objects.
 */
export const costAllocationCheck: ManifestCheck = {
  name: 'cost-allocation',
  check: (objects) => {
    const labelledNamespaces = new Set<string>();
    for (const o of objectsOfKind(objects, 'Namespace')) {
      const m = o.manifest;
      if (m.kind === 'Namespace' && m.apiVersion === 'v1' && m.metadata.labels?.[Labels.costCenter] && m.metadata.name) labelledNamespaces.add(m.metadata.name);
    }
    const problems: string[] = [];
    for (const o of objects) {
      const ns = o.manifest.metadata.namespace;
      if (!ns || o.manifest.metadata.labels?.[Labels.costCenter] || labelledNamespaces.has(ns)) continue;
      problems.push(
        `${describeObject(o)} has no ${Labels.costCenter} label and namespace ${ns} is not rendered with one: add the label (a tenant id, or 'platform') to the object or to its folder's labels`,
      );
    }
    return problems;
  },
};
