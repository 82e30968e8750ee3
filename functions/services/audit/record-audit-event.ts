import { createHash } from 'node:crypto';
import { desc, eq, sql } from 'drizzle-orm';
import { canonicalJson } from '@onsite/compute';
import type { Executor } from '../../../db/client.js';
import { newId } from '../../../db/ids.js';
import { auditEvents, organizations } from '../../../db/schema/index.js';

/** Hash that opens every organization's chain. */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditActor {
  type: 'api_key' | 'gateway' | 'operator' | 'system';
  id: string;
}

export interface AuditEventInput {
  organizationId: string;
  actor: AuditActor;
  action: string;
  target: { type: string; id: string };
  data?: Record<string, unknown>;
  requestId?: string;
}

/** The fields an event's hash covers, in canonical JSON, so a verifier can recompute it. */
export function auditEventHash(event: {
  organizationId: string;
  sequence: number;
  actorType: string;
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  data: Record<string, unknown>;
  occurredAt: Date;
  previousHash: string;
}): string {
  const payload = canonicalJson({
    organizationId: event.organizationId,
    sequence: event.sequence,
    actorType: event.actorType,
    actorId: event.actorId,
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId,
    data: event.data,
    occurredAt: event.occurredAt.toISOString(),
    previousHash: event.previousHash,
  });
  return createHash('sha256').update(payload).digest('hex');
}

/**
 * Appends one event to the organization's chain. Call it inside the transaction that makes the
 * change, so the change and its record commit together. The organization row is locked first,
 * which serialises appends per organization and keeps the chain linear under concurrency.
 */
export async function recordAuditEvent(tx: Executor, input: AuditEventInput): Promise<void> {
  await tx.execute(sql`SELECT ${organizations.id} FROM ${organizations} WHERE ${organizations.id} = ${input.organizationId} FOR UPDATE`);

  const [last] = await tx
    .select({ sequence: auditEvents.sequence, hash: auditEvents.hash })
    .from(auditEvents)
    .where(eq(auditEvents.organizationId, input.organizationId))
    .orderBy(desc(auditEvents.sequence))
    .limit(1);

  // A JavaScript Date has millisecond precision, which PostgreSQL stores exactly, so the hash
  // recomputed from the stored row matches.
  const occurredAt = new Date();
  const event = {
    organizationId: input.organizationId,
    sequence: (last?.sequence ?? 0) + 1,
    actorType: input.actor.type,
    actorId: input.actor.id,
    action: input.action,
    targetType: input.target.type,
    targetId: input.target.id,
    data: input.data ?? {},
    occurredAt,
    previousHash: last?.hash ?? GENESIS_HASH,
  };

  await tx.insert(auditEvents).values({
    id: newId('auditEvent'),
    ...event,
    requestId: input.requestId ?? null,
    hash: auditEventHash(event),
  });
}
