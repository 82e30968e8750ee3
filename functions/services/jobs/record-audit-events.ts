import type { Executor } from '../../../db/client.js';
import { recordAuditEvent, type AuditEventInput } from '../audit/record-audit-event.js';

/**
 * Appends several audit events in one transaction, ordered by organization id. Each append locks
 * its organization's row, and taking those locks in one global order means two transactions that
 * both write to the chains of a hospital and of a partner can never wait on each other in a cycle.
 */
export async function recordAuditEvents(tx: Executor, events: AuditEventInput[]): Promise<void> {
  const ordered = events
    .map((event, position) => ({ event, position }))
    .sort((a, b) => (a.event.organizationId < b.event.organizationId ? -1 : a.event.organizationId > b.event.organizationId ? 1 : a.position - b.position));
  for (const { event } of ordered) {
    await recordAuditEvent(tx, event);
  }
}
