export * from './local-training.js';
export * from './network-config.js';
export * from './seeded-random.js';
export * from './server-round.js';
export * from './train-step-graph.js';
export * from './spec-config.js';
