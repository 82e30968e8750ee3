// One definition of how every Lambda handler is bundled. The stacks pass it to NodejsFunction,
// and the bundle-size test and the import benchmark give the same options to esbuild's JS API,
// so what they measure is what gets deployed.
import { fileURLToPath } from 'node:url';

import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** Repository root: NodejsFunction's project root and the base of every entry path. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Matches the `nodejs22.x` Lambda runtime. */
export const BUNDLE_TARGET = 'node22';

/**
 * Database drivers for running locally, with their drizzle adapters. Every function's
 * DATABASE_DRIVER is `aws-data-api`, and db/client.ts loads a driver with a dynamic `import()`
 * only when selected, so Lambda never loads these. Bundled, they would add about 600 KB (PGlite
 * alone is over 500 KB minified). The adapters must stay external too: bundled, their static
 * imports of the drivers would move to the top of the ESM bundle and fail on load.
 */
export const LOCAL_ONLY_MODULES = [
  '@electric-sql/pglite',
  'pg',
  'drizzle-orm/pglite',
  'drizzle-orm/pglite/*',
  'drizzle-orm/node-postgres',
  'drizzle-orm/node-postgres/*',
];

/**
 * Modules left out of the bundle. The Node.js Lambda runtimes ship AWS SDK for JavaScript v3, so
 * bundling it again only adds size. NOTE: the runtime's SDK version differs from the one pinned
 * in package.json.
 */
export const EXTERNAL_MODULES = ['@aws-sdk/*', ...LOCAL_ONLY_MODULES];

/**
 * Module that replaces `zod` in every bundle: zod 4 with only its English locale, which is the one
 * the API's error messages use (see zod-english-only/index.ts). Leaving out the other locales made
 * each handler's bundle about 187 KiB smaller (zod 4.6.7, esbuild 0.28.2). The path is absolute
 * because esbuild resolves an alias target from its working directory.
 */
export const ZOD_ALIAS_TARGET = fileURLToPath(new URL('./zod-english-only/index.ts', import.meta.url));

// ESM output has no `require`, but some bundled CommonJS dependencies call it for Node built-ins.
const CREATE_REQUIRE_BANNER =
  "import { createRequire as __onsiteCreateRequire } from 'node:module'; const require = __onsiteCreateRequire(import.meta.url);";

// Prefer the ESM build of packages that ship both.
const MAIN_FIELDS = ['module', 'main'];

/** Bundling options shared by every function; stacks add `commandHooks` where they ship files. */
export const lambdaBundling: BundlingOptions = {
  minify: true,
  sourceMap: true,
  // Stack traces need the mappings only, so leave the sources out to keep the upload small.
  sourcesContent: false,
  // Write non-ASCII characters as UTF-8 rather than \uXXXX escapes, which Node.js reads the
  // same way. The escapes were about 70 KB of the API bundle while it held every zod locale, and
  // under 100 bytes with English only.
  // Passed as a raw argument: aws-cdk-lib 2.278 accepts a `charset` option but does not apply it.
  // BundlingOptions has no `alias` option, so the zod alias is a raw argument too.
  esbuildArgs: { '--charset': 'utf8', '--alias:zod': ZOD_ALIAS_TARGET },
  target: BUNDLE_TARGET,
  format: OutputFormat.ESM,
  mainFields: MAIN_FIELDS,
  banner: CREATE_REQUIRE_BANNER,
  externalModules: EXTERNAL_MODULES,
  // Use the esbuild installed in node_modules, never a Docker image.
  forceDockerBundling: false,
};

/**
 * Returns esbuild JS API options equivalent to `lambdaBundling`, writing `index.mjs` into
 * `outdir` as NodejsFunction does.
 */
export function esbuildOptionsFor(entryPath: string, outdir: string): BuildOptions {
  return {
    entryPoints: { index: entryPath },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    charset: 'utf8',
    target: BUNDLE_TARGET,
    format: 'esm',
    mainFields: MAIN_FIELDS,
    banner: { js: CREATE_REQUIRE_BANNER },
    external: EXTERNAL_MODULES,
    alias: { zod: ZOD_ALIAS_TARGET },
    logLevel: 'warning',
  };
}
