// The site policy and the checks that enforce it before any computation and before any release.
export * from './check-task.js';
export * from './dataset-summary.js';
export * from './disclosure.js';
export * from './site-policy.js';
