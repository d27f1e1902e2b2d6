import { readFileSync } from 'fs';
import { join } from 'path';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));

describe('cdktf.json', () => {
  const config = read('cdktf.json');

  it('stays usable by the cdktf CLI (`npx -p cdktf-cli@0.21.0 cdktf synth`)', () => {
    expect(config).toMatchObject({ language: 'typescript', app: 'npx tsx apps/infra/cli.ts', output: 'cdktf.out' });
  });

  it('declares no providers to generate: the prebuilt @cdktf/provider-* packages are the bindings, so the CLI never asks for `cdktf get`', () => {
    expect(config.terraformProviders).toEqual([]);
    expect(config.terraformModules).toEqual([]);
  });

  it.each(['aws', 'azurerm', 'google'])('pins the %s provider version the prebuilt package wraps in the stacks', (name) => {
    const wrapped = read(`node_modules/@cdktf/provider-${name}/package.json`).cdktf.provider;
    expect(wrapped.name).toBe(`registry.terraform.io/hashicorp/${name}`);
    const stacks = ['dev-aws', 'staging-aws', 'staging-azure', 'prod-aws', 'prod-azure', 'prod-gcp']
      .map((s) => read(`dist/terraform/${s}/cdk.tf.json`).terraform.required_providers[name])
      .filter(Boolean);
    expect(stacks.length).toBeGreaterThan(0);
    for (const p of stacks) expect(p.version).toBe(wrapped.version);
  });

  it("keeps cdktf.out, .terraform/ and plans out of git, and commits each stack's .terraform.lock.hcl", () => {
    const ignore = readFileSync(join(ROOT, '.gitignore'), 'utf8');
    expect(ignore).toMatch(/^cdktf\.out\/?$/m);
    expect(ignore).toMatch(/^dist\/terraform\/\*\/\.terraform\/$/m);
    expect(ignore).toMatch(/^\*\.tfplan$/m);
    expect(ignore).not.toMatch(/^[^#]*lock\.hcl/m);
  });
});
