import type { PlatformConfig } from '../../lib/core/model';
import { renderStacks } from '../../lib/infra/infra-app';

/**
 * The Terraform part of the synthesizer: one stack per environment and cloud (edge sites get none),
 * as `terraform/<env>-<cloud>/cdk.tf.json` → deterministic JSON text, relative to `dist/`.
 * Nothing is written to disk; the synth engine writes `dist/` from the map.
 */
export function synthesizeInfra(platform: PlatformConfig): Map<string, string> {
  return renderStacks(platform);
}
