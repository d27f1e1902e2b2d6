// Reading the platform's namespace table: the union of the namespaces every add-on declares with
// the Pod Security level its pods need (`PlatformCatalog.namespaces`). Tenant namespaces are always
// `restricted` and are not listed.
import { NamespaceDeclaration, PodSecurityLevel } from '../core/addon';
import { TENANT_NAMESPACE_PREFIX } from '../core/names';

/** Platform namespaces at a pod security level, sorted. */
export function namespacesAtLevel(namespaces: readonly NamespaceDeclaration[], level: PodSecurityLevel): string[] {
  return namespaces
    .filter((n) => n.podSecurity === level)
    .map((n) => n.name)
    .sort();
}

/** Glob matching every tenant namespace (Kyverno `namespaces`). */
export const TENANT_NAMESPACE_GLOB = `${TENANT_NAMESPACE_PREFIX}*`;
