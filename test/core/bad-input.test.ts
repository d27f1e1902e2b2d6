import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSynth } from '../../apps/synth';
import { PROJECT_ROOT } from '../../apps/synthesize';
import { formatIssue, InputError } from '../../lib/core/errors';
import { loadTenantInput } from '../../lib/core/input/load';
import { readTree } from '../../lib/core/tree';
import { backup, CASES, tenant, tenantSpec } from './bad-input-cases';

/**
 * Malformed tenant input must be refused with a message naming the file, the document, the field
 * and what is allowed; the exit code is non-zero, no stack trace is printed and dist/ is untouched.
 */

describe('bad tenant input', () => {
  let work: string;
  let out: string;
  let before: Map<string, string>;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'ceres-bad-input-'));
    out = join(work, 'dist');
    mkdirSync(join(out, 'prod', 'core'), { recursive: true });
    writeFileSync(join(out, 'prod', 'core', 'namespace.yaml'), 'committed: content\n');
    writeFileSync(join(out, 'stale.yaml'), 'kept: because nothing is written\n');
    before = readTree(out);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(CASES)('refuses %s', (_name, content, expected) => {
    const dir = join(work, 'input');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(join(dir, 'bad.yaml'), content);
    const err: string[] = [];
    const code = runSynth(['--tenants', dir, '--out', out], { out: () => undefined, err: (l) => err.push(l) });
    const text = err
      .join('\n')
      .split(work + '/')
      .join('');
    expect(code).toBe(1);
    expect(text).toMatch(/^synth failed; nothing was written\.\n\d+ problems? in the platform input:/);
    for (const line of expected) expect(text).toContain(`  - ${line}`);
    expect(text).not.toMatch(/\n\s+at /); // no stack trace
    expect(readTree(out)).toEqual(before);
  });

  it('reports every problem of every file together', () => {
    const dir = join(work, 'input');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.yaml'), tenant(tenantSpec({ subscriptionLevel: 'gold' })));
    writeFileSync(join(dir, 'b.yaml'), backup({ retentionDays: '0', schedulePolicy: '"* * *"' }));
    const err: string[] = [];
    expect(runSynth(['--tenants', dir, '--out', out], { out: () => undefined, err: (l) => err.push(l) })).toBe(1);
    const text = err.join('\n');
    expect(text).toContain('3 problems in the platform input');
    expect(text).toContain('input/a.yaml, document 1 (CeresTenant/bad-tenant): spec.subscriptionLevel');
    expect(text).toContain('input/b.yaml, document 1 (CeresBackup/bad-backup): spec.schedulePolicy');
    expect(text).toContain('input/b.yaml, document 1 (CeresBackup/bad-backup): spec.retentionDays');
    expect(readTree(out)).toEqual(before);
  });
});

/**
 * The mistakes a new user made (issue 14): each gives one clear, located message and a non-zero
 * exit, and nothing else (no parser noise, no consequences of the same mistake, no stack trace).
 */
