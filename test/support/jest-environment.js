'use strict';
/**
 * jest `testEnvironment`: Node's, with one V8 context for all the test files a worker runs, so that
 * the packages (and the generated CRD modules) that test/support/jest-runtime.js loads once per
 * worker are of the same realm as every test file: `constructor === Object`, `instanceof Array` and
 * `instanceof Error` hold across them as in a real process, where cdk8s's own code relies on them.
 *
 * Each test file still gets what jest's own environment gives it afresh: its own module registry
 * (the project's sources are loaded again for each file), its own `process` object (changes to
 * `process.env` stay in the file), mocks and fake timers, and jest's globals (`describe`, `expect`).
 * What a file would leave on the shared global object itself stays for the next file of the worker:
 * no test writes there (a test that needs to should restore it).
 *
 * CERES_TEST_ISOLATED=1 gives every file a context of its own again (jest's default), with the
 * packages loaded per file too (jest-runtime.js): to rule this sharing out when a test misbehaves.
 */
const { TestEnvironment: NodeEnvironment } = require('jest-environment-node');
const { ModuleMocker } = require('jest-mock');
const { LegacyFakeTimers, ModernFakeTimers } = require('@jest/fake-timers');

const ISOLATED = process.env.CERES_TEST_ISOLATED === '1';

/** The worker's first test file's context and global object. */
let shared;

class SharedContextEnvironment extends NodeEnvironment {
  constructor(config, context) {
    // jest's own set-up, on a context of its own: kept for the first file, whose context every later
    // file of the worker then uses.
    super(config, context);
    if (ISOLATED || !shared) {
      shared ??= { context: this.context, global: this.global };
      return;
    }
    const fresh = this.global;
    this.context = shared.context;
    this.global = shared.global;
    // jest's per-file process object (a copy of the worker's, with its own env), made for `fresh`.
    this.global.process = fresh.process;
    // As jest's NodeEnvironment makes them, for the shared global object.
    const { projectConfig } = config;
    this.moduleMocker = new ModuleMocker(this.global);
    this.fakeTimers = new LegacyFakeTimers({
      config: projectConfig,
      global: this.global,
      moduleMocker: this.moduleMocker,
      timerConfig: {
        idToRef: (id) => ({
          id,
          ref() {
            return this;
          },
          unref() {
            return this;
          },
        }),
        refToId: (timer) => timer?.id,
      },
    });
    this.fakeTimersModern = new ModernFakeTimers({ config: projectConfig, global: this.global });
  }
}

module.exports = SharedContextEnvironment;
module.exports.TestEnvironment = SharedContextEnvironment;
module.exports.ISOLATED = ISOLATED;
