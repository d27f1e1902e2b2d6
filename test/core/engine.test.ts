import { platform } from '../../apps/platform/platform';
import { defaultSynthesis } from '../support/synthesis-cache';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_TENANTS_DIR, inEnvironments, PROJECT_ROOT, SynthesisResult } from '../../apps/synthesize';
import { runSynth } from '../../apps/synth';
import { synthesizePlatform } from '../../apps/platform/main';
import { renderCacheTenantsDir, withRenderCache } from '../support/render-cache-env';
import { DEPARTING_TENANT } from '../support/departing-tenant';
import { compareTree, readTree } from '../../lib/core/tree';
import { oldTreesLeft, TreeWriter, writeTreeAtomically } from '../../lib/core/writer';

const quiet = { out: () => undefined, err: () => undefined };
// js-yaml (a devDependency, no bundled types)
const { loadAll } = require('js-yaml') as { loadAll(text: string): unknown[] };

/** One full synthesis of the live platform, shared by the tests below. */
// The run's shared synthesis (another process); the second below is this one's: determinism across processes.
const first = defaultSynthesis();

describe('the synth engine', () => {
  it('keeps the committed dist/ current (re-run `npm run synth` and commit when this fails)', () => {
    const diff = compareTree(readTree(join(PROJECT_ROOT, 'dist')), first.files);
    expect(diff).toEqual({ added: [], removed: [], changed: [] });
  });

  it('is deterministic: a second render, in another process than the first and keeping no rendered objects, is byte-identical', () => {
    // prod (every kind of cluster and tenant) is synthesized again by `--env renders one environment
    // exactly as a full synth does` below; dev here, the smallest, covers the environment-dependent
    // choices prod does not make (`ha: false`). Rendered as synthesize() renders an environment for
    // `ceres synth` and diff (keepRendered: false → release); the run's synthesis kept the rendered
    // objects: the files and summaries do not depend on it, and nothing is kept. The Kubernetes part
    // only: the Terraform stacks' determinism is stacks.test.ts's (and the drift test's, above).
    const dev = platform.environments.filter((e) => e.name === 'dev');
    const second = synthesizePlatform({ ...platform, environments: dev }, first.input, undefined, { release: true });
    const inDev = inEnvironments(['dev']);
    const expected = new Map([...first.files].filter(([p]) => inDev(p) && !p.startsWith('terraform/')));
    expect(expected.size).toBeGreaterThan(10);
    expect(compareTree(expected, second.files)).toEqual({ added: [], removed: [], changed: [] });
    expect([...second.files.keys()]).toEqual([...expected.keys()]);
    const summary = (s: SynthesisResult['summary']) => s.filter((e) => e.name === 'dev').map((e) => ({ ...e, ms: 0 }));
    expect(summary(second.summary)).toEqual(summary(first.summary));
    expect(first.environments.find((e) => e.name === 'dev')!.objects.length).toBeGreaterThan(0);
    expect(second.environments).toEqual([]);
  });

  it('does not depend on where the project is checked out', () => {
    expect([...first.files].filter(([, content]) => content.includes(PROJECT_ROOT)).map(([path]) => path)).toEqual([]);
  });

  it('writes one folder per Argo CD Application: dist/<env>/<folder>/<file>, or dist/<env>/clusters/<cluster>/<folder>/<file> for one cluster', () => {
    const layout = /^(dev|staging|prod)\/([a-z0-9-]+|clusters\/[a-z0-9-]+\/[a-z0-9-]+)\/[A-Za-z0-9.-]+\.(yaml|md|json)$|^terraform\/[a-z0-9-]+\/cdk\.tf\.json$/;
    expect(first.files.size).toBeGreaterThan(100);
    expect([...first.files.keys()].filter((path) => !layout.test(path))).toEqual([]);
    for (const env of platform.environments) {
      expect(first.files.has(`${env.name}/core/namespace.yaml`)).toBe(true);
      for (const c of env.clusters) expect(first.files.has(`${env.name}/clusters/${c.name}/argocd/projects.yaml`)).toBe(true);
    }
  });

  it('gives each tenant of an environment its own folder with its namespace', () => {
    // `<env>/<folder>` of every file
    const folders = new Set([...first.files.keys()].map((p) => p.split('/', 2).join('/')));
    for (const t of first.input.tenants) {
      for (const env of ['dev', 'staging', 'prod']) {
        const file = first.files.get(`${env}/tenant-${t.tenantId}/namespace.yaml`);
        if (!t.environments.includes(env as never)) {
          expect(folders.has(`${env}/tenant-${t.tenantId}`)).toBe(false);
          continue;
        }
        const ns = parseAllDocuments(file!)
          .map((d) => d.toJS())
          .find((o) => o.kind === 'Namespace');
        expect(ns.metadata.name).toBe(`tenant-${t.tenantId}`);
        expect(ns.metadata.labels).toMatchObject({
          'app.kubernetes.io/managed-by': 'ceres-synth',
          'app.kubernetes.io/part-of': 'ceres',
          'ceres.io/tenant': t.tenantId,
          'ceres.io/tier': t.subscriptionLevel,
        });
      }
    }
  });

  it('writes every manifest as parseable YAML with explicit names', () => {
    // js-yaml, a strict reader several times faster than the yaml library on the whole tree (both
    // libraries read the emitter's output in test/core/yaml-emitter.test.ts; go-yaml too).
    let documents = 0;
    const unreadable: string[] = [];
    const unnamed: string[] = [];
    for (const [path, content] of first.files) {
      if (!path.endsWith('.yaml')) continue;
      let objects: any[];
      try {
        objects = loadAll(content) as any[];
      } catch (err) {
        unreadable.push(`${path}: ${(err as Error).message}`);
        continue;
      }
      for (const obj of objects) {
        documents++;
        if (path.includes('/edge/') || obj?.kind === 'Policy') continue; // non-Kubernetes material
        if (typeof obj?.metadata?.name !== 'string') unnamed.push(`${path}: ${obj?.kind} #${documents}`);
      }
    }
    expect({ unreadable, unnamed }).toEqual({ unreadable: [], unnamed: [] });
    expect(documents).toBeGreaterThan(100);
  });
});

