/** Jest: TypeScript transpiled by esbuild (type-checking is `tsc -b`, a separate step of `npm test`). */
const os = require('node:os');

const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;

module.exports = {
  // jest's default is one worker less than the cores: one worker on a 2-core machine, where two
  // finish the suite sooner (the tests also wait on subprocesses: tsx, git, kubectl, the compiler).
  maxWorkers: Math.max(2, cores - 1),
  // One V8 context per worker, for the packages loaded once per worker (jest-runtime.js).
  testEnvironment: '<rootDir>/test/support/jest-environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': '<rootDir>/test/support/esbuild-transform.js',
    '/node_modules/.+\\.js$': '<rootDir>/test/support/strip-inline-map.js',
  },
  // The packages whose inline source maps are dropped (strip-inline-map.js); jest's default leaves
  // all of node_modules untransformed.
  transformIgnorePatterns: ['/node_modules/(?!(cdk8s|cdk8s-plus-28|cdktf|constructs|@cdktf/provider-[a-z]+)/)'],
  // Sources read once per worker instead of once per test file (jest-runtime.js).
  runtime: '<rootDir>/test/support/jest-runtime.js',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 60000,
  // cdktf's zip support, loaded on first use instead of with cdktf (test/support/lazy-archiver.js).
  moduleNameMapper: { '^archiver$': '<rootDir>/test/support/lazy-archiver.js' },
  setupFilesAfterEnv: ['<rootDir>/test/support/unmapped-captured-stacks.js'],
  // The default platform is synthesized once (or read back while nothing it is made of changed) and
  // shared by the test files (test/support/synthesis-cache.ts).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
