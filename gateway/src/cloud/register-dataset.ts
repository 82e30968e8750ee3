import type { RegisterWithCloud } from '../commands/context.js';
import { summarizeDatasetForRelease } from '../policy/index.js';
import { readConfig } from '../state/index.js';
import { createApiClient, dataOrThrow } from './api-client.js';
import type { FetchFunction } from './gateway-cloud.js';

/** Column types the cloud stores; `text` columns (identifiers, free text) are never described to it. */
const CLOUD_COLUMN_TYPES = new Set(['integer', 'number', 'categorical', 'boolean']);

/**
 * Returns the `registerWithCloud` hook of `dataset add` for an enrolled state folder: it sends the
 * dataset's description as the site policy releases it (schema, rounded row count), never a row
 * and never the per-level counts, which the cloud does not store. It throws when the folder is
 * not enrolled; `dataset add` then keeps the dataset local and prints why.
 */
export function createRegisterWithCloud(options: { fetch?: FetchFunction } = {}): RegisterWithCloud {
  return async ({ stateDir, dataset, policy }) => {
    const config = await readConfig(stateDir);
    if (config.apiUrl === undefined || config.gatewayId === undefined || config.credential === undefined) {
      throw new Error('this gateway is not enrolled; run "onsite-gateway enroll --api URL --token TOKEN" first');
    }

    const release = summarizeDatasetForRelease(policy, dataset);
    if (!release.allowed) {
      throw new Error(`the site policy does not allow describing dataset "${dataset.name}" to the cloud: ${release.reason}`);
    }

    const columns = release.summary.columns
      .filter((column) => CLOUD_COLUMN_TYPES.has(column.type))
      .map((column) => ({
        name: column.name,
        type: column.type as 'integer' | 'number' | 'categorical' | 'boolean',
        ...(column.unit === undefined ? {} : { unit: column.unit }),
        ...(column.type === 'categorical' && column.levels !== undefined ? { levels: column.levels } : {}),
      }));

    const client = createApiClient({
      baseUrl: config.apiUrl,
      token: config.credential,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
    const registered = dataOrThrow(
      await client.POST('/v1/datasets', { body: { name: dataset.name, description: '', columns, rowCount: release.summary.rowCount } }),
    );
    return { cloudId: registered.id };
  };
}

/** Returns whether a state folder contains a gateway credential, so `dataset add` should register in the cloud. */
export async function isEnrolled(stateDir: string): Promise<boolean> {
  const config = await readConfig(stateDir);
  return config.gatewayId !== undefined && config.credential !== undefined;
}
