import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

import { z } from 'zod';

import { columnSchemaSchema, datasetCountsSchema } from '../data/index.js';
import { isTemporaryFileName, writeJsonAtomic } from './atomic-write.js';
import { parseStateFile, readOptionalJson, StateFileError } from './config.js';
import { statePaths } from './state-dir.js';

/**
 * The local dataset registry: one JSON file per dataset in `datasets/`. It keeps the file's path,
 * schema and exact counts on the site; what the cloud receives is decided when registering.
 */
export const datasetRecordSchema = z
  .object({
    /** Local id, `lds_` followed by 16 hex digits. */
    localId: z.string().regex(/^lds_[0-9a-f]{16}$/),
    /** Id the cloud assigned when the dataset was registered there; absent until then. */
    cloudId: z.string().min(1).optional(),
    name: z.string().min(1).max(200),
    /** Absolute path of the data file on this machine. */
    filePath: z.string().min(1),
    format: z.enum(['csv', 'parquet']),
    /** SHA-256 of the file when it was added, to notice that the file changed since. */
    fileSha256: z.string().regex(/^[0-9a-f]{64}$/),
    schema: z.array(columnSchemaSchema),
    counts: datasetCountsSchema,
    registeredAt: z.iso.datetime(),
    cloudRegisteredAt: z.iso.datetime().optional(),
  })
  .strict();
export type DatasetRecord = z.infer<typeof datasetRecordSchema>;

export type NewDatasetRecord = Omit<DatasetRecord, 'localId' | 'registeredAt' | 'cloudId' | 'cloudRegisteredAt'>;

/** Stores a new dataset under a fresh local id; names must be unique on the gateway. */
export async function addDataset(stateDir: string, dataset: NewDatasetRecord, now: Date = new Date()): Promise<DatasetRecord> {
  const existing = await listDatasets(stateDir);
  if (existing.some((record) => record.name === dataset.name)) {
    throw new StateFileError(`a dataset named "${dataset.name}" already exists; choose another --name`);
  }

  const record = datasetRecordSchema.parse({
    ...dataset,
    localId: `lds_${randomBytes(8).toString('hex')}`,
    registeredAt: now.toISOString(),
  });
  await writeJsonAtomic(datasetPath(stateDir, record.localId), record);
  return record;
}

/** Lists the registered datasets, oldest first. */
export async function listDatasets(stateDir: string): Promise<DatasetRecord[]> {
  const folder = statePaths(stateDir).datasets;

  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }

  const records: DatasetRecord[] = [];
  for (const name of names) {
    if (isTemporaryFileName(name) || !name.endsWith('.json')) {
      continue;
    }
    const path = join(folder, name);
    records.push(parseStateFile(datasetRecordSchema, await readOptionalJson(path), path));
  }
  return records.sort((a, b) => a.registeredAt.localeCompare(b.registeredAt) || a.name.localeCompare(b.name));
}

/** Finds a dataset by local id, cloud id or name. */
export async function findDataset(stateDir: string, reference: string): Promise<DatasetRecord | undefined> {
  const records = await listDatasets(stateDir);
  return records.find((record) => record.localId === reference || record.cloudId === reference || record.name === reference);
}

/** Records the id the cloud assigned to a dataset and returns the updated record. */
export async function setDatasetCloudId(
  stateDir: string,
  localId: string,
  cloudId: string,
  now: Date = new Date(),
): Promise<DatasetRecord> {
  const path = datasetPath(stateDir, localId);
  const content = await readOptionalJson(path);
  if (content === undefined) {
    throw new StateFileError(`dataset ${localId} not found in the local registry; list datasets with "onsite-gateway dataset list"`);
  }

  const record = parseStateFile(datasetRecordSchema, content, path);
  const updated: DatasetRecord = { ...record, cloudId, cloudRegisteredAt: now.toISOString() };
  await writeJsonAtomic(path, datasetRecordSchema.parse(updated));
  return updated;
}

function datasetPath(stateDir: string, localId: string): string {
  if (!/^lds_[0-9a-f]{16}$/.test(localId)) {
    throw new StateFileError(`invalid local dataset id "${localId}"; ids look like lds_0123456789abcdef`);
  }
  return join(statePaths(stateDir).datasets, `${localId}.json`);
}
