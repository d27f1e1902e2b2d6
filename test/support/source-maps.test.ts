import { knownQuantity } from '../../lib/core/quantity';

/**
 * Stack traces in a failing test point at TypeScript lines, though the transform hands jest the
 * source maps beside the code rather than inline (test/support/esbuild-transform.js).
 */
describe('stack traces under jest', () => {
  it('name the test file and the library source at their TypeScript lines', () => {
    const here = new Error('here').stack ?? '';
    expect(here).toMatch(/test\/support\/source-maps\.test\.ts:9:\d+/);
    let thrown = '';
    try {
      knownQuantity('not a quantity');
    } catch (err) {
      thrown = (err as Error).stack ?? '';
    }
    // The throw in lib/core/quantity.ts, at its line in the TypeScript source.
    const line =
      require('node:fs')
        .readFileSync(require.resolve('../../lib/core/quantity'), 'utf8')
        .split('\n')
        .findIndex((l: string) => l.includes('not a Kubernetes quantity')) + 1;
    expect(thrown).toMatch(new RegExp(`lib/core/quantity\\.ts:${line}:\\d+`));
  });
});