describe('the atomic writer', () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'ceres-writer-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('removes files of resources that disappeared', () => {
    const dist = join(work, 'dist');
    writeTreeAtomically(
      dist,
      new Map([
        ['prod/a/x.yaml', 'a: 1\n'],
        ['prod/b/y.yaml', 'b: 1\n'],
      ]),
    );
    writeTreeAtomically(dist, new Map([['prod/a/x.yaml', 'a: 2\n']]));
    expect(readTree(dist)).toEqual(new Map([['prod/a/x.yaml', 'a: 2\n']]));
    expect(readdirSync(work)).toEqual(['dist']);
  });

  it('can leave the old tree to a background process: dist/ is the new tree at once, the old one goes, and the next swap is never in its way', async () => {
    const dist = join(work, 'dist');
    const files = (n: number) => new Map(Array.from({ length: 200 }, (_, i) => [`prod/f${i % 7}/x${i}.yaml`, `a: ${n}\n`] as const));
    writeTreeAtomically(dist, files(1), { removeOld: 'background' });
    // Two swaps in a row, the first's old tree perhaps still being removed.
    writeTreeAtomically(dist, files(2), { removeOld: 'background' });
    writeTreeAtomically(dist, files(3), { removeOld: 'background' });
    expect(readTree(dist)).toEqual(files(3));
    for (let waited = 0; oldTreesLeft(dist) && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(work)).toEqual(['dist']);
  });

  it('leaves dist/ byte-for-byte untouched when writing fails before the swap', () => {
    const dist = join(work, 'dist');
    writeTreeAtomically(dist, new Map([['prod/a/x.yaml', 'a: 1\n']]));
    expect(() =>
      writeTreeAtomically(dist, new Map([['prod/b/y.yaml', 'b: 1\n']]), {
        beforeSwap: () => {
          throw new Error('disk full');
        },
      }),
    ).toThrow('disk full');
    expect(readTree(dist)).toEqual(new Map([['prod/a/x.yaml', 'a: 1\n']]));
    expect(readdirSync(work)).toEqual(['dist']);
  });

  it('writes only what changed: unchanged files are the same files, changed and new ones are new, and the tree is exactly the input', () => {
    const dist = join(work, 'dist');
    const before = new Map([
      ['prod/a/same.yaml', 'a: 1\n'],
      ['prod/a/grown.yaml', 'b: 1\n'],
      ['prod/a/edited.yaml', 'c: 1\n'],
      ['prod/b/gone.yaml', 'd: 1\n'],
    ]);
    writeTreeAtomically(dist, before);
    const inode = (p: string) => statSync(join(dist, p)).ino;
    const old = new Map([...before.keys()].map((p) => [p, inode(p)]));
    const after = new Map([
      ['prod/a/same.yaml', 'a: 1\n'],
      ['prod/a/grown.yaml', 'b: 10\n'],
      ['prod/a/edited.yaml', 'c: 2\n'], // same size, other bytes
      ['prod/c/new.yaml', 'e: 1\n'],
    ]);
    expect(writeTreeAtomically(dist, after)).toEqual({ written: 3, unchanged: 1 });
    expect(readTree(dist)).toEqual(after);
    expect(inode('prod/a/same.yaml')).toBe(old.get('prod/a/same.yaml'));
    expect(inode('prod/a/grown.yaml')).not.toBe(old.get('prod/a/grown.yaml'));
    expect(inode('prod/a/edited.yaml')).not.toBe(old.get('prod/a/edited.yaml'));
    // Bytes that decode to the same text are not the same file: invalid UTF-8 read back as U+FFFD.
    // (a truncated 4-byte sequence: 3 bytes, read as one U+FFFD, which is 3 bytes too)
    const invalid = Buffer.from([0x61, 0x3a, 0x20, 0xf0, 0x9f, 0x98, 0x0a]);
    writeFileSync(join(dist, 'prod/a/same.yaml'), invalid);
    const replacement = new Map([...after, ['prod/a/same.yaml', 'a: \ufffd\n']]);
    expect(invalid.toString('utf8')).toBe(replacement.get('prod/a/same.yaml'));
    expect(Buffer.byteLength(replacement.get('prod/a/same.yaml')!)).toBe(invalid.length);
    writeTreeAtomically(dist, replacement);
    expect(readFileSync(join(dist, 'prod/a/same.yaml'))).toEqual(Buffer.from('a: \ufffd\n'));
    // Nothing is shared with a tree that is gone: the old tree was removed, so each file has one link.
    for (const p of after.keys()) expect(statSync(join(dist, p)).nlink).toBe(1);
    expect(readdirSync(work)).toEqual(['dist']);
    // A symbolic link with the right bytes behind it is not the file: the new tree gets a file.
    const outside = join(work, 'outside.yaml');
    writeFileSync(outside, 'e: 1\n');
    rmSync(join(dist, 'prod/c/new.yaml'));
    symlinkSync(outside, join(dist, 'prod/c/new.yaml'));
    // Written: the link's file and same.yaml (back from the U+FFFD text above).
    expect(writeTreeAtomically(dist, after)).toEqual({ written: 2, unchanged: 2 });
    expect(lstatSync(join(dist, 'prod/c/new.yaml')).isFile()).toBe(true);
    expect(readFileSync(outside, 'utf8')).toBe('e: 1\n');
    rmSync(outside);
  });

  it('leaves dist/ untouched when an incremental write fails before the swap', () => {
    const dist = join(work, 'dist');
    writeTreeAtomically(
      dist,
      new Map([
        ['prod/a/x.yaml', 'a: 1\n'],
        ['prod/a/y.yaml', 'b: 1\n'],
      ]),
    );
    expect(() =>
      writeTreeAtomically(
        dist,
        new Map([
          ['prod/a/x.yaml', 'a: 1\n'],
          ['prod/a/y.yaml', 'b: 2\n'],
        ]),
        {
          beforeSwap: () => {
            throw new Error('disk full');
          },
        },
      ),
    ).toThrow('disk full');
    expect(readTree(dist)).toEqual(
      new Map([
        ['prod/a/x.yaml', 'a: 1\n'],
        ['prod/a/y.yaml', 'b: 1\n'],
      ]),
    );
    expect(statSync(join(dist, 'prod/a/x.yaml')).nlink).toBe(1);
    expect(readdirSync(work)).toEqual(['dist']);
  });

  it('streams: files written one at a time replace dist/ only on commit, and an abort leaves it as it was', () => {
    const dist = join(work, 'dist');
    writeTreeAtomically(dist, new Map([['prod/a/x.yaml', 'a: 1\n']]));
    const aborted = new TreeWriter(dist);
    aborted.write('prod/b/y.yaml', 'b: 1\n');
    expect(readTree(dist)).toEqual(new Map([['prod/a/x.yaml', 'a: 1\n']]));
    aborted.abort();
    expect(readTree(dist)).toEqual(new Map([['prod/a/x.yaml', 'a: 1\n']]));
    expect(readdirSync(work)).toEqual(['dist']);

    const writer = new TreeWriter(dist);
    writer.write('prod/b/y.yaml', 'b: 1\n');
    writer.write('prod/a/x.yaml', 'a: 1\n');
    expect(() => writer.write('prod/a/x.yaml', 'a: 2\n')).toThrow('written twice');
    expect(readTree(dist)).toEqual(new Map([['prod/a/x.yaml', 'a: 1\n']]));
    expect(writer.commit()).toEqual({ written: 1, unchanged: 1 });
    expect(readTree(dist)).toEqual(
      new Map([
        ['prod/a/x.yaml', 'a: 1\n'],
        ['prod/b/y.yaml', 'b: 1\n'],
      ]),
    );
    expect(() => writer.write('prod/c/z.yaml', 'c: 1\n')).toThrow('already committed');
    expect(readdirSync(work)).toEqual(['dist']);
  });

  it('takes bytes as well as text: links a file of the same bytes, writes other bytes as they are (in this thread and in the background)', () => {
    for (const background of [false, true]) {
      const dist = join(work, `dist-${background}`);
      writeTreeAtomically(
        dist,
        new Map([
          ['prod/a/same.yaml', 'a: Müller 🚀\n'],
          ['prod/a/other.yaml', 'b: 1\n'],
        ]),
      );
      const inode = (p: string) => statSync(join(dist, p)).ino;
      const same = inode('prod/a/same.yaml');
      // Invalid UTF-8 is written as given (a text could not carry it), and bytes that decode alike are not alike.
      const invalid = Buffer.from([0x62, 0x3a, 0x20, 0xf0, 0x9f, 0x98, 0x0a]);
      const writer = new TreeWriter(dist, { background });
      writer.write('prod/a/same.yaml', Buffer.from('a: Müller 🚀\n'));
      writer.write('prod/a/other.yaml', invalid);
      writer.write('prod/b/new.yaml', Buffer.from('c: 1\n'));
      expect(writer.commit()).toEqual({ written: 2, unchanged: 1 });
      expect(inode('prod/a/same.yaml')).toBe(same);
      expect(readFileSync(join(dist, 'prod/a/same.yaml'), 'utf8')).toBe('a: Müller 🚀\n');
      expect(readFileSync(join(dist, 'prod/a/other.yaml'))).toEqual(invalid);
      expect(readFileSync(join(dist, 'prod/b/new.yaml'), 'utf8')).toBe('c: 1\n');
      // The same invalid bytes again: the same file (linked, not written).
      const other = inode('prod/a/other.yaml');
      const again = new TreeWriter(dist, { background });
      again.write('prod/a/same.yaml', 'a: Müller 🚀\n');
      again.write('prod/a/other.yaml', Buffer.from(invalid));
      again.write('prod/b/new.yaml', Buffer.from('c: 2\n'));
      expect(again.commit()).toEqual({ written: 1, unchanged: 2 });
      expect(inode('prod/a/other.yaml')).toBe(other);
    }
  });

  it('cleans up leftovers of an interrupted run', () => {
    const dist = join(work, 'dist');
    mkdirSync(join(work, '.dist-tmp-dist-12345', 'prod'), { recursive: true });
    writeTreeAtomically(dist, new Map([['prod/a/x.yaml', 'a: 1\n']]));
    expect(readdirSync(work)).toEqual(['dist']);
  });

  it("keeps Terraform's working files of the stacks it still writes, and nothing else unsynthesized", () => {
    const dist = join(work, 'dist');
    writeTreeAtomically(
      dist,
      new Map([
        ['terraform/prod-aws/cdk.tf.json', '{}\n'],
        ['terraform/old/cdk.tf.json', '{}\n'],
      ]),
    );
    const stack = join(dist, 'terraform', 'prod-aws');
    mkdirSync(join(stack, '.terraform', 'providers'), { recursive: true });
    writeFileSync(join(stack, '.terraform', 'providers', 'bin'), 'provider');
    writeFileSync(join(stack, '.terraform.lock.hcl'), 'lock');
    writeFileSync(join(stack, 'plan.tfplan'), 'plan');
    writeFileSync(join(stack, 'stray.txt'), 'not synthesized');
    mkdirSync(join(dist, 'terraform', 'old', '.terraform'), { recursive: true });
    expect(readTree(dist)).toEqual(
      new Map([
        ['terraform/old/cdk.tf.json', '{}\n'],
        ['terraform/prod-aws/cdk.tf.json', '{}\n'],
        ['terraform/prod-aws/stray.txt', 'not synthesized'],
      ]),
    );

    writeTreeAtomically(dist, new Map([['terraform/prod-aws/cdk.tf.json', '{"x":1}\n']]));
    expect(readFileSync(join(stack, '.terraform', 'providers', 'bin'), 'utf8')).toBe('provider');
    expect(readFileSync(join(stack, '.terraform.lock.hcl'), 'utf8')).toBe('lock');
    expect(readFileSync(join(stack, 'plan.tfplan'), 'utf8')).toBe('plan');
    expect(existsSync(join(stack, 'stray.txt'))).toBe(false);
    expect(existsSync(join(dist, 'terraform', 'old'))).toBe(false);
    expect(readTree(dist)).toEqual(new Map([['terraform/prod-aws/cdk.tf.json', '{"x":1}\n']]));
  });

  it('puts carried-over folders back when the swap fails', () => {
    const dist = join(work, 'dist');
    writeTreeAtomically(dist, new Map([['terraform/s/cdk.tf.json', '{}\n']]));
    mkdirSync(join(dist, 'terraform', 's', '.terraform'));
    writeFileSync(join(dist, 'terraform', 's', '.terraform', 'x'), 'x');
    expect(() =>
      writeTreeAtomically(dist, new Map([['terraform/s/cdk.tf.json', '{}\n']]), { carryOver: () => ['terraform/s/.terraform', '../escape'] }),
    ).toThrow('refusing to carry over');
    expect(readFileSync(join(dist, 'terraform', 's', '.terraform', 'x'), 'utf8')).toBe('x');
    expect(readdirSync(work)).toEqual(['dist']);
  });

  it('refuses paths that escape the output folder', () => {
    expect(() => writeTreeAtomically(join(work, 'dist'), new Map([['../evil.yaml', 'x']]))).toThrow('refusing to write outside');
    expect(existsSync(join(work, 'evil.yaml'))).toBe(false);
  });
});

