export * from './binary-site-data.js';
export * from './logistic-fedavg.js';
export * from './logistic-newton.js';
export * from './logistic-site-graph.js';
export * from './logistic-site-sums.js';
