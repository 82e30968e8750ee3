import { eq } from 'drizzle-orm';
import { projects } from '../../../db/schema/index.js';
import type { ServiceContext } from '../service-context.js';
import { recordPartnershipEvent } from '../partnerships/record-partnership-event.js';
import { assertProjectActive } from './assert-project-active.js';
import { getVisibleProject, type ProjectRow } from './get-visible-project.js';

/** Renames or redescribes an active project; the change is recorded in every member's chain. */
export async function updateProject(
  context: ServiceContext,
  organizationId: string,
  projectId: string,
  changes: { name?: string; description?: string },
): Promise<ProjectRow> {
  return context.db.transaction(async (tx) => {
    const before = await getVisibleProject(tx, organizationId, projectId, { lock: true });
    assertProjectActive(before);

    const [after] = await tx
      .update(projects)
      .set({ ...changes, updatedAt: context.now })
      .where(eq(projects.id, projectId))
      .returning();
    if (!after) throw new Error(`project ${projectId} vanished while locked`);

    const changed: Record<string, { from: string; to: string }> = {};
    if (changes.name !== undefined) changed.name = { from: before.name, to: changes.name };
    if (changes.description !== undefined) changed.description = { from: before.description, to: changes.description };
    await recordPartnershipEvent(tx, context, {
      partnershipId: before.partnershipId,
      actorOrganizationId: organizationId,
      action: 'project.updated',
      target: { type: 'project', id: projectId },
      data: { changes: changed },
    });
    return after;
  });
}
