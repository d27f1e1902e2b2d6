/** jest globalTeardown: removes this run's cached synthesis. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';

export default function globalTeardown(): void {
  const runId = process.env.CERES_TEST_RUN_ID;
  if (runId) rmSync(join(__dirname, '..', '..', 'node_modules', '.cache', 'ceres-test', `synthesis-${runId}.json`), { force: true });
}
