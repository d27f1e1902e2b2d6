/**
 * jest globalSetup: the default platform's synthesis for the whole run, synthesized once, or read
 * back when nothing it is made of changed since an earlier run (see synthesis-cache.ts).
 */
import { prepareSynthesis } from './synthesis-cache';

export default function globalSetup(): void {
  // Loaded only when synthesizing: reading a stored synthesis needs neither cdk8s nor cdktf.
  prepareSynthesis(() => (require('../../apps/synthesize') as typeof import('../../apps/synthesize')).synthesize());
}
