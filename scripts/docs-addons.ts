/**
 * Rewrites the add-on tables of README.md and docs/gitops.md from the platform catalog
 * (lib/gitops/addon-table.ts: the notes column is kept, edited by hand) and the tier tables of
 * README.md and docs/tenants.md (lib/quotas/tier-docs.ts). `npm run docs`; tests fail when a table is
 * stale (test/gitops/addon-table.test.ts, test/quotas/tier-docs.test.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { platformAddOns } from '../apps/platform/main';
import { composePlatform } from '../lib/core/composition';
import { withAddOnTable } from '../lib/gitops';
import { tierTableMarkdown } from '../lib/quotas';

const root = join(__dirname, '..');
const catalog = composePlatform(platformAddOns()).catalog;
for (const file of ['README.md', 'docs/gitops.md']) {
  const path = join(root, file);
  writeFileSync(path, withAddOnTable(readFileSync(path, 'utf8'), catalog));
}

// The tier tables (between <!-- tier-table:begin --> and <!-- tier-table:end -->).
for (const file of ['README.md', 'docs/tenants.md']) {
  const path = join(root, file);
  const doc = readFileSync(path, 'utf8');
  writeFileSync(
    path,
    doc.replace(/(<!-- tier-table:begin -->\n)[\s\S]*?(\n<!-- tier-table:end -->)/, (_m, a, b) => `${a}${tierTableMarkdown()}${b}`),
  );
}
