/**
 * Rewrites the add-on tables of README.md and docs/gitops.md from the platform catalog: chart,
 * pinned version, namespace and the clusters each add-on goes to come from the code; the notes
 * column is kept (edited by hand). `npm run docs`; test/gitops/app-of-apps.test.ts fails when a
 * table is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { platformAddOns } from '../apps/platform/main';
import { composePlatform } from '../lib/core/composition';
import { describePlacement } from '../lib/core/topology';

const root = join(__dirname, '..');
const charts = composePlatform(platformAddOns()).catalog.charts.filter((c) => (c.file ?? 'addons') === 'addons');
const host = (url: string) => url.replace(/^https?:\/\//, '').replace(/\/$/, '');
for (const file of ['README.md', 'docs/gitops.md']) {
  const path = join(root, file);
  const lines = readFileSync(path, 'utf8').split('\n');
  const header = lines.findIndex((l) => l.startsWith('| Add-on | Chart (repository) |'));
  if (header < 0) throw new Error(`${file}: no add-on table`);
  let end = header + 2;
  while (end < lines.length && lines[end].startsWith('|')) end++;
  const notes = new Map(lines.slice(header + 2, end).map((l) => [l.split('|')[1].trim(), l.split('|').slice(6, -1).join('|').trim()]));
  const rows = charts.map(
    (c) =>
      `| ${c.name} | ${c.chart.chart} (${host(c.chart.repoURL)}) | ${c.chart.version} | ${c.namespace} | ${describePlacement(c.placement)} | ${notes.get(c.name) ?? ''} |`,
  );
  lines.splice(header + 2, end - header - 2, ...rows);
  writeFileSync(path, lines.join('\n'));
}

// The tier tables (between <!-- tier-table:begin --> and <!-- tier-table:end -->).
import { tierTableMarkdown } from '../lib/quotas';
for (const file of ['README.md', 'docs/tenants.md']) {
  const path = join(root, file);
  const doc = readFileSync(path, 'utf8');
  writeFileSync(
    path,
    doc.replace(/(<!-- tier-table:begin -->\n)[\s\S]*?(\n<!-- tier-table:end -->)/, (_m, a, b) => `${a}${tierTableMarkdown()}${b}`),
  );
}
