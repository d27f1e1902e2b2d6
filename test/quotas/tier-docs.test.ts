import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tierTableMarkdown } from '../../lib/quotas/tier-docs';

describe('the tier table in docs/tenants.md', () => {
  it('is the table generated from the code', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'tenants.md'), 'utf8');
    const embedded = /<!-- tier-table:begin -->\n([\s\S]*?)\n<!-- tier-table:end -->/.exec(doc)?.[1];
    expect(embedded).toBe(tierTableMarkdown());
  });
});
