// zod's core namespace (`z.core`, node_modules/zod/v4/core/index.js) with only the English locale.
export * from '../../node_modules/zod/v4/core/index.js';
// Takes precedence over the `locales` member of the line above.
export * as locales from './locales.js';