describe('npm run synth', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'ceres-synth-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('refuses to remove a tenant (its namespace and database) unless told, then removes its files', () => {
    // Three renders, the last two of the same input: the render cache renders that once.
    withRenderCache(work, () => {
      // The live tenants plus one of the tests' own, in dev (the smallest environment): then its file goes.
      // The same folder on every run: the run's render cache then has this input from an earlier run.
      const tenants = renderCacheTenantsDir('engine-tenants');
      const out = join(work, 'dist');
      cpSync(DEFAULT_TENANTS_DIR, tenants, { recursive: true });
      writeFileSync(join(tenants, DEPARTING_TENANT.file), DEPARTING_TENANT.yaml);
      expect(runSynth(['--tenants', tenants, '--out', out, '--env', 'dev'], quiet)).toBe(0);
      const before = readTree(out);
      expect(before.has(`dev/${DEPARTING_TENANT.namespace}/namespace.yaml`)).toBe(true);
      rmSync(join(tenants, DEPARTING_TENANT.file));
      const err: string[] = [];
      expect(runSynth(['--tenants', tenants, '--out', out, '--env', 'dev'], { out: () => undefined, err: (l) => err.push(l) })).toBe(3);
      expect(err.join('\n')).toMatch(/synth refused: \d+ destructive changes nothing approved; nothing was written\./);
      expect(err.join('\n')).toContain(`dev:Namespace/${DEPARTING_TENANT.namespace}`);
      // The database lives in the primary cluster's databases folder (lib/core/database-topology.ts).
      expect(err.join('\n')).toContain(`dev@ceres-dev-aws:Cluster.postgresql.cnpg.io/${DEPARTING_TENANT.namespace}/${DEPARTING_TENANT.database}`);
      expect(readTree(out)).toEqual(before);
      expect(runSynth(['--tenants', tenants, '--out', out, '--env', 'dev', '--allow-destructive'], quiet)).toBe(0);
      expect([...readTree(out).keys()].filter((p) => p.includes(DEPARTING_TENANT.tenantId))).toEqual([]);
      rmSync(tenants, { recursive: true, force: true });
    });
  });

  it('leaves the output untouched when the input is bad, and says so', () => {
    const tenants = join(work, 'bad-tenants');
    const out = join(work, 'kept');
    mkdirSync(tenants, { recursive: true });
    mkdirSync(join(out, 'prod'), { recursive: true });
    writeFileSync(join(out, 'prod', 'x.yaml'), 'x: 1\n');
    writeFileSync(join(tenants, 'a.yaml'), 'apiVersion: ceres.io/v1\nkind: CeresTenant\nmetadata: { name: a }\nspec: {}\n');
    const err: string[] = [];
    expect(runSynth(['--tenants', tenants, '--out', out], { out: () => undefined, err: (l) => err.push(l) })).toBe(1);
    expect(err.join('\n')).toContain('spec.displayName: is required');
    expect(readTree(out)).toEqual(new Map([['prod/x.yaml', 'x: 1\n']]));
  });

  it('--env writes one environment exactly as a full synth does, and leaves the others alone', () => {
    const out = join(work, 'env-out');
    mkdirSync(join(out, 'dev', 'core'), { recursive: true });
    writeFileSync(join(out, 'dev', 'core', 'namespace.yaml'), 'kept: true\n');
    // An option of the command line: prod comes from the run's render cache (the shared synthesis
    // filled it; render-cache.test.ts proves it gives what rendering gives), as in the refusal test above.
    expect(withRenderCache(work, () => runSynth(['--out', out, '--env', 'prod'], quiet))).toBe(0);
    const written = readTree(out);
    expect(written.get('dev/core/namespace.yaml')).toBe('kept: true\n');
    const prod = [...first.files].filter(([p]) => p.startsWith('prod/') || p.startsWith('terraform/prod-'));
    expect(prod.length).toBeGreaterThan(10);
    for (const [p, c] of prod) expect({ p, same: written.get(p) === c }).toEqual({ p, same: true });
    expect([...written.keys()].filter((p) => p.startsWith('staging/') || p.startsWith('terraform/staging-'))).toEqual([]);
  });

  it('--check reports a stale output without writing it', () => {
    const out = join(work, 'stale');
    mkdirSync(join(out, 'dev'), { recursive: true });
    writeFileSync(join(out, 'dev', 'old.yaml'), 'x: 1\n');
    const err: string[] = [];
    // dev from the run's render cache, as in the tests above: what is checked is --check's report and that nothing is written.
    expect(withRenderCache(work, () => runSynth(['--out', out, '--check', '--env', 'dev'], { out: () => undefined, err: (l) => err.push(l) }))).toBe(1);
    expect(err).toContain('  - dev/old.yaml');
    expect(err).toContain('  + dev/core/namespace.yaml');
    expect(readTree(out)).toEqual(new Map([['dev/old.yaml', 'x: 1\n']]));
  });

  it('exits non-zero without a stack trace as a real process', () => {
    const tenants = join(work, 'proc-tenants');
    mkdirSync(tenants, { recursive: true });
    writeFileSync(join(tenants, 'a.yaml'), 'apiVersion: ceres.io/v1\nkind: Tenant\nmetadata: { name: a }\nspec: {}\n');
    // node with tsx's loader (the tsx command would start a second process to do the same).
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'apps/synth.ts', '--tenants', tenants, '--out', join(work, 'proc-out')], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('kind: "Tenant" is not a known kind; allowed: CeresTenant, CeresDatabase, CeresBackup');
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(work, 'proc-out'))).toBe(false);
  });
});

