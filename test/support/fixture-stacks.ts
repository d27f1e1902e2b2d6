/**
 * The Terraform stacks of a fixture platform, rendered once per run of the code, for the test files
 * that read stacks to check something else against them (runbooks, alarms, secret readers, DNS):
 * rendering them takes cdktf and three providers (about a second to load in each test file) and
 * one to two seconds to render, and eight files render the same few fixtures.
 *
 * The first file that asks for a fixture renders it (`renderStacks`, loaded then) and stores the
 * files in this run's cache, under a key of the run's code (the key of the shared synthesis:
 * apps/, lib/, imports/, the lockfile, Node, the CERES_* environment; test/support/synthesis-cache.ts)
 * and of the fixture itself; the others, and later runs of the same code, read them back. Tests of
 * the rendering itself (test/infra/stacks.test.ts: determinism, checkout location, validations)
 * call `synthesizeInfra` and never read this cache. A fixture that is not plain data (it would not
 * key reliably), or a run without the shared cache, is rendered every time.
 */
import { isDeepStrictEqual } from 'node:util';
import type { PlatformConfig } from '../../lib/core/model';
import { CachedFile, RenderCache } from '../../lib/core/render-cache';
import type { InfraInput } from '../../lib/infra/facts';
import { RENDER_CACHE_ENV } from './synthesis-cache';

/** `renderStacks(platform, input)` (lib/infra), read from the run's cache when this code rendered it before. */
export function fixtureStacks(platform: PlatformConfig, input: InfraInput): Map<string, string> {
  const render = () => (require('../../lib/infra') as typeof import('../../lib/infra')).renderStacks(platform, input);
  const cache = runStacksStore();
  const parts = [platform, input];
  if (!cache || !isDeepStrictEqual(JSON.parse(JSON.stringify(parts)), parts)) return render();
  const key = cache.key('fixture-stacks', ...parts);
  const stored = cache.getFiles<null>(key);
  if (stored) return new Map(stored.files.map((f) => [f.path, f.text()]));
  const files = render();
  cache.putFiles(key, files, null);
  return files;
}

/**
 * A render cache for `synthesize({ cache })` whose Terraform stacks are the run's, in its fixture
 * stacks folder (as {@link fixtureStacks}): for tests that synthesize a fixture platform or input
 * whole and check its Kubernetes side against the stacks, or the render cache's keying of
 * environments. With the stacks read back, such a test file loads neither cdktf nor the providers.
 * Environments and tenants are never cached, unless `own` gives them a cache of their own (a
 * `RenderCache` with that folder and code version). Without the run's cache, `own`'s cache or undefined.
 */
export function stacksOnlyCache(own?: { readonly dir: string; readonly codeVersion: string }): RenderCache | undefined {
  const stacks = runStacksStore();
  if (!stacks) return own && new RenderCache(own.dir, own.codeVersion);
  return new RunStacksCache(stacks, own);
}

/**
 * The run's store of fixture stacks, or undefined without the run's cache (no globalSetup). A folder
 * of its own: the run's render cache keeps only its newest entries, and these must not push the
 * default platform's out.
 */
function runStacksStore(): RenderCache | undefined {
  const dir = process.env[RENDER_CACHE_ENV.dir];
  const build = process.env[RENDER_CACHE_ENV.build];
  return dir && build ? new RenderCache(`${dir}-fixture-stacks`, build) : undefined;
}

/** Terraform entries (synthesize keys them `terraform-…`) in the run's stacks cache; the rest in `own`, or nowhere. */
class RunStacksCache extends RenderCache {
  constructor(
    private readonly stacks: RenderCache,
    private readonly own?: { readonly dir: string; readonly codeVersion: string },
  ) {
    super(own?.dir ?? '', own?.codeVersion ?? '');
  }

  public override key(kind: string, ...parts: unknown[]): string {
    return kind === 'terraform' ? this.stacks.key(kind, ...parts) : super.key(kind, ...parts);
  }

  public override getFiles<M>(key: string): { files: CachedFile[]; meta: M } | undefined {
    if (key.startsWith('terraform-')) return this.stacks.getFiles<M>(key);
    return this.own ? super.getFiles<M>(key) : undefined;
  }

  public override putFiles(key: string, files: Iterable<readonly [string, string]>, meta: unknown): void {
    if (key.startsWith('terraform-')) this.stacks.putFiles(key, files, meta);
    else if (this.own) super.putFiles(key, files, meta);
  }

  public override tenants(): ReturnType<RenderCache['tenants']> {
    return this.own ? super.tenants() : NO_TENANTS;
  }

  public override inputMemo(): ReturnType<RenderCache['inputMemo']> {
    return this.own ? super.inputMemo() : NO_INPUT_MEMO;
  }
}

/** Without a folder of its own: every input file is parsed (nothing is written anywhere). */
const NO_INPUT_MEMO = { get: () => undefined, put: () => undefined, flush: () => undefined } as unknown as ReturnType<RenderCache['inputMemo']>;

const NO_TENANTS = {
  get: () => undefined,
  put: () => undefined,
  key: (kind: string) => kind,
  prune: () => undefined,
} as unknown as ReturnType<RenderCache['tenants']>;
