/** jest globalTeardown: removes a synthesis stored for this run only (one kept for later runs stays, see synthesis-cache.ts). */
import { rmSync } from 'node:fs';
import { basename } from 'node:path';

export default function globalTeardown(): void {
  const file = process.env.CERES_TEST_SYNTHESIS;
  if (file && basename(file).startsWith('synthesis-run-')) {
    rmSync(file, { force: true });
    // Its environments, stored beside it (synthesis-cache.ts).
    rmSync(file.replace(/\.json$/, '.environments.json'), { force: true });
  }
}
