import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS, EXIT, Io, runCli, wantsColor } from '../../apps/cli';
import { platform } from '../../apps/platform/platform';
import { describeCrash, PROJECT_ROOT, synthesize } from '../../apps/synthesize';
import { SynthError } from '../../lib/core/errors';
import { parseTenantInput } from '../../lib/core/input/documents';
import { withRenderCache } from '../support/render-cache-env';

/** Runs `ceres <argv>` and captures what it prints. */
function run(argv: string[], opts: { color?: boolean } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), color: opts.color, errColor: opts.color };
  const code = runCli(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('the ceres command line', () => {
  it.each(COMMANDS().map((c) => c.name))('%s --help lists its options and the generic ones, and runs nothing', (name) => {
    const r = run([name, '--help']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain(`ceres ${name}:`);
    for (const o of ['--env NAME', '--json', '--no-color', '--help']) expect(r.out).toContain(o);
    expect(r.err).toBe('');
  });

  it('verify runs on one environment, says in one line that rendering was skipped, and exits 0 with no findings', () => {
    const r = run(['verify', '--env', 'dev']);
    expect(r.err).toBe('');
    expect(r.out.split('\n')[0]).toMatch(/^Helm releases not rendered \(no --charts\)/);
    expect(r.out).toMatch(/^✓ dev\/ceres-dev-aws: \d+ objects, \d+ releases, 0 findings/m);
    expect(r.out).toMatch(/0 findings( and \d+ warnings)? from \d+ checks$/);
    expect(r.code).toBe(EXIT.ok);
  });

  it('verify --charts without a helm that answers is a usage error, before anything runs', () => {
    const r = run(['verify', '--env', 'dev', '--charts', '/nonexistent', '--helm', '/nonexistent/helm']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('no helm binary answers');
  });

  it('--help and help list the commands', () => {
    for (const argv of [['--help'], ['help'], ['-h']]) {
      const r = run(argv);
      expect(r.code).toBe(EXIT.ok);
      for (const c of COMMANDS()) expect(r.out).toContain(`  ${c.name}`);
    }
    expect(run(['help', 'diff']).out).toContain('ceres diff:');
    expect(run([]).code).toBe(EXIT.usage);
  });

  it('unknown options and commands are errors, with a hint, before anything runs', () => {
    expect(run(['synth', '--chek'])).toMatchObject({
      code: EXIT.usage,
      err: 'error: unknown option --chek (did you mean --check?); `ceres synth --help` lists the options',
    });
    expect(run(['diff', '--allow-destructve']).err).toContain('did you mean --allow-destructive?');
    expect(run(['synt'])).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('unknown command "synt" (did you mean synth?)') });
    expect(run(['synth', 'extra']).code).toBe(EXIT.usage);
    expect(run(['diff', '--base']).err).toContain('--base needs a value (--base REF)');
    expect(run(['synth', '--env', 'production']).err).toContain('--env production: no such environment; the platform has dev, staging, prod');
  });

  it('--json turns problems into one JSON document on stdout', () => {
    const work = mkdtempSync(join(tmpdir(), 'ceres-cli-'));
    try {
      writeFileSync(join(work, 'a.yaml'), 'apiVersion: ceres.io/v1\nkind: CeresTenant\nmetadata: { name: a }\nspec: { tenantId: a }\n');
      const r = run(['synth', '--json', '--tenants', work, '--out', join(work, 'out')]);
      expect(r.code).toBe(EXIT.problems);
      const doc = JSON.parse(r.out);
      expect(doc).toMatchObject({ ok: false, command: 'synth', error: 'input' });
      expect(doc.problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ document: 1, object: 'CeresTenant/a', path: 'spec.displayName', message: expect.stringContaining('is required') }),
        ]),
      );
      expect(JSON.parse(run(['synth', '--json', '--bogus']).out)).toMatchObject({ ok: false, error: 'usage' });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('diff --dist --json summarizes by environment and folder; --env limits it', () => {
    const work = mkdtempSync(join(tmpdir(), 'ceres-cli-'));
    // Five diffs of the same sources: the render cache renders once and reads back the other four.
    try {
      withRenderCache(work, () => {
        const dist = join(work, 'dist');
        cpSync(join(PROJECT_ROOT, 'dist'), dist, { recursive: true });
        rmSync(join(dist, 'prod', 'observability'), { recursive: true });
        writeFileSync(join(dist, 'dev', 'core', 'extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra, namespace: ceres }\n');
        const r = run(['diff', '--dist', dist, '--json']);
        expect(r.code).toBe(EXIT.ok);
        const doc = JSON.parse(r.out);
        expect(doc.review.areas).toEqual([
          { area: 'dev/core', added: 0, changed: 0, removed: 1, destructive: 0 },
          { area: 'prod/observability', added: expect.any(Number), changed: 0, removed: 0, destructive: 0 },
        ]);
        const prod = JSON.parse(run(['diff', '--dist', dist, '--json', '--env', 'prod']).out);
        expect(prod.review.areas.map((a: { area: string }) => a.area)).toEqual(['prod/observability']);
        const text = run(['diff', '--dist', dist, '--stat', '--env', 'dev']);
        expect(text.out).toMatch(/^0 added, 0 changed, 1 removed objects; 0 destructive against /);
        expect(text.out).not.toContain('\u001b['); // no colour unless asked for
        expect(run(['diff', '--dist', dist, '--stat', '--env', 'dev'], { color: true }).out).toContain('\u001b[');
        expect(run(['diff', '--dist', dist, '--stat', '--env', 'dev', '--no-color'], { color: true }).out).not.toContain('\u001b[');
      });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('colours only a terminal, never with NO_COLOR or in CI', () => {
    expect(wantsColor(true, {})).toBe(true);
    expect(wantsColor(false, {})).toBe(false);
    expect(wantsColor(true, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor(true, { CI: 'true' })).toBe(false);
    expect(wantsColor(true, {}, true)).toBe(false);
    expect(wantsColor(false, { FORCE_COLOR: '1' })).toBe(true);
  });
});

describe('a construct that throws', () => {
  it('becomes a located problem, without a stack trace', () => {
    const input = parseTenantInput([
      {
        path: 'apps/platform/tenants/acme.yaml',
        content:
          'apiVersion: ceres.io/v1\nkind: CeresTenant\nmetadata: { name: acme-tenant }\nspec: { displayName: A, tenantId: acme-001, keycloakRealm: a, databaseSchema: a, subscriptionLevel: starter }\n',
      },
    ]);
    const err = new Error(
      "Failed serializing construct at path 'prod/tenant-acme-001/workloads/api' with name 'api': Error: can't render non-simple object of type 'IntOrString'",
    );
    const text = describeCrash(err, 'while rendering prod', input);
    expect(text).toContain('while rendering prod: prod/tenant-acme-001/workloads/api: Failed serializing construct');
    expect(text).toContain('it comes from CeresTenant/acme-tenant (apps/platform/tenants/acme.yaml, document 1)');
    expect(text).not.toMatch(/\n\s+at /);
  });

  it('in the Terraform stacks points at the platform description', () => {
    const twoAws = JSON.parse(JSON.stringify(platform));
    const prod = twoAws.environments.find((e: { name: string }) => e.name === 'prod');
    const aws = prod.clusters.find((c: { cloud: string }) => c.cloud === 'aws');
    prod.clusters.push({ ...aws, name: 'ceres-prod-aws-2', role: 'secondary', networkCidr: '10.99.0.0/16' });
    let error: unknown;
    try {
      synthesize({ platform: twoAws, environments: ['prod'] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SynthError);
    const message = (error as SynthError).problems.join('\n');
    expect(message).toContain("while rendering the Terraform stacks: environment 'prod' has 2 aws clusters");
    expect(message).toContain('check apps/platform/platform.ts');
  });
});
