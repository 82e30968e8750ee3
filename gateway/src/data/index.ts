// Local data loading: CSV and Parquet files into typed columnar tables, their schema and counts.
export { buildColumn, DataFileError, inferColumnType, type RawColumn, type RawValue } from './build-columns.js';
export * from './column-schema.js';
export { countTable, datasetCountsSchema, roundCount, type DatasetCounts } from './counts.js';
export { CsvParseError, parseCsv, type CsvRecord, type ParsedCsv } from './csv.js';
export { loadRegisteredDataset, type RegisteredDataFile } from './load-dataset.js';
export { detectFormat, loadTable, type DataFileFormat, type LoadedTable, type LoadTableOptions } from './load-table.js';
export { readParquetColumns } from './parquet.js';
