import { MAX_JOB_ROUNDS } from '@onsite/compute';
import type { StoredJobSettings } from '../../../db/schema/index.js';

/** Bounds and defaults of a job's settings; the API schema and the service share them. */
export const JOB_SETTINGS_LIMITS = {
  maxRounds: { min: 1, max: MAX_JOB_ROUNDS, default: 20 },
  /** Seconds a round stays open for results, 1 minute to 7 days; 1 hour by default. */
  roundDeadlineSeconds: { min: 60, max: 7 * 24 * 3600, default: 3600 },
  /**
   * Seconds a claim keeps a task without a heartbeat, 10 s to 1 hour; 5 minutes by default. A
   * gateway that stops heartbeating loses its task this long after its last heartbeat.
   */
  leaseSeconds: { min: 10, max: 3600, default: 300 },
  /** Leases a task may lose (expire) before it fails. */
  maxAttempts: { min: 1, max: 20, default: 3 },
} as const;

export interface JobSettingsInput {
  maxRounds?: number;
  /** Valid results a round needs; every site when omitted. */
  quorum?: number;
  roundDeadlineSeconds?: number;
  leaseSeconds?: number;
  maxAttempts?: number;
  options?: Record<string, unknown>;
}

/** Fills the defaults in; the quorum defaults to every site of the job. */
export function resolveJobSettings(input: JobSettingsInput, siteCount: number): StoredJobSettings {
  return {
    maxRounds: input.maxRounds ?? JOB_SETTINGS_LIMITS.maxRounds.default,
    quorum: input.quorum ?? siteCount,
    roundDeadlineSeconds: input.roundDeadlineSeconds ?? JOB_SETTINGS_LIMITS.roundDeadlineSeconds.default,
    leaseSeconds: input.leaseSeconds ?? JOB_SETTINGS_LIMITS.leaseSeconds.default,
    maxAttempts: input.maxAttempts ?? JOB_SETTINGS_LIMITS.maxAttempts.default,
    options: input.options ?? {},
  };
}
