import { readdirSync, readFileSync, statSync } from 'fs';
import { join, relative } from 'path';

const ROOT = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|js|mjs|cjs)$/.test(name)) out.push(path);
  }
  return out;
}

// `from '@cdktf/provider-aws'`, `require('@cdktf/provider-google')`, `import('@cdktf/provider-azurerm')`:
// loading a provider package root costs seconds and over a gigabyte.
const ROOT_IMPORT = /(?:from\s+|require\s*\(\s*|import\s*\(\s*)['"]@cdktf\/provider-[a-z0-9-]+\/?['"]/;
const ANY_REQUIRE = /require\s*\(\s*['"]@cdktf\/provider-/;

describe('provider imports', () => {
  const files = ['lib', 'apps'].flatMap((d) => sources(join(ROOT, d)));

  it('scans the sources', () => {
    expect(files.some((f) => f.includes(join('lib', 'infra', 'aws')))).toBe(true);
  });

  it('never imports a @cdktf/provider-* package root, nor requires one at all', () => {
    const offenders = files
      .filter((f) => {
        const text = readFileSync(f, 'utf8');
        return ROOT_IMPORT.test(text) || ANY_REQUIRE.test(text);
      })
      .map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });

  it('recognises the patterns it forbids', () => {
    expect(ROOT_IMPORT.test("import { EksCluster } from '@cdktf/provider-aws';")).toBe(true);
    expect(ROOT_IMPORT.test('const { aws } = require("@cdktf/provider-aws")')).toBe(true);
    expect(ROOT_IMPORT.test("import { EksCluster } from '@cdktf/provider-aws/lib/eks-cluster';")).toBe(false);
  });
});
