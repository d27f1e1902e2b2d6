import { join } from 'node:path';
import { buildEnvironment, platformAddOns } from '../../apps/platform/main';
import { platform } from '../../apps/platform/platform';
import { KubeManifest, RenderedObject } from '../../lib/core/checks';
import { parseTenantInput } from '../../lib/core/input/documents';
import { readInputDirectory } from '../../lib/core/input/load';
import { SubscriptionLevel, TenantInput, TenantSpec } from '../../lib/core/input/types';
import { renderEnvironment, RenderedEnvironment } from '../../lib/core/render';

const ROOT = join(__dirname, '..', '..');

/** The example tenants of apps/platform/tenants. */
export function exampleInput(): TenantInput {
  return parseTenantInput(readInputDirectory(join(ROOT, 'apps', 'platform', 'tenants'), ROOT));
}

/** A validated tenant built in code (for inputs larger than the examples). */
export function tenant(id: string, level: SubscriptionLevel, extra: Partial<TenantSpec> = {}): TenantSpec {
  return {
    name: `${id}-tenant`,
    displayName: id,
    tenantId: id,
    keycloakRealm: `${id}-realm`,
    databaseSchema: id.replace(/-/g, '_'),
    subscriptionLevel: level,
    environments: ['dev', 'staging', 'prod'],
    secrets: [],
    source: { file: 'test', document: 1 },
    ...extra,
  };
}

/** Renders one environment with the platform's add-ons and all their checks. */
export function render(env: string, input: TenantInput = exampleInput()): RenderedEnvironment {
  const addOns = platformAddOns();
  return renderEnvironment(buildEnvironment(platform, input, env, addOns), addOns.flatMap((a) => a.checks ?? []));
}

export function manifests(objects: readonly RenderedObject[], kind: string, namespace?: string): KubeManifest[] {
  return objects.map((o) => o.manifest).filter((m) => m.kind === kind && (namespace === undefined || m.metadata.namespace === namespace));
}

export { platform };
