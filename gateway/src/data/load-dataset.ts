import type { ColumnDeclarations, ColumnSchema } from './column-schema.js';
import { loadTable, type DataFileFormat, type LoadedTable } from './load-table.js';

/** The parts of a registered dataset needed to load it again as it was registered. */
export interface RegisteredDataFile {
  filePath: string;
  format: DataFileFormat;
  fileSha256: string;
  schema: readonly ColumnSchema[];
}

/**
 * Loads a registered dataset for a task. The file must still have the SHA-256 it had when it was
 * added, because the data officer approved the dataset as described then. Every column is read with
 * its registered type and levels, so the table matches the registered schema even if a later
 * gateway version infers types differently. The returned schema marks every column as declared.
 */
export async function loadRegisteredDataset(dataset: RegisteredDataFile): Promise<LoadedTable> {
  const declarations: ColumnDeclarations = Object.fromEntries(
    dataset.schema.map((column) => [
      column.name,
      column.type === 'categorical' && column.levels !== undefined
        ? { type: column.type, levels: [...column.levels] }
        : { type: column.type },
    ]),
  );

  return loadTable(dataset.filePath, { declarations, format: dataset.format, expectedSha256: dataset.fileSha256 });
}
