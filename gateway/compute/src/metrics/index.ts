export * from './classification-site.js';
export * from './classification-summary.js';
export * from './concordance-site.js';
export * from './multiclass-site.js';
export * from './multiclass-summary.js';
export * from './roc.js';
export * from './score-counts-site.js';
