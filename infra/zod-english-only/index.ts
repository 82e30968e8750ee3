// Stand-in for the `zod` package in the Lambda bundles: infra/bundling.ts aliases `zod` to this
// file. It exports what zod 4's root module (node_modules/zod/index.js) exports, except that
// `locales` and `core.locales` contain only `en`.
//
// Why: @hono/zod-openapi passes the whole `z` namespace to `extendZodWithOpenApi(z)`, so esbuild
// must build every member of that namespace object, and `z.locales` with it: about 190 KiB of
// minified locale messages in zod 4.6.7. The messages do not change, because zod's classic
// schemas install their default error map from `locales/en.js` directly, not through
// `z.locales`.
//
// The paths into node_modules are relative because the esbuild alias also rewrites every
// `zod/...` subpath to start from this file.
import * as z from './external.js';

export * from './external.js';
export { z, z as default };
