export * from './descriptive-plan.js';
export * from './descriptive-site.js';
export * from './descriptive-summary.js';
export { normalQuantile, normalUpperTail } from './normal-distribution.js';
export * from './site-graph.js';
export * from './site-layout.js';
export * from './suppression.js';
