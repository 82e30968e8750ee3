import type { ApiApp } from '../../app.js';
import * as acceptPartnership from './accept-partnership.js';
import * as createPartnership from './create-partnership.js';
import * as declinePartnership from './decline-partnership.js';
import * as endPartnership from './end-partnership.js';
import * as getPartnership from './get-partnership.js';
import * as listPartnerships from './list-partnerships.js';

export function registerPartnershipRoutes(app: ApiApp): void {
  createPartnership.register(app);
  listPartnerships.register(app);
  getPartnership.register(app);
  acceptPartnership.register(app);
  declinePartnership.register(app);
  endPartnership.register(app);
}
