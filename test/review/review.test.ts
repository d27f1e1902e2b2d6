import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runSynth } from '../../apps/synth';
import { DEFAULT_TENANTS_DIR, inEnvironments, PROJECT_ROOT, synthesize } from '../../apps/synthesize';
import { platform } from '../../apps/platform/platform';
import { InputError } from '../../lib/core/errors';
import { parseApprovals } from '../../lib/core/input/approvals';
import { readTree } from '../../lib/core/tree';
import { renderCacheTenantsDir, withRenderCache } from '../support/render-cache-env';
import { stacksOnlyCache } from '../support/fixture-stacks';
import { fixtureSynthesis } from '../support/synthesis-cache';
import { DEPARTING_TENANT } from '../support/departing-tenant';
import { toYamlStream } from '../../lib/core/yaml';
import { diffDist, objectRef } from '../../lib/review/manifest-diff';
import { formatSummary, matchesApproval, reviewDiff, reviewToJson, summarizeAreas } from '../../lib/review/review';

const committed = readTree(join(PROJECT_ROOT, 'dist'));
const approvalsFile = (entries: [string, string][]) => ({
  path: 'apps/platform/approved-deletions.yaml',
  content: `apiVersion: ceres.io/v1\nkind: CeresApprovedDeletions\nmetadata: { name: approved-deletions }\nspec:\n  deletions:\n${entries.map(([o, r]) => `    - object: "${o}"\n      reason: ${r}\n`).join('')}`,
});

describe('approved deletions', () => {
  it('match object references, * within one part', () => {
    expect(matchesApproval('prod:Namespace/tenant-a', 'prod:Namespace/tenant-a')).toBe(true);
    expect(matchesApproval('prod:Namespace/tenant-a', '*:Namespace/tenant-a')).toBe(true);
    expect(matchesApproval('prod:Cluster.postgresql.cnpg.io/tenant-a/pg', 'prod:*/tenant-a/*')).toBe(true);
    expect(matchesApproval('prod:Namespace/tenant-ab', 'prod:Namespace/tenant-a')).toBe(false);
    expect(matchesApproval('prod:Cluster.postgresql.cnpg.io/tenant-a/pg', 'prod:*')).toBe(false);
    expect(matchesApproval('prodx:Namespace/a', 'prod:Namespace/a')).toBe(false);
  });

  it('are validated like other input: a reason is required, CERES tenant kinds are refused', () => {
    expect(() => parseApprovals(approvalsFile([['prod:Namespace/x', '""']]))).toThrow(InputError);
    expect(() => parseApprovals({ path: 'a.yaml', content: 'apiVersion: ceres.io/v1\nkind: CeresTenant\nmetadata: { name: a }\nspec: {}\n' })).toThrow(
      'CeresTenant documents go in apps/platform/tenants/',
    );
    expect(() => parseApprovals(approvalsFile([['prod Namespace x', 'a valid reason here']]))).toThrow('is not an object as synth and diff print it');
    expect(parseApprovals(approvalsFile([['prod:Namespace/x', 'Offboarded, OPS-1']]))).toEqual([
      { object: 'prod:Namespace/x', reason: 'Offboarded, OPS-1', source: { file: 'apps/platform/approved-deletions.yaml', document: 1, index: 0 } },
    ]);
  });
});

