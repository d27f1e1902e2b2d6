import { App, TerraformStack } from 'cdktf';
import type { Cloud, ClusterConfig, EnvironmentConfig, PlatformConfig } from '../core/model';
import { AwsPlatformStack } from './aws/stack';
import { AzurePlatformStack } from './azure/stack';
import { InfraInput } from './facts';
import { GcpPlatformStack } from './gcp/stack';
import { stackName, TerraformCloud } from '../core/cloud';
import { PlatformStack } from './platform-stack';
import { stableJson } from './serialize';
import { installFastResolve } from './fast-resolve';

/*
 * cdktf records where every token was made (a full stack trace, unlimited depth, formatted and split
 * into lines) for one purpose: the "created at" part of its error messages when a token cannot be
 * resolved. Tokens are made by the thousand per stack, and these traces were a fifth of rendering
 * the Terraform JSON. The capture is a property of cdktf's module, looked up at every call, so
 * replacing it with an empty record leaves everything else as it is (the messages lose their
 * "created at" lines).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
(require('cdktf/lib/tokens/private/stack-trace') as { captureStackTrace: () => string[] }).captureStackTrace = () => [];
// Plain data resolved without cdktf's per-key contexts (lib/infra/fast-resolve.ts).
installFastResolve();

/** Clouds with Terraform stacks, in output order. Edge (K3s) sites are registered with Argo CD instead. */
export const TERRAFORM_CLOUDS: readonly TerraformCloud[] = ['aws', 'azure', 'gcp'];

/** Whether Terraform provisions clusters on this cloud (`edge` sites are not provisioned). */
export function isTerraformCloud(cloud: Cloud): cloud is TerraformCloud {
  return (TERRAFORM_CLOUDS as readonly string[]).includes(cloud);
}

/** The (environment, cloud, cluster) triples that get a stack, in a stable order. */
export function plannedStacks(platform: PlatformConfig): { environment: EnvironmentConfig; cloud: TerraformCloud; cluster: ClusterConfig }[] {
  const planned: { environment: EnvironmentConfig; cloud: TerraformCloud; cluster: ClusterConfig }[] = [];
  for (const environment of platform.environments) {
    for (const cloud of TERRAFORM_CLOUDS) {
      const clusters = environment.clusters.filter((c) => c.cloud === cloud);
      if (clusters.length > 1) {
        throw new Error(
          `environment '${environment.name}' has ${clusters.length} ${cloud} clusters (${clusters.map((c) => c.name).join(', ')}); ` +
            `the Terraform app builds one stack per environment and cloud, so give each environment at most one cluster per cloud`,
        );
      }
      if (clusters.length === 1) planned.push({ environment, cloud, cluster: clusters[0] });
    }
  }
  return planned;
}

/**
 * Adds one stack per environment and cloud of the platform to a cdktf app. `input` is the tenant input
 * the Kubernetes side renders: its databases get cloud identities.
 */
export function addPlatformStacks(app: App, platform: PlatformConfig, input: InfraInput): PlatformStack[] {
  return plannedStacks(platform).map((planned) => addPlatformStack(app, platform, input, planned));
}

/** Adds the stack of one planned (environment, cloud, cluster) to a cdktf app. */
function addPlatformStack(app: App, platform: PlatformConfig, input: InfraInput, planned: ReturnType<typeof plannedStacks>[number]): PlatformStack {
  const props = { platform, environment: planned.environment, cluster: planned.cluster, input };
  switch (planned.cloud) {
    case 'aws':
      return new AwsPlatformStack(app, props);
    case 'azure':
      return new AzurePlatformStack(app, props);
    case 'gcp':
      return new GcpPlatformStack(app, props);
  }
}

/** A cdktf app as {@link createInfraApp} makes it, without stacks. */
function infraApp(outdir = 'cdktf.out'): App {
  return new App({ outdir, stackTraces: false, skipValidation: true });
}

/**
 * A cdktf app with the platform's stacks. `outdir` is only used by `app.synth()` (the cdktf CLI);
 * {@link renderStacks} renders in memory.
 */
export function createInfraApp(platform: PlatformConfig, input: InfraInput, outdir = 'cdktf.out'): { app: App; stacks: PlatformStack[] } {
  const app = infraApp(outdir);
  return { app, stacks: addPlatformStacks(app, platform, input) };
}

/** Renders a stack to deterministic Terraform JSON without touching the disk. */
export function renderStack(stack: TerraformStack): string {
  stack.prepareStack();
  const errors = stack.node.validate();
  if (errors.length) throw new Error(`stack ${stack.node.id} is invalid:\n  ${errors.join('\n  ')}`);
  return stableJson(stack.toTerraform());
}

/**
 * cdktf's process-wide map of tokens (`global.__cdktfTokenMap`): every token encoded as a string or
 * number stays in it for the life of the process, and with it whatever the token refers to (at a
 * thousand tenants, the stacks' 45,000 constructs: some 110 MB held while the Kubernetes files are).
 */
interface CdktfTokenMap {
  readonly stringTokenMap: Map<string, unknown>;
  readonly numberTokenMap: Map<number, unknown>;
  readonly tokenCounter: number;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tokenMap = (require('cdktf/lib/tokens/private/token-map') as { TokenMap: { instance(): CdktfTokenMap } }).TokenMap.instance();

/**
 * Drops the tokens registered since the counter was `first` (keys end in `.<counter>`, numbers are
 * the counter). A token forgotten too early is never output silently: cdktf throws on a key or
 * number it does not know.
 */
function forgetTokensSince(first: number): void {
  for (const key of tokenMap.stringTokenMap.keys()) if (Number(key.slice(key.lastIndexOf('.') + 1)) >= first) tokenMap.stringTokenMap.delete(key);
  for (const n of tokenMap.numberTokenMap.keys()) if (n >= first) tokenMap.numberTokenMap.delete(n);
}

/**
 * `terraform/<env>-<cloud>/cdk.tf.json` → JSON text, for every stack of the platform. The stacks
 * share nothing (no cross-stack references: each is built from the platform and the input alone), so
 * each is built in an app of its own, rendered and dropped with the tokens it registered (only its own
 * constructs hold them) before the next is built: at a thousand tenants the six stacks are 45,000
 * constructs, and only one stack's are held at a time. The same JSON as one app with every stack
 * (test/infra: the fixture stacks, byte for byte).
 */
export function renderStacks(platform: PlatformConfig, input: InfraInput): Map<string, string> {
  const files = new Map<string, string>();
  for (const planned of plannedStacks(platform)) {
    const first = tokenMap.tokenCounter;
    try {
      const stack = addPlatformStack(infraApp(), platform, input, planned);
      files.set(`terraform/${stackName(planned.environment.name, planned.cloud)}/cdk.tf.json`, renderStack(stack));
    } finally {
      forgetTokensSince(first);
    }
  }
  return files;
}
