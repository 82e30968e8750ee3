import { resolve } from 'node:path';

import type { Command } from 'commander';

import {
  COLUMN_TYPES,
  columnDeclarationSchema,
  countTable,
  loadTable,
  type ColumnDeclaration,
  type ColumnDeclarations,
  type ColumnSchema,
  type DatasetCounts,
} from '../data/index.js';
import { readSitePolicy } from '../policy/index.js';
import { addDataset, appendAuditEvent, ensureStateDir, findDataset, listDatasets, setDatasetCloudId, type DatasetRecord } from '../state/index.js';
import { collectValues, CommandInputError, parseColumnAssignments, type CommandContext, type CommandRegistration } from './context.js';

interface DatasetAddOptions {
  name: string;
  type: string[];
  levels: string[];
  unit: string[];
  format?: 'csv' | 'parquet';
  dryRun?: boolean;
  json?: boolean;
}

/** Registers `dataset add`, `dataset register` and `dataset list`. */
export const registerDatasetCommands: CommandRegistration = (program, context) => {
  const dataset = program.command('dataset').description('describe local data files for federated jobs');

  dataset
    .command('add')
    .description('load a CSV or Parquet file, infer its schema and counts, and store it in the local registry')
    .argument('<file>', 'CSV (RFC 4180, UTF-8, header row) or Parquet file')
    .requiredOption('--name <name>', 'dataset name, unique on this gateway')
    .option('--type <column=type>', `declare a column's type (${COLUMN_TYPES.join(', ')}); repeatable`, collectValues, [])
    .option('--levels <column=a,b,...>', "declare a categorical column's levels, in order; repeatable", collectValues, [])
    .option('--unit <column=unit>', "record a column's unit, for example tsize=mm; repeatable", collectValues, [])
    .option('--format <format>', 'csv or parquet (default: from the file extension)')
    .option('--dry-run', 'print the schema and counts without storing anything')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: DatasetAddOptions, command: Command) => {
      await addDatasetCommand(context, command, file, options);
    });

  dataset
    .command('register')
    .description("send a locally stored dataset's description to the cloud, for one whose registration failed")
    .argument('<dataset>', 'name, local id or cloud id of the dataset')
    .option('--json', 'print the result as JSON')
    .action(async (reference: string, options: { json?: boolean }, command: Command) => {
      const stateDir = context.stateDir(command);
      const record = await findDataset(stateDir, reference);
      if (record === undefined) {
        throw new CommandInputError(`no dataset named or numbered "${reference}" on this gateway; see "onsite-gateway dataset list"`);
      }
      if (record.cloudId !== undefined) {
        throw new CommandInputError(`dataset "${record.name}" is already registered in the cloud as ${record.cloudId}`);
      }
      if (context.deps.registerWithCloud === undefined) {
        throw new CommandInputError('this gateway is not enrolled yet; run "onsite-gateway enroll --api URL --token TOKEN" first');
      }
      const updated = await registerWithCloudIfConnected(context, stateDir, record);
      if (options.json === true) {
        context.output.json(updated);
        return;
      }
      context.output.line(`Dataset "${updated.name}" registered in the cloud as ${updated.cloudId ?? '(unknown)'}.`);
    });

  dataset
    .command('list')
    .description('list the datasets in the local registry')
    .option('--json', 'print the list as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const records = await listDatasets(context.stateDir(command));
      if (options.json === true) {
        context.output.json(records);
        return;
      }
      if (records.length === 0) {
        context.output.line('No datasets yet. Add one with "onsite-gateway dataset add FILE --name NAME".');
        return;
      }
      context.output.table(
        records.map((record) => [
          record.name,
          record.localId,
          record.cloudId ?? '(not registered)',
          record.format,
          String(record.counts.rowCount),
          String(record.schema.length),
          record.registeredAt,
          record.filePath,
        ]),
        ['NAME', 'LOCAL ID', 'CLOUD ID', 'FORMAT', 'ROWS', 'COLUMNS', 'ADDED', 'FILE'],
      );
    });
};

