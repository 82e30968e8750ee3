import type { SitePrivacy } from '@onsite/compute';

import type { SitePolicy } from '../policy/index.js';

/** Builds the privacy settings a computation receives from the site policy. */
export function sitePrivacyFromPolicy(policy: SitePolicy): SitePrivacy {
  return {
    minCellSize: policy.minCellSize,
    smallCellAction: policy.smallCellAction,
    exactEventTimes: policy.releaseExactEventTimes,
    timeGridDays: policy.eventTimeBinDays,
    exactScores: policy.releaseExactScores,
  };
}
