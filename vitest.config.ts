import { defineConfig } from 'vitest/config';

// One run covers every package: unit tests sit beside their code, cross-package and end-to-end
// tests live in test/. Database suites start their own PGlite (and use DATABASE_URL when set).
export default defineConfig({
  test: {
    include: ['{functions,gateway,db,infra,test,bench}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/cdk.out/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two workers on the 2-core CI machine: database suites wait on I/O often enough to overlap.
    maxWorkers: 2,
    globalSetup: ['./test/support/pglite-snapshot.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
