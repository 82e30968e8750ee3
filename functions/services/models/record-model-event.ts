import type { Executor } from '../../../db/client.js';
import { recordAuditEvents } from '../jobs/record-audit-events.js';
import type { ServiceContext } from '../service-context.js';

/**
 * Records one model event in the chain of every organization it concerns: the model's creator and
 * each hospital whose dataset the model uses (their data officers approve its spec).
 */
export async function recordModelEvent(
  tx: Executor,
  context: ServiceContext,
  event: { organizationIds: readonly string[]; action: string; target: { type: string; id: string }; data: Record<string, unknown> },
): Promise<void> {
  const organizationIds = [...new Set(event.organizationIds)];
  await recordAuditEvents(
    tx,
    organizationIds.map((organizationId) => ({
      organizationId,
      actor: context.actor,
      action: event.action,
      target: event.target,
      data: event.data,
      ...(context.requestId ? { requestId: context.requestId } : {}),
    })),
  );
}
