export * from './concordance.js';
export * from './cox-newton.js';
export * from './cox-site-data.js';
export * from './cox-site-graph.js';
export * from './cox-site-sums.js';
export * from './cox-summary.js';
export { chiSquareUpperTail, normalTwoSidedP, NORMAL_QUANTILE_975 } from './distributions.js';
