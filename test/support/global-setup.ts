/** jest globalSetup: synthesizes the default platform once for the whole run (see synthesis-cache.ts). */
import { synthesize } from '../../apps/synthesize';
import { storeSynthesis } from './synthesis-cache';

export default function globalSetup(): void {
  storeSynthesis(synthesize());
}
