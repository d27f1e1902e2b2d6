import { createHash } from 'crypto';
import { cpSync, mkdirSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { synthesizeInfra } from '../../apps/infra/main';
import { platform } from '../../apps/platform/platform';
import { GKE_MAINTENANCE_WINDOW } from '../../lib/infra/gcp/autopilot-cluster';
import { FIXTURE_STACKS, fixtureInput, fixturePlatform } from './fixtures/platform';
import { defaultFiles, stack } from './helpers';

const EXPECTED_STACKS = ['dev-aws', 'staging-aws', 'staging-azure', 'prod-aws', 'prod-azure', 'prod-gcp'];

/** Runs `fn` with a module registry of its own. */
function jestIsolated<T>(fn: () => T): T {
  let out: T | undefined;
  jest.isolateModules(() => {
    out = fn();
  });
  return out as T;
}

/** The fixture platform's stacks (test/infra/fixtures/platform.ts), rendered once in this file. */
let fixture: Map<string, string> | undefined;
const fixtureFiles = () => (fixture ??= synthesizeInfra(fixturePlatform, fixtureInput));

/** What every rendered stack must be free of, whatever the platform. */
function expectPortable(files: Map<string, string>): void {
  const cwd = process.cwd();
  for (const [file, text] of files) {
    expect({ file, cwd: text.includes(cwd) }).toEqual({ file, cwd: false });
    expect(text).not.toMatch(/\/work\/|\/home\/|\/tmp\/|\/Users\/|C:\\\\/);
    // The GKE maintenance window is the one fixed date-time: RFC 3339 anchors of a weekly recurrence.
    const anchors = [GKE_MAINTENANCE_WINDOW.startTime, GKE_MAINTENANCE_WINDOW.endTime];
    expect(anchors.reduce((t, a) => t.split(a).join(''), text)).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(text).not.toContain('"local"');
    expect(text.endsWith('}\n')).toBe(true);
  }
}

describe('Terraform stacks of a small fixture platform', () => {
  it('has one stack per environment and cloud, edge excluded, in a stable order', () => {
    expect([...fixtureFiles().keys()]).toEqual(FIXTURE_STACKS.map((s) => `terraform/${s}/cdk.tf.json`));
  });

  it.each(FIXTURE_STACKS)('%s matches its snapshot', (name) => {
    expect(fixtureFiles().get(`terraform/${name}/cdk.tf.json`)).toMatchSnapshot();
  });

  it('renders byte-identical output twice in one process', () => {
    expect(synthesizeInfra(fixturePlatform, fixtureInput)).toEqual(fixtureFiles());
  });

  it('contains no absolute path, home directory or timestamp', () => {
    expectPortable(fixtureFiles());
  });

  it('renders the same bytes from another checkout location', () => {
    // The sources that matter, copied to a temporary directory and loaded from there (new module
    // instances with their own __dirname; the dependencies are the same), rendered from there as the
    // working directory.
    const root = process.cwd();
    // Another location, the same for every run of this checkout: jest's transform cache (keyed by
    // the file's path) then compiles the copies once, not on every run. Emptied before and after.
    const elsewhere = join(tmpdir(), `ceres-infra-elsewhere-${createHash('sha1').update(root).digest('hex').slice(0, 12)}`);
    rmSync(elsewhere, { recursive: true, force: true });
    mkdirSync(elsewhere);
    try {
      for (const dir of ['apps/infra', 'apps/platform', 'apps/synthesize.ts', 'lib', 'test/infra/fixtures/platform.ts', 'tsconfig.json', 'package.json']) {
        cpSync(join(root, dir), join(elsewhere, dir), { recursive: true });
      }
      symlinkSync(join(root, 'node_modules'), join(elsewhere, 'node_modules'), 'dir');
      const there = jestIsolated(() => {
        const main = require(join(elsewhere, 'apps', 'infra', 'main')) as typeof import('../../apps/infra/main');
        const fixtures = require(join(elsewhere, 'test', 'infra', 'fixtures', 'platform')) as typeof import('./fixtures/platform');
        // Loaded from there, and knowing itself there.
        expect(require.resolve(join(elsewhere, 'apps', 'infra', 'main'))).toBe(join(elsewhere, 'apps', 'infra', 'main.ts'));
        expect((require(join(elsewhere, 'apps', 'synthesize')) as typeof import('../../apps/synthesize')).PROJECT_ROOT).toBe(elsewhere);
        process.chdir(elsewhere);
        try {
          return main.synthesizeInfra(fixtures.fixturePlatform, fixtures.fixtureInput);
        } finally {
          process.chdir(root);
        }
      });
      expect([...there.keys()]).toEqual([...fixtureFiles().keys()]);
      for (const [path, text] of there) expect({ path, same: text === fixtureFiles().get(path) }).toEqual({ path, same: true });
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

describe('Terraform stacks of the default platform', () => {
  it('has one stack per environment and cloud, edge excluded, in a stable order', () => {
    expect([...defaultFiles().keys()]).toEqual(EXPECTED_STACKS.map((s) => `terraform/${s}/cdk.tf.json`));
  });

  it('contains no absolute path, home directory or timestamp', () => {
    expectPortable(defaultFiles());
  });

  it.each(EXPECTED_STACKS)('%s has an explicit remote backend, pinned providers and kubeconfig outputs', (name) => {
    const json = stack(name);
    const backends = Object.keys(json.terraform.backend);
    expect(backends).toHaveLength(1);
    expect(['s3', 'azurerm', 'gcs']).toContain(backends[0]);
    expect(json.terraform.required_version).toBe('>= 1.10.0');
    for (const provider of Object.values(json.terraform.required_providers) as { version: string }[]) {
      expect(provider.version).toMatch(/^\d+\.\d+\.\d+$/);
    }
    for (const output of ['cluster_name', 'cluster_endpoint', 'cluster_ca_certificate', 'region', 'database_endpoint', 'backup_bucket']) {
      expect(json.output[output]).toBeDefined();
    }
  });

  it('derives state locations from the platform, environment and cloud names', () => {
    expect(stack('prod-aws').terraform.backend.s3).toEqual({
      bucket: 'ceres-terraform-state',
      key: 'prod-aws/terraform.tfstate',
      region: 'eu-west-1',
      encrypt: true,
      kms_key_id: 'alias/ceres-terraform-state-prod',
      use_lockfile: true,
    });
    expect(stack('prod-azure').terraform.backend.azurerm).toEqual({
      resource_group_name: 'ceres-terraform-state',
      storage_account_name: 'cerestfstate',
      container_name: 'tfstate',
      key: 'prod-azure/terraform.tfstate',
      use_azuread_auth: true,
    });
    expect(stack('prod-gcp').terraform.backend.gcs).toEqual({ bucket: 'ceres-terraform-state', prefix: 'prod-gcp' });
  });

  it('pins the provider versions the prebuilt bindings wrap', () => {
    expect(stack('prod-aws').terraform.required_providers.aws.version).toBe('6.25.0');
    expect(stack('prod-azure').terraform.required_providers.azurerm.version).toBe('4.55.0');
    expect(stack('prod-gcp').terraform.required_providers.google.version).toBe('6.50.0');
  });

  it('takes secrets and account ids from variables, never literals', () => {
    expect(stack('prod-aws').variable.platform_admin_role_arn).toMatchObject({ type: 'string' });
    expect(Object.keys(stack('prod-azure').variable)).toEqual(
      expect.arrayContaining(['azure_subscription_id', 'azure_tenant_id', 'platform_admin_group_object_id']),
    );
    expect(stack('prod-gcp').variable.gcp_project_id).toBeDefined();
    for (const text of defaultFiles().values()) {
      expect(text).not.toMatch(/"(password|administrator_password|root_password)"\s*:/);
    }
  });

  it('refuses two clusters of one cloud in one environment, saying what to do', () => {
    const prod = platform.environments.find((e) => e.name === 'prod')!;
    const twice = {
      ...platform,
      environments: [{ ...prod, clusters: [...prod.clusters, { ...prod.clusters[0], name: 'ceres-prod-aws-2' }] }],
    };
    expect(() => synthesizeInfra(twice)).toThrow(/at most one cluster per cloud/);
  });
});
