/** Jest: TypeScript transpiled by esbuild (type-checking is `tsc --noEmit`, a separate step of `npm test`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/test/support/esbuild-transform.js' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 60000,
  // The default platform is synthesized once per run and shared by the test files (test/support/synthesis-cache.ts).
  setupFilesAfterEnv: ['<rootDir>/test/support/unmapped-captured-stacks.js'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
