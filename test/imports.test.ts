import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('imports/ (generated from the CRDs pinned in cdk8s.yaml)', () => {
  const generated = readdirSync(join(ROOT, 'imports'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.replace(/\.ts$/, ''));
  const libText = sources(join(ROOT, 'lib'))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const config = parse(readFileSync(join(ROOT, 'cdk8s.yaml'), 'utf8')) as { imports: string[] };
  const prefixes = config.imports.map((i) => i.split(':=')[0]);

  it('holds only modules the library imports (each is type-checked on every test run)', () => {
    const unused = generated.filter((m) => !libText.includes(`imports/${m}'`));
    expect(unused).toEqual([]);
  });

  it('is what cdk8s.yaml lists: each pinned CRD file generated at least one module, and each module comes from one', () => {
    for (const p of prefixes) expect(generated.some((m) => m.startsWith(`${p}-`))).toBe(true);
    for (const m of generated) expect(prefixes.some((p) => m.startsWith(`${p}-`))).toBe(true);
  });
});
