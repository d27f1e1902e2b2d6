import { defaultSynthesis } from '../support/synthesis-cache';

/**
 * One snapshot per environment: the reviewable form of what Argo CD will apply. The drift test
 * (engine.test.ts) guards dist/ itself; these make a change's effect visible per environment in
 * the test diff too. Update with `npx jest -u` after reviewing.
 */
describe('environment snapshots', () => {
  const { files } = defaultSynthesis();
  it.each(['dev', 'staging', 'prod'])('%s', (env) => {
    const envFiles = Object.fromEntries([...files].filter(([p]) => p.startsWith(`${env}/`)));
    expect(envFiles).toMatchSnapshot();
  });
});
