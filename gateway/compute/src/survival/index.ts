export * from './kaplan-meier-counts.js';
export * from './kaplan-meier-site.js';
export * from './kaplan-meier-summary.js';
export * from './log-rank.js';
