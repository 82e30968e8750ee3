import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one plain closing line, `N passed, N failed, N skipped`, after vitest's own summary so
 * that CI reads the counts without parsing vitest's decorated output. Errors raised outside any
 * test (a file that fails to import, a failing hook, an unhandled rejection) count as failures.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;

    for (const testModule of testModules) {
      const moduleErrors = testModule.errors().length;
      failed += moduleErrors;

      let failedTests = 0;
      for (const testCase of testModule.children.allTests()) {
        const state = testCase.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failedTests += 1;
        else skipped += 1;
      }
      failed += failedTests;

      // A failing beforeAll marks its tests skipped and fails the file: count the file once.
      if (testModule.state() === 'failed' && failedTests === 0 && moduleErrors === 0) failed += 1;
    }

    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
