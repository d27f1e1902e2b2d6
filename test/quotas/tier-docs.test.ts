import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tierTableMarkdown } from '../../lib/quotas/tier-docs';

describe.each(['docs/tenants.md', 'README.md'])('the tier table in %s', (file) => {
  it('is the table generated from the code', () => {
    const doc = readFileSync(join(__dirname, '..', '..', file), 'utf8');
    const embedded = /<!-- tier-table:begin -->\n([\s\S]*?)\n<!-- tier-table:end -->/.exec(doc)?.[1];
    expect(embedded).toBe(tierTableMarkdown());
  });
});