describe('reading the current tree beside the one replacing it (readTree with `same`)', () => {
  it("gives every file's content as on disk: the new tree's text where equal, what was read where not", () => {
    const dir = mkdtempSync(join(tmpdir(), 'ceres-readtree-'));
    try {
      mkdirSync(join(dir, 'prod', 'a'), { recursive: true });
      writeFileSync(join(dir, 'prod/a/same.yaml'), 'a: 1\n');
      writeFileSync(join(dir, 'prod/a/changed.yaml'), 'a: 2\n');
      writeFileSync(join(dir, 'prod/a/removed.yaml'), 'a: 3\n');
      const next = new Map([
        ['prod/a/same.yaml', 'a: 1\n'],
        ['prod/a/changed.yaml', 'a: 20\n'],
        ['prod/a/added.yaml', 'a: 4\n'],
      ]);
      const read = readTree(dir, () => true, next);
      expect(read).toEqual(readTree(dir));
      expect(read).toEqual(
        new Map([
          ['prod/a/changed.yaml', 'a: 2\n'],
          ['prod/a/removed.yaml', 'a: 3\n'],
          ['prod/a/same.yaml', 'a: 1\n'],
        ]),
      );
      expect(compareTree(read, next)).toEqual({ added: ['prod/a/added.yaml'], removed: ['prod/a/removed.yaml'], changed: ['prod/a/changed.yaml'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
