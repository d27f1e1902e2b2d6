/**
 * jest globalSetup: the default platform's synthesis for the whole run, synthesized once, or read
 * back when nothing it is made of changed since an earlier run (see synthesis-cache.ts).
 */
import { prepareSynthesis } from './synthesis-cache';

export default function globalSetup(): void {
  // Loaded only when synthesizing: reading a stored synthesis needs neither cdk8s nor cdktf.
  prepareSynthesis((renderCache) => {
    const { synthesize } = require('../../apps/synthesize') as typeof import('../../apps/synthesize');
    const { RenderCache } = require('../../lib/core/render-cache') as typeof import('../../lib/core/render-cache');
    // Filled while synthesizing (it starts empty): what withRenderCache reads (render-cache-env.ts).
    return synthesize({ cache: RenderCache.fromEnvironment({ ...process.env, ...renderCache }) });
  });
}
