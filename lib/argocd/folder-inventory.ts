import { ApiObject } from 'cdk8s';
import { storedObjects } from '../core/memo';
import { OutputFolder } from '../core/output';

/** What Argo CD needs to know about one object of a folder, read without rendering it. */
export interface InventoryEntry {
  /** API group ('' for the core group). */
  readonly group: string;
  /** Kind of the object. */
  readonly kind: string;
  /** Name of the object. */
  readonly name: string;
  /** Its namespace; absent for cluster-scoped objects. */
  readonly namespace?: string;
  /** Large enough to need server-side apply (CRDs; folders of other large objects say so in their options). */
  readonly large: boolean;
}

/**
 * The objects of a folder (kind, group, name, namespace, size) read from its constructs before
 * rendering: the GitOps add-on derives ignoreDifferences, server-side apply and the clusters a folder
 * can go to from them. Linear in the folder's objects.
 */
export function folderInventory(folder: OutputFolder): InventoryEntry[] {
  const out: InventoryEntry[] = [];
  for (const chart of folder.charts.values()) {
    for (const c of chart.node.findAll()) {
      if (!ApiObject.isApiObject(c)) continue;
      const large = c.kind === 'CustomResourceDefinition';
      out.push({ group: c.apiGroup === 'core' ? '' : c.apiGroup, kind: c.kind, name: c.name, namespace: c.metadata.namespace, large });
    }
  }
  // Files rendered per tenant (lib/core/tenant-render.ts) and memoized constructs' stored objects
  // (lib/core/memo.ts): their objects are already resolved, and their identities kept.
  const resolved = [...[...folder.charts.values()].flatMap(storedObjects), ...[...folder.rendered.values()].flatMap((r) => r.checked)];
  for (const m of resolved) {
    const slash = m.apiVersion.indexOf('/');
    out.push({
      group: slash < 0 ? '' : m.apiVersion.slice(0, slash),
      kind: m.kind,
      name: m.name!,
      namespace: m.namespace,
      large: m.kind === 'CustomResourceDefinition',
    });
  }
  return out;
}
