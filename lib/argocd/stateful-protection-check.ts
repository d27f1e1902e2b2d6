import { ArgoAnnotations } from '../core/argocd';
import { defineCheck, describeObject, ManifestCheck, RenderedObject } from '../core/checks';
import { TENANT_NAMESPACE_PREFIX } from '../core/names';

/** Why an object holds data, or undefined when it does not. */
export function statefulReason(o: RenderedObject): string | undefined {
  const m = o.manifest;
  const group = m.apiVersion.includes('/') ? m.apiVersion.split('/')[0] : '';
  if (m.kind === 'Namespace' && group === '' && m.metadata.name?.startsWith(TENANT_NAMESPACE_PREFIX))
    return 'a tenant namespace (deleting it deletes everything in it)';
  if (m.kind === 'PersistentVolumeClaim' && group === '') return 'a PersistentVolumeClaim';
  if (m.kind === 'Cluster' && group === 'postgresql.cnpg.io') return 'a PostgreSQL cluster';
  if (m.kind === 'StatefulSet' && group === 'apps' && (m.spec?.volumeClaimTemplates?.length ?? 0) > 0) return 'a StatefulSet with volume claim templates';
  return undefined;
}

/** Whether the object's own sync options forbid pruning and deletion. */
export function carriesProtection(o: RenderedObject): boolean {
  const opts = (o.manifest.metadata.annotations?.[ArgoAnnotations.syncOptions] ?? '').split(',').map((s) => s.trim());
  return opts.includes('Prune=false') && opts.includes('Delete=false');
}

/**
 * Every object whose loss is data loss either carries `argocd.argoproj.io/sync-options:
 * Prune=false,Delete=false` or lives in a stateful folder (whose Application never prunes nor
 * cascades deletion). `statefulFolders` returns the stateful folder names of an environment.
 */
export function statefulProtectionCheck(statefulFolders: (environment: string) => ReadonlySet<string>): ManifestCheck<string> {
  return defineCheck<string>({
    name: 'stateful-protection',
    kinds: ['Namespace', 'PersistentVolumeClaim', 'Cluster', 'StatefulSet'],
    // Why the object holds data, when it does not protect itself: whether its folder does is told across.
    fact: (o) => (carriesProtection(o) ? undefined : statefulReason(o)),
    across: (facts) => {
      const problems: string[] = [];
      let env: string | undefined;
      let folders: ReadonlySet<string> = new Set();
      for (const { ref: o, fact: reason } of facts) {
        if (o.environment !== env) {
          env = o.environment;
          folders = statefulFolders(env);
        }
        if (folders.has(o.folder)) continue;
        problems.push(
          `${describeObject(o)} is ${reason} but Argo CD may prune or delete it: add the annotation ${ArgoAnnotations.syncOptions}: "Prune=false,Delete=false" (argoAnnotations({ protect: true })) or declare folder ${o.folder} with stateful: true`,
        );
      }
      return problems;
    },
  });
}
