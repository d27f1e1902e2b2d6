// ESLint (flat config), run by `npm run lint` and `npm test` on apps/ lib/ test/ scripts/ bin/ bench/.
//
// Syntax-only rules (no type information, no `parserOptions.project`) so that a cold run takes
// seconds and a cached run well under one; the type checker is `npm run typecheck`.
// The project's own rules live in scripts/eslint-rules/ (plugin `ceres`).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import ceres from './scripts/eslint-rules/index.mjs';

export default defineConfig(
  // Generated code (imports/ by `npm run import`, dist/ and cdktf.out/ by synth) is not linted.
  { ignores: ['dist/', 'imports/', 'node_modules/', 'cdktf.out/', 'coverage/', 'schemas/'] },

  js.configs.recommended,
  tseslint.configs.recommended,
  { plugins: { ceres } },

  {
    rules: {
      // Regular expressions that match control characters on purpose: the launcher and the CLI
      // strip ANSI colour escapes, the YAML emitter and the input reader escape or refuse C0 characters.
      'no-control-regex': 'off',
      // `let [ns, name] = …` where only `ns` is reassigned stays one destructuring.
      'prefer-const': ['error', { destructuring: 'all' }],
      // `const { excerpt: _excerpt, ...rest } = issue` drops a field; `_`-prefixed names are unused on purpose
      // (the same convention as tsc's noUnusedParameters).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },

  // Plain JavaScript run by Node: the launcher (CommonJS), the Jest transform, the .mjs scripts.
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: { ...globals.node } } },
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },

  // `require('./synth') as typeof import('./synth')` is how apps/, bench/ and tests load a module
  // lazily (commands load when the CLI runs; a module read after the environment is set). lib/ has none.
  { files: ['apps/**', 'bench/**', 'test/**'], rules: { '@typescript-eslint/no-require-imports': 'off' } },

  // `any` is the type of parsed YAML/JSON that code walks field by field: the checks over rendered
  // manifests (lib/verify/, the *-checks.ts of the domains) and the tests that read them. Elsewhere in
  // lib/ it is an error (the few parsed-document entry points say so in a disable comment).
  { files: ['lib/verify/**', 'lib/**/*-checks.ts', 'test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },

  // Dependency rules (docs/architecture.md): domains meet through lib/<domain>/index.ts, lib/core imports
  // no domain, lib/ imports no app. Tests are white-box and exempt.
  { files: ['lib/**', 'apps/**', 'bench/**', 'scripts/**', 'bin/**'], rules: { 'ceres/domain-boundaries': 'error' } },

  // The Kubernetes kinds come through lib/core/k8s.ts, which loads them with linear converters
  // (lib/core/k8s-linear.ts); a direct import could load the module before its hook is in place.
  {
    files: ['lib/**', 'apps/**', 'bench/**', 'test/**'],
    ignores: ['lib/core/k8s.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['cdk8s-plus-28', 'cdk8s-plus-28/*'], message: 'import the Kubernetes kinds from lib/core/k8s (linear converters)' }],
        },
      ],
    },
  },

  // Members of exported interfaces carry a doc comment.
  { files: ['lib/**/*.ts'], rules: { 'ceres/documented-props': 'error' } },
);
