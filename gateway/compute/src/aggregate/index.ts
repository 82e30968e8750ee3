export * from './aggregate-round.js';
export * from './aggregation-error.js';
export * from './optimizer-state.js';
export * from './server-optimizer.js';
export * from './sum-updates.js';
export * from './validate-update.js';
