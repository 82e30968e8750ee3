import { describe, expect, it } from 'vitest';

import { CsvParseError, parseCsv } from './csv.js';

describe('parseCsv', () => {
  it.each([
    { case: 'LF line endings', text: 'a,b\n1,2\n3,4\n', rows: [['1', '2'], ['3', '4']] },
    { case: 'CRLF line endings', text: 'a,b\r\n1,2\r\n3,4\r\n', rows: [['1', '2'], ['3', '4']] },
    { case: 'no final line break', text: 'a,b\n1,2', rows: [['1', '2']] },
    { case: 'a byte order mark', text: '\uFEFFa,b\n1,2\n', rows: [['1', '2']] },
    { case: 'quoted commas', text: 'a,b\n"x, y",2\n', rows: [['x, y', '2']] },
    { case: 'escaped quotes', text: 'a,b\n"say ""hi""",2\n', rows: [['say "hi"', '2']] },
    { case: 'line breaks inside quotes', text: 'a,b\n"one\r\ntwo",2\n', rows: [['one\r\ntwo', '2']] },
    { case: 'empty fields', text: 'a,b,c\n,,\n', rows: [['', '', '']] },
    { case: 'a quoted empty field', text: 'a\n""\n', rows: [['']] },
    { case: 'blank lines', text: 'a,b\n\n1,2\n\r\n3,4\n', rows: [['1', '2'], ['3', '4']] },
    { case: 'spaces kept as written', text: 'a,b\n 1 , x \n', rows: [[' 1 ', ' x ']] },
  ])('reads $case', ({ text, rows }) => {
    const parsed = parseCsv(text);

    expect(parsed.header).toEqual(text.replace('\uFEFF', '').split(/\r?\n/)[0]!.split(','));
    expect(parsed.records.map((record) => record.fields)).toEqual(rows);
  });

  it('records the line on which each row starts', () => {
    const parsed = parseCsv('a,b\n"multi\nline",1\n\nx,2\n');

    expect(parsed.records.map((record) => record.line)).toEqual([2, 5]);
  });

  it('reports progress up to the whole file', () => {
    const fractions: number[] = [];

    parseCsv('a\n1\n2\n', (fraction) => fractions.push(fraction));

    expect(fractions.at(-1)).toBe(1);
  });

  it.each([
    { case: 'an empty file', text: '', line: 1, column: 1, message: 'the file is empty' },
    { case: 'an unclosed quote', text: 'a,b\n1,"open\n\n', line: 2, column: 2, message: 'quoted field is never closed' },
    { case: 'text after a closing quote', text: 'a,b\n"x"y,2\n', line: 2, column: 1, message: 'unexpected character "y"' },
    { case: 'a quote inside an unquoted field', text: 'a,b\n1,x"y\n', line: 2, column: 2, message: 'quote inside an unquoted field' },
    { case: 'too few fields', text: 'a,b,c\n1,2,3\n4,5\n', line: 3, column: 3, message: 'expected 3 fields as in the header, found 2' },
    { case: 'too many fields', text: 'a,b\n1,2,3\n', line: 2, column: 3, message: 'expected 2 fields as in the header, found 3' },
    { case: 'an empty column name', text: 'a,,c\n1,2,3\n', line: 1, column: 2, message: 'empty column name' },
    { case: 'a duplicate column name', text: 'a,b,a\n1,2,3\n', line: 1, column: 3, message: 'duplicate column name "a"' },
    {
      case: 'a bad row after a multi-line field',
      text: 'a,b\n"1\n2",3\n4\n',
      line: 4,
      column: 2,
      message: 'expected 2 fields',
    },
  ])('rejects $case with its line and column', ({ text, line, column, message }) => {
    let caught: unknown;
    try {
      parseCsv(text);
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(CsvParseError);
    const error = caught as CsvParseError;
    expect(error.line).toBe(line);
    expect(error.column).toBe(column);
    expect(error.message).toContain(`line ${line}, column ${column}: ${message}`);
  });
});
