// zod's classic API (node_modules/zod/v4/classic/external.js) with only the English locale. Its
// namespace is the `z` that index.ts exports.
export * from '../../node_modules/zod/v4/classic/external.js';
// These two explicit exports take precedence over the members of the same name in the line above.
export * as core from './core.js';
export * as locales from './locales.js';
