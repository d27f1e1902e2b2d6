import type { PlatformConfig } from '../../lib/core/model';
import type { InfraInput } from '../../lib/infra';
import { renderStacks } from '../../lib/infra';

/**
 * The Terraform part of the synthesizer: one stack per environment and cloud (edge sites get none),
 * as `terraform/<env>-<cloud>/cdk.tf.json` → deterministic JSON text, relative to `dist/`.
 * `input` is the validated tenant input the Kubernetes side renders too (its databases each get a
 * cloud identity); `npm run synth` passes the one it loaded. Without it, the tenant documents of
 * `apps/platform/tenants/` are loaded (the default of `npm run synth`), never an empty input: a
 * database without its identity could not archive. Nothing is written to disk; the synth engine
 * writes `dist/` from the map.
 */
export function synthesizeInfra(platform: PlatformConfig, input: InfraInput = defaultTenantInput()): Map<string, string> {
  return renderStacks(platform, input);
}

/** The tenant input of `apps/platform/tenants/`, read and validated like `npm run synth` does. */
export function defaultTenantInput(): InfraInput {
  // Loaded here: the launcher's project root and tenant folder are defined once, in apps/synthesize.ts.
  const { DEFAULT_TENANTS_DIR, PROJECT_ROOT } = require('../synthesize') as typeof import('../synthesize');
  const { loadTenantInput } = require('../../lib/core/input/load') as typeof import('../../lib/core/input/load');
  return loadTenantInput({ dir: DEFAULT_TENANTS_DIR, root: PROJECT_ROOT });
}
