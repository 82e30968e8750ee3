import { MODEL_FAMILIES } from '@onsite/compute';
import { z } from 'zod';

import { writeJsonAtomic } from '../state/atomic-write.js';
import { parseStateFile, readOptionalJson } from '../state/config.js';
import { statePaths } from '../state/state-dir.js';

/**
 * The site policy: what this hospital lets leave its gateway, whatever the cloud requests. It is
 * stored as `policy.json` in the state folder and set by the data officer with `policy set`.
 * Every field has a default, so an empty file (or none) is the default policy.
 */
export const sitePolicySchema = z
  .object({
    /** Project ids whose tasks may run, or `all`. By default none may, until the data officer lists them. */
    allowedProjects: z
      .union([z.literal('all'), z.array(z.string().regex(/^prj_[a-z0-9]+$/, 'a project id starts with "prj_"; copy it from the project in the API'))])
      .default([]),
    /** Model families that may run, or `all` (default). */
    allowedModelFamilies: z.union([z.literal('all'), z.array(z.enum(MODEL_FAMILIES))]).default('all'),
    /** Dataset columns a task may read, or `all` (default). */
    allowedColumns: z.union([z.literal('all'), z.array(z.string().min(1))]).default('all'),
    /** Smallest number of patients a task may compute on (default 10). */
    minCohortSize: z.number().int().min(1).default(10),
    /** Smallest count a released table cell (a count, a Kaplan–Meier risk set) may show (default 10). */
    minCellSize: z.number().int().min(1).default(10),
    /** Action for a cell below `minCellSize`: `suppress` the cell (default) or `refuse` the whole release. */
    smallCellAction: z.enum(['suppress', 'refuse']).default('suppress'),
    /** Whether exact event times may leave the site; when false (default) they are binned. */
    releaseExactEventTimes: z.boolean().default(false),
    /** Whether evaluations may send the rows per distinct predicted score (exact AUC); else only histograms. */
    releaseExactScores: z.boolean().default(false),
    /** Width of the event-time bins, in days (default 30). */
    eventTimeBinDays: z.number().positive().finite().default(30),
    /** Highest round number a job may reach on this site (default 100). */
    maxRoundsPerJob: z.number().int().min(1).default(100),
    /** Largest L2 norm of an update that may leave the site; unset (default) means no bound. */
    maxUpdateNorm: z.number().positive().finite().optional(),
    /** Released row counts are rounded to a multiple of this (default 1, exact). */
    roundCountsTo: z.number().int().min(1).default(1),
  })
  .strict();
export type SitePolicy = z.infer<typeof sitePolicySchema>;
export type SitePolicyKey = keyof SitePolicy;

export const DEFAULT_SITE_POLICY: SitePolicy = sitePolicySchema.parse({});

/** Reads `policy.json`, returning the default policy when the file does not exist. */
export async function readSitePolicy(stateDir: string): Promise<SitePolicy> {
  const path = statePaths(stateDir).policy;
  return parseStateFile(sitePolicySchema, (await readOptionalJson(path)) ?? {}, path);
}

/** Validates and stores the site policy. */
export async function writeSitePolicy(stateDir: string, policy: SitePolicy): Promise<void> {
  await writeJsonAtomic(statePaths(stateDir).policy, sitePolicySchema.parse(policy));
}

/** Raised for a `key=value` assignment that names no policy field or gives it an invalid value. */
export class PolicyAssignmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyAssignmentError';
  }
}

const LIST_KEYS = new Set<SitePolicyKey>(['allowedProjects', 'allowedModelFamilies', 'allowedColumns']);
const BOOLEAN_KEYS = new Set<SitePolicyKey>(['releaseExactEventTimes', 'releaseExactScores']);
const TEXT_KEYS = new Set<SitePolicyKey>(['smallCellAction']);

/**
 * Applies `key=value` assignments to a policy and validates the result. Lists are comma-separated
 * (`allowedProjects=prj_a,prj_b`, or `all`, or empty for none), booleans are `true`/`false`, and
 * `maxUpdateNorm=none` removes the bound.
 */
export function applyPolicyAssignments(current: SitePolicy, assignments: readonly string[]): SitePolicy {
  const keys = Object.keys(sitePolicySchema.shape) as SitePolicyKey[];
  const next: Record<string, unknown> = { ...current };

  for (const assignment of assignments) {
    const separator = assignment.indexOf('=');
    if (separator === -1) {
      throw new PolicyAssignmentError(`"${assignment}" is not a key=value assignment, for example minCellSize=10`);
    }
    const key = assignment.slice(0, separator).trim() as SitePolicyKey;
    const value = assignment.slice(separator + 1).trim();
    if (!keys.includes(key)) {
      throw new PolicyAssignmentError(`unknown policy key "${key}"; valid keys: ${keys.join(', ')}`);
    }
    next[key] = parseAssignedValue(key, value);
    if (next[key] === undefined) {
      delete next[key];
    }
  }

  const result = sitePolicySchema.safeParse(next);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new PolicyAssignmentError(`invalid policy: ${issues}`);
  }
  return result.data;
}

function parseAssignedValue(key: SitePolicyKey, value: string): unknown {
  if (LIST_KEYS.has(key)) {
    if (value === 'all') {
      return 'all';
    }
    return value === '' ? [] : [...new Set(value.split(',').map((item) => item.trim()).filter((item) => item !== ''))];
  }
  if (BOOLEAN_KEYS.has(key)) {
    if (value !== 'true' && value !== 'false') {
      throw new PolicyAssignmentError(`${key} must be true or false, got "${value}"`);
    }
    return value === 'true';
  }
  if (TEXT_KEYS.has(key)) {
    return value;
  }
  if (key === 'maxUpdateNorm' && value === 'none') {
    return undefined;
  }
  const number = value === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(number)) {
    throw new PolicyAssignmentError(`${key} must be a number, got "${value}"`);
  }
  return number;
}
