import type { partnershipMembers, partnerships } from '../../../db/schema/index.js';

export type PartnershipRow = typeof partnerships.$inferSelect;
export type PartnershipMemberRow = typeof partnershipMembers.$inferSelect;

/** A member organization with its name, so callers can tell partners apart without another request. */
export type PartnershipMember = PartnershipMemberRow & { organizationName: string };

export interface PartnershipWithMembers {
  partnership: PartnershipRow;
  /** Every member, the proposer first, then by organization id. */
  members: PartnershipMember[];
}
