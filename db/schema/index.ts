// Every table of the Onsite metadata database. Each file holds one group of tables; drizzle-kit
// reads this module to generate migrations into db/migrations.
export * from './organizations.js';
export * from './audit-events.js';
export * from './partnerships.js';
export * from './projects.js';
export * from './gateways.js';
export * from './datasets.js';
export * from './models.js';
export * from './jobs.js';
