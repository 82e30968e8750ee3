/**
 * An RFC 4180 CSV reader: comma-separated fields, fields quoted with `"` (which may contain commas,
 * line breaks and `""` for one quote), CRLF or LF line endings, an optional UTF-8 byte order mark,
 * and one header row. Blank lines are skipped, so a one-column file must write a missing value as
 * `NA` rather than as an empty line.
 */

/** One data row with the physical line (1-based) on which it starts. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export interface ParsedCsv {
  header: string[];
  records: CsvRecord[];
}

/** Raised for malformed CSV text. `line` is 1-based; `column` is the 1-based field number. */
export class CsvParseError extends Error {
  readonly line: number;
  readonly column: number;

  constructor(message: string, line: number, column: number) {
    super(`line ${line}, column ${column}: ${message}`);
    this.name = 'CsvParseError';
    this.line = line;
    this.column = column;
  }
}

const QUOTE = 34; // "
const COMMA = 44; // ,
const LF = 10; // \n
const CR = 13; // \r
const BYTE_ORDER_MARK = '\uFEFF';

/** Calls `onProgress` with the fraction of characters read, about every 4096 records. */
export type CsvProgressCallback = (fractionRead: number) => void;

/** Parses CSV text into a header and records, rejecting rows whose field count differs from the header's. */
export function parseCsv(input: string, onProgress?: CsvProgressCallback): ParsedCsv {
  const text = input.startsWith(BYTE_ORDER_MARK) ? input.slice(1) : input;
  const rows: CsvRecord[] = [];

  let position = 0;
  let line = 1;

  while (position < text.length) {
    const recordLine = line;
    const fields: string[] = [];
    let atEndOfRecord = false;
    let anyFieldQuoted = false;

    while (!atEndOfRecord) {
      const column = fields.length + 1;
      let value: string;

      if (text.charCodeAt(position) === QUOTE) {
        // Quoted field: runs to the next quote that is not doubled.
        anyFieldQuoted = true;
        const openingLine = line;
        const parts: string[] = [];
        let start = position + 1;
        for (;;) {
          const quote = text.indexOf('"', start);
          if (quote === -1) {
            throw new CsvParseError('quoted field is never closed; add the closing quote', openingLine, column);
          }
          const chunk = text.slice(start, quote);
          line += countLineBreaks(chunk);
          parts.push(chunk);
          if (text.charCodeAt(quote + 1) === QUOTE) {
            parts.push('"');
            start = quote + 2;
            continue;
          }
          position = quote + 1;
          break;
        }
        value = parts.join('');

        const next = text.charCodeAt(position);
        if (position < text.length && next !== COMMA && next !== LF && next !== CR) {
          throw new CsvParseError(
            `unexpected character "${text[position]}" after a closing quote; quote the whole field and write inner quotes as ""`,
            line,
            column,
          );
        }
      } else {
        // Unquoted field: runs to the next comma or line break.
        let end = position;
        while (end < text.length) {
          const code = text.charCodeAt(end);
          if (code === COMMA || code === LF || code === CR) {
            break;
          }
          if (code === QUOTE) {
            throw new CsvParseError(
              'quote inside an unquoted field; quote the whole field and write inner quotes as ""',
              line,
              column,
            );
          }
          end += 1;
        }
        value = text.slice(position, end);
        position = end;
      }

      fields.push(value);

      const separator = text.charCodeAt(position);
      if (separator === COMMA) {
        position += 1;
      } else {
        atEndOfRecord = true;
        if (separator === CR) {
          position += text.charCodeAt(position + 1) === LF ? 2 : 1;
          line += 1;
        } else if (separator === LF) {
          position += 1;
          line += 1;
        }
      }
    }

    const isBlankLine = fields.length === 1 && fields[0] === '' && !anyFieldQuoted;
    if (!isBlankLine) {
      rows.push({ line: recordLine, fields });
    }

    if (onProgress !== undefined && rows.length % 4096 === 0) {
      onProgress(position / text.length);
    }
  }

  const headerRecord = rows.shift();
  if (headerRecord === undefined) {
    throw new CsvParseError('the file is empty; expected a header row of column names', 1, 1);
  }
  const header = validateHeader(headerRecord);

  for (const record of rows) {
    if (record.fields.length !== header.length) {
      throw new CsvParseError(
        `expected ${header.length} fields as in the header, found ${record.fields.length}; ` +
          'check for a missing or extra comma, or an unquoted comma inside a value',
        record.line,
        Math.min(record.fields.length, header.length) + 1,
      );
    }
  }

  onProgress?.(1);
  return { header, records: rows };
}

function validateHeader(record: CsvRecord): string[] {
  const seen = new Set<string>();
  record.fields.forEach((name, index) => {
    if (name.trim() === '') {
      throw new CsvParseError('empty column name in the header; name every column', record.line, index + 1);
    }
    if (seen.has(name)) {
      throw new CsvParseError(`duplicate column name "${name}" in the header; rename one of them`, record.line, index + 1);
    }
    seen.add(name);
  });
  return record.fields;
}

/** Counts line breaks inside a quoted field, counting CRLF once. */
function countLineBreaks(chunk: string): number {
  let breaks = 0;
  for (let i = 0; i < chunk.length; i += 1) {
    const code = chunk.charCodeAt(i);
    if (code === LF || (code === CR && chunk.charCodeAt(i + 1) !== LF)) {
      breaks += 1;
    }
  }
  return breaks;
}
