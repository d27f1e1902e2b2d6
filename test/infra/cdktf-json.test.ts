import { readFileSync } from 'fs';
import { join } from 'path';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));

describe('cdktf.json', () => {
  const config = read('cdktf.json');

  it('stays usable by the cdktf CLI', () => {
    expect(config).toMatchObject({ language: 'typescript', app: 'npx tsx apps/infra/cli.ts', output: 'cdktf.out' });
  });

  it.each(['aws', 'azurerm', 'google'])('pins the %s provider the prebuilt package wraps', (name) => {
    const wrapped = read(`node_modules/@cdktf/provider-${name}/package.json`).cdktf.provider;
    expect(wrapped.name).toBe(`registry.terraform.io/hashicorp/${name}`);
    expect(config.terraformProviders).toContain(`hashicorp/${name}@= ${wrapped.version}`);
  });

  it('keeps cdktf.out out of git', () => {
    expect(readFileSync(join(ROOT, '.gitignore'), 'utf8')).toMatch(/^cdktf\.out\/?$/m);
  });
});
