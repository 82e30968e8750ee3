// The one zod locale the Lambda bundles ship. NOTE: `z.locales.<other>` is undefined in those
// bundles, so `z.config(z.locales.fr())` would throw there. To use another locale in a Lambda
// function, export it here as well.
export { default as en } from '../../node_modules/zod/v4/locales/en.js';
