import { timestamp } from 'drizzle-orm/pg-core';

/** Timestamps are stored with time zone and read as Date objects; the API renders them in UTC. */
export const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
export const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
export const timestampColumn = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
