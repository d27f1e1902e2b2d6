/** Jest: TypeScript transpiled by esbuild (type-checking is `tsc --noEmit`, a separate step of `npm test`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/test/support/esbuild-transform.js' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 60000,
  setupFilesAfterEnv: ['<rootDir>/test/support/unmapped-captured-stacks.js'],
  // The default platform is synthesized once (or read back while nothing it is made of changed) and
  // shared by the test files (test/support/synthesis-cache.ts).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
