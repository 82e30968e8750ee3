import { defineConfig } from 'drizzle-kit';

// drizzle-kit only reads the schema and writes SQL here; it never connects to a database.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema/index.ts',
  out: './db/migrations',
});
