import type { Executor } from '../../../db/client.js';
import { recordAuditEvent, type AuditEventInput } from '../audit/record-audit-event.js';

/**
 * Appends several audit events in one transaction, ordered by organization id. Each append locks
 * its organization's row. Taking those locks in one order means that two transactions writing to
 * the chains of both a hospital and a partner do not deadlock on the organization rows.
 */
export async function recordAuditEvents(tx: Executor, events: AuditEventInput[]): Promise<void> {
  // Array.prototype.sort is stable, so events of one organization keep their order.
  const ordered = [...events].sort((a, b) => compareIds(a.organizationId, b.organizationId));
  for (const event of ordered) {
    await recordAuditEvent(tx, event);
  }
}

function compareIds(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}