async function addDatasetCommand(context: CommandContext, command: Command, file: string, options: DatasetAddOptions): Promise<void> {
  if (options.format !== undefined && options.format !== 'csv' && options.format !== 'parquet') {
    throw new CommandInputError(`--format "${options.format}" is not supported; use csv or parquet`);
  }
  const declarations = parseDeclarations(options);
  const filePath = resolve(file);

  const progress = context.output.progress('reading');
  const loaded = await loadTable(filePath, {
    declarations,
    ...(options.format === undefined ? {} : { format: options.format }),
    onProgress: (fraction) => progress.update(fraction),
  });
  progress.done();
  const counts = countTable(loaded.table);

  if (options.dryRun === true) {
    printDataset(context, options, { schema: loaded.schema, counts }, undefined);
    return;
  }

  const stateDir = context.stateDir(command);
  await ensureStateDir(stateDir);
  let record = await addDataset(
    stateDir,
    { name: options.name, filePath, format: loaded.format, fileSha256: loaded.sha256, schema: loaded.schema, counts },
    context.now(),
  );
  await appendAuditEvent(
    stateDir,
    {
      type: 'dataset.added',
      details: { localId: record.localId, name: record.name, format: record.format, fileSha256: record.fileSha256 },
    },
    context.now(),
  );

  record = await registerWithCloudIfConnected(context, stateDir, record);
  printDataset(context, options, record, record);
}

/**
 * Runs the cloud registration step when the CLI was given one (an enrolled gateway). The dataset
 * is already stored locally, so a failure here leaves it registered on the site only.
 */
async function registerWithCloudIfConnected(context: CommandContext, stateDir: string, record: DatasetRecord): Promise<DatasetRecord> {
  const register = context.deps.registerWithCloud;
  if (register === undefined) {
    return record;
  }

  const policy = await readSitePolicy(stateDir);
  let cloudId: string;
  try {
    ({ cloudId } = await register({ stateDir, dataset: record, policy }));
  } catch (error) {
    throw new Error(
      `dataset "${record.name}" is stored locally as ${record.localId}, but registering it with the cloud failed: ` +
        `${(error as Error).message}. Retry with "onsite-gateway dataset register ${record.localId}"`,
      { cause: error },
    );
  }
  const updated = await setDatasetCloudId(stateDir, record.localId, cloudId, context.now());
  await appendAuditEvent(stateDir, { type: 'dataset.registered', details: { localId: record.localId, cloudId } }, context.now());
  return updated;
}

function parseDeclarations(options: DatasetAddOptions): ColumnDeclarations {
  const draft = new Map<string, Record<string, unknown>>();
  const declare = (column: string) => draft.get(column) ?? draft.set(column, {}).get(column)!;

  for (const [column, type] of parseColumnAssignments('--type', options.type)) {
    declare(column).type = type;
  }
  for (const [column, levels] of parseColumnAssignments('--levels', options.levels)) {
    declare(column).levels = levels.split(',').map((level) => level.trim());
  }
  for (const [column, unit] of parseColumnAssignments('--unit', options.unit)) {
    declare(column).unit = unit;
  }

  const declarations: Record<string, ColumnDeclaration> = {};
  for (const [column, declaration] of draft) {
    const result = columnDeclarationSchema.safeParse(declaration);
    if (!result.success) {
      const issues = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
      throw new CommandInputError(`invalid declaration for column "${column}": ${issues}`);
    }
    declarations[column] = result.data;
  }
  return declarations;
}

function printDataset(
  context: CommandContext,
  options: DatasetAddOptions,
  dataset: { schema: ColumnSchema[]; counts: DatasetCounts },
  record: DatasetRecord | undefined,
): void {
  const { output } = context;
  if (options.json === true) {
    output.json(record ?? { name: options.name, dryRun: true, schema: dataset.schema, counts: dataset.counts });
    return;
  }

  const countsByName = new Map(dataset.counts.columns.map((column) => [column.name, column]));
  output.line(`${options.name}: ${dataset.counts.rowCount} rows, ${dataset.schema.length} columns`);
  output.line();
  output.table(
    dataset.schema.map((column) => {
      const nonMissing = countsByName.get(column.name)?.nonMissing ?? 0;
      return [
        column.name,
        column.type,
        column.source,
        column.unit ?? '',
        String(nonMissing),
        String(dataset.counts.rowCount - nonMissing),
        column.levels?.join(', ') ?? '',
      ];
    }),
    ['COLUMN', 'TYPE', 'SOURCE', 'UNIT', 'NON-MISSING', 'MISSING', 'LEVELS'],
  );

  const levelLines = dataset.counts.columns
    .filter((column) => column.levels !== undefined)
    .map((column) => `  ${column.name}: ${Object.entries(column.levels!).map(([level, count]) => `${level} ${count}`).join(', ')}`);
  if (levelLines.length > 0) {
    output.line();
    output.line('Rows per level:');
    levelLines.forEach((line) => output.line(line));
  }

  output.line();
  if (record === undefined) {
    output.line('Dry run: nothing was stored.');
  } else {
    output.line(`Stored as ${record.localId}${record.cloudId === undefined ? ' (local only)' : `, registered in the cloud as ${record.cloudId}`}.`);
  }
}
