import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { platformAddOns } from '../../apps/platform/main';
import { composePlatform } from '../../lib/core/composition';
import { ADDON_TABLE_HEADER, withAddOnTable } from '../../lib/gitops';

const catalog = composePlatform(platformAddOns()).catalog;

describe.each(['README.md', 'docs/gitops.md'])('the add-on table in %s', (file) => {
  const doc = readFileSync(join(__dirname, '..', '..', file), 'utf8');

  it('is the table generated from the code (run `npm run docs` when this fails)', () => {
    expect(withAddOnTable(doc, catalog)).toBe(doc);
  });

  it('has a row for every chart and every directory of git manifests the app of apps installs, with its pinned version', () => {
    const rows = doc.split('\n').filter((l) => l.startsWith('| '));
    const inAddOns = (f: string | undefined) => (f ?? 'addons') === 'addons';
    const pinned = [
      ...catalog.charts.filter((c) => inAddOns(c.file)).map((c) => [c.name, c.chart.version]),
      ...catalog.manifests.filter((m) => inAddOns(m.file)).map((m) => [m.name, m.source.tag]),
    ];
    expect(pinned.length).toBeGreaterThan(catalog.manifests.length);
    for (const [name, version] of pinned) expect(rows.some((r) => r.startsWith(`| ${name} |`) && r.split('|')[3].trim() === version)).toBe(true);
  });
});

describe('withAddOnTable', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs/gitops.md'), 'utf8');

  it('rewrites a stale version and keeps the notes', () => {
    const chart = catalog.charts.find((c) => (c.file ?? 'addons') === 'addons')!;
    const row = doc.split('\n').find((l) => l.startsWith(`| ${chart.name} |`))!;
    const stale = doc.replace(row, row.replace(` ${chart.chart.version} `, ' 0.0.1 '));
    expect(stale).not.toBe(doc);
    expect(withAddOnTable(stale, catalog)).toBe(doc);
  });

  it('refuses a document without the table', () => {
    expect(() => withAddOnTable(doc.replace(ADDON_TABLE_HEADER, '| Something else |'), catalog)).toThrow('no add-on table');
  });
});
