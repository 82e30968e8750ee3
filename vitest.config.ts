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
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
