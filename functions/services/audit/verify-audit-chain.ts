import { and, asc, eq, gt } from 'drizzle-orm';
import type { Executor } from '../../../db/client.js';
import { auditEvents } from '../../../db/schema/index.js';
import { GENESIS_HASH, auditEventHash } from './record-audit-event.js';

export interface AuditChainReport {
  valid: boolean;
  eventsChecked: number;
  /** The first event whose link does not hold, with the reason; absent when the chain is intact. */
  firstBrokenLink?: { sequence: number; eventId: string; reason: string };
}

const BATCH_SIZE = 500;

/** Recomputes an organization's chain from the first event and reports the first broken link. */
export async function verifyAuditChain(db: Executor, organizationId: string): Promise<AuditChainReport> {
  let expectedPrevious = GENESIS_HASH;
  let expectedSequence = 1;
  let checked = 0;

  for (;;) {
    const batch = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.organizationId, organizationId), gt(auditEvents.sequence, expectedSequence - 1)))
      .orderBy(asc(auditEvents.sequence))
      .limit(BATCH_SIZE);

    for (const event of batch) {
      const broken = (reason: string): AuditChainReport => ({
        valid: false,
        eventsChecked: checked,
        firstBrokenLink: { sequence: event.sequence, eventId: event.id, reason },
      });

      if (event.sequence !== expectedSequence) return broken(`sequence ${expectedSequence} is missing`);
      if (event.previousHash !== expectedPrevious) return broken('previous_hash does not match the hash of the event before it');
      if (auditEventHash(event) !== event.hash) return broken('hash does not match the event content; the event was altered');

      expectedPrevious = event.hash;
      expectedSequence += 1;
      checked += 1;
    }

    if (batch.length < BATCH_SIZE) return { valid: true, eventsChecked: checked };
  }
}
