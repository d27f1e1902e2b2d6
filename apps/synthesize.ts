import { join, resolve } from 'node:path';
import { parseTenantInput } from '../lib/core/input/documents';
import { readInputDirectory } from '../lib/core/input/load';
import { TenantInput } from '../lib/core/input/types';
import { PlatformConfig } from '../lib/core/model';
import { validatePlatform } from '../lib/core/platform-validation';
import { synthesizeInfra } from './infra/main';
import { EnvironmentSummary, synthesizePlatform } from './platform/main';
import { platform as defaultPlatform } from './platform/platform';

/** The project root (this file lives in apps/). */
export const PROJECT_ROOT = resolve(__dirname, '..');
export const DEFAULT_TENANTS_DIR = join(PROJECT_ROOT, 'apps', 'platform', 'tenants');

export interface SynthesizeOptions {
  /** The platform description. @default the embedded apps/platform/platform.ts */
  readonly platform?: PlatformConfig;
  /** Directory of tenant input documents. @default apps/platform/tenants */
  readonly tenantsDir?: string;
}

export interface SynthesisResult {
  /** Paths relative to dist/ → content. */
  readonly files: Map<string, string>;
  readonly summary: readonly EnvironmentSummary[];
  readonly input: TenantInput;
  readonly timings: { readonly inputMs: number; readonly kubernetesMs: number; readonly terraformMs: number };
}

/**
 * Everything `npm run synth` produces, in memory: validates the platform description and the tenant
 * input, renders every environment's manifests and the Terraform stacks. Throws InputError / SynthError on user mistakes.
 */
export function synthesize(options: SynthesizeOptions = {}): SynthesisResult {
  const platform = options.platform ?? defaultPlatform;
  const t0 = performance.now();
  validatePlatform(platform, 'apps/platform/platform.ts');
  const input = parseTenantInput(readInputDirectory(options.tenantsDir ?? DEFAULT_TENANTS_DIR, PROJECT_ROOT));
  const t1 = performance.now();
  const { files, summary } = synthesizePlatform(platform, input);
  const t2 = performance.now();
  for (const [path, content] of synthesizeInfra(platform)) files.set(path, content);
  const t3 = performance.now();
  return { files, summary, input, timings: { inputMs: t1 - t0, kubernetesMs: t2 - t1, terraformMs: t3 - t2 } };
}