describe('destructive changes of the live platform, by any route', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'ceres-destructive-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('an emptied tenant file (a botched merge) is refused, writing nothing, unless approved', () => {
    withRenderCache(work, () => {
      // The live tenants plus one of the tests' own (a tenant and its database in one file), rendered
      // for dev, the smallest environment: then that file is emptied.
      // The same folder on every run: the run's render cache then has this input from an earlier run.
      const tenants = renderCacheTenantsDir('review-tenants');
      const out = join(work, 'dist');
      cpSync(DEFAULT_TENANTS_DIR, tenants, { recursive: true });
      writeFileSync(join(tenants, DEPARTING_TENANT.file), DEPARTING_TENANT.yaml);
      const quiet = { out: () => undefined, err: () => undefined };
      expect(runSynth(['--tenants', tenants, '--out', out, '--env', 'dev'], quiet)).toBe(0);
      const before = readTree(out);
      expect(before.has(`dev/${DEPARTING_TENANT.namespace}/namespace.yaml`)).toBe(true);

      writeFileSync(join(tenants, DEPARTING_TENANT.file), '');
      const err: string[] = [];
      expect(runSynth(['--tenants', tenants, '--out', out, '--env', 'dev'], { out: () => undefined, err: (l) => err.push(l) })).toBe(3);
      const text = err.join('\n');
      expect(text).toContain(`dev:Namespace/${DEPARTING_TENANT.namespace}`);
      // The database lives in the primary cluster's databases folder (lib/core/database-topology.ts).
      expect(text).toContain(`dev@ceres-dev-aws:Cluster.postgresql.cnpg.io/${DEPARTING_TENANT.namespace}/${DEPARTING_TENANT.database}`);
      expect(readTree(out)).toEqual(before);

      // Approved with a reason, committed with the change: synth goes ahead and says what it approved.
      const approvals = join(work, 'approved-deletions.yaml');
      writeFileSync(
        approvals,
        approvalsFile([
          [`*:*/${DEPARTING_TENANT.namespace}`, 'Departing offboarded (OPS-42), data exported'],
          [`*:*/${DEPARTING_TENANT.namespace}/*`, 'Departing offboarded (OPS-42)'],
          [`*:Application.argoproj.io/argocd/*-${DEPARTING_TENANT.namespace}`, 'Departing offboarded (OPS-42)'],
        ]).content,
      );
      const lines: string[] = [];
      expect(
        runSynth(['--tenants', tenants, '--out', out, '--env', 'dev', '--approvals', approvals], { out: (l) => lines.push(l), err: (l) => lines.push(l) }),
      ).toBe(0);
      expect(lines.join('\n')).toContain('Destructive changes approved in');
      expect([...readTree(out).keys()].filter((p) => p.includes(DEPARTING_TENANT.tenantId))).toEqual([]);
      rmSync(tenants, { recursive: true, force: true });
    });
  });

  it('a removed cluster takes its add-on Applications (finalizers, CRDs, databases) and Terraform resources: all flagged', () => {
    const next = JSON.parse(JSON.stringify(platform));
    const prod = next.environments.find((e: { name: string }) => e.name === 'prod');
    prod.clusters = prod.clusters.filter((c: { cloud: string }) => c.cloud !== 'gcp');
    // prod alone: the environment that lost the cluster, against its part of the committed dist/.
    const prodOnly = inEnvironments(['prod']);
    // The review is what is tested, not the render: prod of that platform is synthesized once for the
    // run's code (which covers the live tenants of apps/) and read back by later runs.
    const synthesized = fixtureSynthesis({ platform: next, environments: ['prod'] }, () =>
      synthesize({ platform: next, environments: ['prod'], cache: stacksOnlyCache() }),
    );
    const review = reviewDiff(diffDist(new Map([...committed].filter(([p]) => prodOnly(p))), synthesized.files));
    const refs = review.unapproved.map((c) => objectRef(c.id));
    expect(refs).toEqual(
      expect.arrayContaining(['prod@ceres-prod-gcp:Application.argoproj.io/argocd/kube-prometheus-stack', 'prod@ceres-prod-gcp:Namespace/monitoring']),
    );
    expect(refs.filter((r) => r.startsWith('terraform/prod-gcp:'))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/google_container_cluster/),
        expect.stringMatching(/google_sql_database_instance/),
        expect.stringMatching(/google_storage_bucket\./),
      ]),
    );
    expect(summarizeAreas(review.diff).find((a) => a.area === 'prod/clusters/ceres-prod-gcp/argocd')!.destructive).toBeGreaterThanOrEqual(5);
    // Nothing else is destructive: the other clusters render as committed.
    expect(refs.filter((r) => !r.startsWith('prod@ceres-prod-gcp:') && !r.startsWith('terraform/prod-gcp:'))).toEqual([]);
  });

  it('a removed add-on (its Application cascades deletion) is flagged', () => {
    const file = 'prod/clusters/ceres-prod-aws/argocd/addons.yaml';
    const objects = parseAllDocuments(committed.get(file)!).map((d) => d.toJS());
    const next = new Map(committed);
    next.set(file, toYamlStream(objects.filter((o) => o.metadata.name !== 'cloudnative-pg')));
    const review = reviewDiff(diffDist(committed, next));
    expect(review.unapproved.map((c) => objectRef(c.id))).toEqual(['prod@ceres-prod-aws:Application.argoproj.io/argocd/cloudnative-pg']);
    expect(formatSummary(review).join('\n')).toContain('resources-finalizer');
  });

  it('lists approvals that match nothing, and gives JSON for machines', () => {
    const approvals = parseApprovals(approvalsFile([['prod:Namespace/gone', 'Left over from an earlier change']]));
    const review = reviewDiff(diffDist(committed, committed), approvals);
    expect(review.unusedApprovals).toHaveLength(1);
    expect(formatSummary(review).join('\n')).toContain('match nothing in this change');
    expect(reviewToJson(review)).toMatchObject({
      counts: { added: 0, changed: 0, removed: 0, destructive: 0 },
      unusedApprovals: [{ object: 'prod:Namespace/gone' }],
    });
  });
});
