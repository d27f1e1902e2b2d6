// The project's own ESLint rules (plugin `ceres`), used by eslint.config.mjs.
//
// The plugin's version is a digest of the rules' sources: ESLint keys its cache on the configuration,
// plugins included by name@version, so editing a rule invalidates `npm run lint`'s cache.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import documentedProps from './documented-props.mjs';
import domainBoundaries from './domain-boundaries.mjs';

const RULE_FILES = ['documented-props.mjs', 'domain-boundaries.mjs'];
const digest = createHash('sha256');
for (const f of RULE_FILES) digest.update(readFileSync(new URL(f, import.meta.url)));

export default {
  meta: { name: 'ceres', version: digest.digest('hex').slice(0, 12) },
  rules: {
    'documented-props': documentedProps,
    'domain-boundaries': domainBoundaries,
  },
};