describe('mistakes caught at the first command', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'ceres-mistakes-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Runs synth on tenant files; returns the exit code and stderr with the work folder stripped. */
  const synthWith = (files: Record<string, string>) => {
    const dir = join(work, 'tenants');
    rmSync(dir, { recursive: true, force: true });
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    const err: string[] = [];
    const code = runSynth(['--tenants', dir, '--out', join(work, 'out')], { out: () => undefined, err: (l) => err.push(l) });
    return { code, text: err.join('\n').split(`${work}/`).join('') };
  };
  const EXAMPLE = readFileSync(join(PROJECT_ROOT, 'apps/platform/tenants/acme.yaml'), 'utf8');
  const BACKUPS = readFileSync(join(PROJECT_ROOT, 'apps/platform/tenants/backups.yaml'), 'utf8');

  it('one bad indentation: one message with line, column and a source excerpt with a caret', () => {
    const bad = EXAMPLE.replace('\n  tenantId: acme-001', '\n   tenantId: acme-001');
    const { code, text } = synthWith({ 'acme.yaml': bad, 'backups.yaml': BACKUPS });
    expect(code).toBe(1);
    expect(text).toContain('1 problem in the platform input');
    const line = bad.split('\n').findIndex((l) => l.includes('   tenantId: acme-001')) + 1;
    expect(text).toMatch(/tenants\/acme\.yaml, document 1: YAML syntax error at line \d+, column \d+: .*check the indentation/);
    expect(text).toContain(`${line} |    tenantId: acme-001`);
    expect(text).toMatch(/\n\s+\| +\^/);
    expect(text).not.toContain('matches no namespace'); // the backup of tenant-acme-001 is not blamed too
    expect(text).not.toContain('no CeresTenant has tenantId'); // nor its database
  });

  it('a misspelt field: the field, not its database or the backup glob naming its namespace', () => {
    const { code, text } = synthWith({ 'acme.yaml': EXAMPLE.replace('  tenantId: acme-001', '  tenantID: acme-001'), 'backups.yaml': BACKUPS });
    expect(code).toBe(1);
    expect(text).toContain('2 problems in the platform input'); // the unknown field, and the required one it misses
    expect(text).toContain('spec.tenantID: unknown field (did you mean "tenantId"?)');
    expect(text).toContain('spec.tenantId: is required');
    expect(text).not.toContain('matches no namespace');
    expect(text).not.toContain('no CeresTenant has tenantId');
  });

  it('a 9 MB `kubectl get -o yaml` dump: one message, fast, without parsing it', () => {
    const item =
      '- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: web-0\n    namespace: default\n  spec:\n    containers:\n    - name: web\n      image: nginx\n';
    const dump = `apiVersion: v1\nitems:\n${item.repeat(Math.ceil((9 * 1024 * 1024) / item.length))}kind: List\nmetadata:\n  resourceVersion: ""\n`;
    const t0 = performance.now();
    const { code, text } = synthWith({ 'dump.yaml': dump, 'acme.yaml': EXAMPLE });
    expect(performance.now() - t0).toBeLessThan(15000);
    expect(code).toBe(1);
    expect(text).toContain('1 problem in the platform input');
    expect(text).toContain('tenants/dump.yaml: not a CERES input file: its first document has apiVersion "v1"');
    expect(text.length).toBeLessThan(1000);
  });

  it('a small foreign file (Helm values, a Deployment): once, not once per document', () => {
    const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec: {}\n---\n';
    const { code, text } = synthWith({ 'web.yaml': deployment.repeat(40) });
    expect(code).toBe(1);
    expect(text).toContain('1 problem in the platform input');
    expect(text).toContain('tenants/web.yaml: not a CERES input file: its first document has apiVersion "apps/v1", kind "Deployment"');
  });

  it('caps the problems of one file and counts the rest', () => {
    const docs = Array.from({ length: 25 }, (_, i) =>
      tenant(tenantSpec({ tenantId: `t-${i}`, keycloakRealm: `r-${i}`, subscriptionLevel: 'gold' }), `t${i}`),
    ).join('---\n');
    const { code, text } = synthWith({ 'many.yaml': docs });
    expect(code).toBe(1);
    expect(text.match(/spec\.subscriptionLevel: "gold" is not allowed/g)).toHaveLength(10);
    expect(text).toContain('tenants/many.yaml: 15 more problems in this file not shown; fix these first');
  });

  it('YAML in a sub-folder of the tenants folder is reported, not ignored', () => {
    const { code, text } = synthWith({ 'acme.yaml': EXAMPLE, 'team-a/globex.yaml': EXAMPLE.replace(/acme/g, 'globex') });
    expect(code).toBe(1);
    expect(text).toContain('1 problem in the platform input');
    expect(text).toContain('tenants/team-a/globex.yaml: sub-folders of tenants/ are not read; move the file into tenants/ itself');
  });

  it('a CERES document of another kind in the tenants folder says where it belongs', () => {
    const { code, text } = synthWith({
      'approved.yaml': 'apiVersion: ceres.io/v1\nkind: CeresApprovedDeletions\nmetadata: { name: x }\nspec: { deletions: [] }\n',
    });
    expect(code).toBe(1);
    expect(text).toContain(
      'kind: a CeresApprovedDeletions document does not belong among the tenant documents; move it to apps/platform/approved-deletions.yaml',
    );
  });

  it('an empty optional field is reported instead of silently meaning the default', () => {
    const { code, text } = synthWith({ 'acme.yaml': tenant(`${tenantSpec({}).slice(0, -2)}, environments: }`) });
    expect(code).toBe(1);
    expect(text).toContain('spec.environments: is empty; give a list of one of "dev", "staging", "prod", or remove the line for the default');
  });

  it('YAML files outside the tenants folder are reported (apps/platform/*.yaml, apps/platform/tenant/)', () => {
    const root = join(work, 'project');
    rmSync(root, { recursive: true, force: true });
    mkdirSync(join(root, 'apps', 'platform', 'tenants'), { recursive: true });
    mkdirSync(join(root, 'apps', 'platform', 'tenant'), { recursive: true });
    writeFileSync(join(root, 'apps', 'platform', 'tenants', 'acme.yaml'), EXAMPLE);
    writeFileSync(join(root, 'apps', 'platform', 'globex.yaml'), EXAMPLE.replace(/acme/g, 'globex'));
    writeFileSync(join(root, 'apps', 'platform', 'tenant', 'initech.yaml'), EXAMPLE.replace(/acme/g, 'initech'));
    writeFileSync(
      join(root, 'apps', 'platform', 'approved-deletions.yaml'),
      'apiVersion: ceres.io/v1\nkind: CeresApprovedDeletions\nmetadata: { name: a }\nspec: { deletions: [] }\n',
    );
    let error: unknown;
    try {
      loadTenantInput({
        dir: join(root, 'apps', 'platform', 'tenants'),
        root,
        strayScan: { appsDir: join(root, 'apps'), known: ['apps/platform/approved-deletions.yaml'] },
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues.map(formatIssue)).toEqual([
      'apps/platform/globex.yaml: this CeresTenant is not read: tenant documents (CeresTenant, CeresDatabase, CeresBackup) go directly in apps/platform/tenants/',
      'apps/platform/tenant/initech.yaml: this CeresTenant is not read: tenant documents (CeresTenant, CeresDatabase, CeresBackup) go directly in apps/platform/tenants/',
    ]);
  });
});
