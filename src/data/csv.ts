// Numeric CSV (RFC 4180 quoting, optional header row) into a row-major float64 matrix.
import { readFile } from 'node:fs/promises';
import { DataFormatError } from './errors.js';
import type { Tensor } from './tensor.js';

export interface CsvOptions {
  /** Field separator, one character (default ","). */
  delimiter?: string;
  /** Whether the first row names the columns; 'auto' (default): it does when any of its cells is not a number. */
  header?: boolean | 'auto';
  /** Decimal mark (default "."); "," for files written with a European locale and delimiter ";". */
  decimal?: '.' | ',';
}

/** A float64 Tensor of shape [rows, cols] with its column names ("0", "1", ... without a header). */
export interface CsvMatrix extends Tensor<'float64'> {
  columns: string[];
  hasHeader: boolean;
}

// Decimal numbers only: Number() would also take "0x1f", "" and "Infinity".
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

interface Row {
  line: number;
  cells: string[];
}

function bad(message: string, line: number): never {
  throw new DataFormatError('csv', message, { line });
}

/** Splits text into records; each remembers the line it starts on (quoted fields may span lines). */
function* records(text: string, delim: string): Generator<Row> {
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    for (;;) {
      let cell = '';
      // Leading spaces before a quote are allowed ( "a", "b" ).
      let j = i;
      while (j < n && (text[j] === ' ' || text[j] === '\t') && text[j] !== delim) j++;
      if (text[j] === '"') {
        i = j + 1;
        for (;;) {
          if (i >= n) bad(`Unterminated quoted field starting on line ${start}`, start);
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') (cell += '"'), (i += 2);
            else {
              i++;
              break;
            }
          } else {
            if (c === '\n') line++;
            cell += c;
            i++;
          }
        }
        while (i < n && (text[i] === ' ' || text[i] === '\t') && text[i] !== delim) i++;
        if (i < n && text[i] !== delim && text[i] !== '\n' && text[i] !== '\r') {
          bad(`Unexpected character ${JSON.stringify(text[i])} after a quoted field on line ${line}`, line);
        }
      } else {
        while (i < n && text[i] !== delim && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] === '"') bad(`Unexpected quote inside an unquoted field on line ${line}`, line);
          cell += text[i];
          i++;
        }
        cell = cell.trim();
      }
      cells.push(cell);
      if (i < n && text[i] === delim) {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++, line++;
    // Blank lines (and the final newline) carry no record.
    if (!(cells.length === 1 && cells[0] === '')) yield { line: start, cells };
  }
}

export function parseCsv(text: string, options: CsvOptions = {}): CsvMatrix {
  const delim = options.delimiter ?? ',';
  if (delim.length !== 1 || delim === '"' || delim === '\n' || delim === '\r') {
    throw new RangeError(`CSV delimiter must be one character other than quote and newline, received ${JSON.stringify(delim)}`);
  }
  const decimal = options.decimal ?? '.';
  if (decimal === delim) throw new RangeError('CSV decimal mark and delimiter must differ');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const isNumber = (c: string): boolean => NUMBER.test(decimal === '.' ? c : c.replace(',', '.'));

  const it = records(text, delim);
  let first = it.next();
  let columns: string[] | undefined;
  let hasHeader = false;
  if (!first.done) {
    const cells = first.value.cells;
    hasHeader = options.header === 'auto' || options.header === undefined ? cells.some((c) => !isNumber(c)) : options.header;
    if (hasHeader) {
      columns = cells;
      first = it.next();
    }
  }

  let cols = columns?.length ?? (first.done ? 0 : first.value.cells.length);
  columns ??= Array.from({ length: cols }, (_, k) => String(k));
  const values: number[] = [];
  let rows = 0;
  for (let r = first; !r.done; r = it.next()) {
    const { line, cells } = r.value;
    if (cells.length !== cols) {
      bad(`Line ${line} has ${cells.length} fields, expected ${cols}${hasHeader ? ' (as the header)' : ' (as the first row)'}`, line);
    }
    for (let k = 0; k < cols; k++) {
      const cell = cells[k]!;
      const v = isNumber(cell) ? Number(decimal === '.' ? cell : cell.replace(',', '.')) : NaN;
      if (!Number.isFinite(v)) {
        const name = hasHeader ? ` (${JSON.stringify(columns[k])})` : '';
        const got = cell === '' ? 'an empty cell' : JSON.stringify(cell);
        bad(`Expected finite number at line ${line}, column ${k + 1}${name} but received ${got}`, line);
      }
      values.push(v);
    }
    rows++;
  }
  return { dtype: 'float64', shape: [rows, cols], data: Float64Array.from(values), columns, hasHeader };
}

export async function readCsv(path: string, options?: CsvOptions): Promise<CsvMatrix> {
  return parseCsv(await readFile(path, 'utf8'), options);
}

/** Writes a [rows, cols] tensor as CSV; numbers in their shortest round-trip form. */
export function formatCsv(matrix: Tensor, columns?: readonly string[]): string {
  if (matrix.shape.length !== 2) throw new RangeError(`formatCsv needs a rank-2 tensor, received shape [${matrix.shape.join(', ')}]`);
  const [rows, cols] = matrix.shape as [number, number];
  const quote = (s: string): string => (/[",\n\r]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s);
  const lines: string[] = [];
  if (columns) {
    if (columns.length !== cols) throw new RangeError(`${columns.length} column names for ${cols} columns`);
    lines.push(columns.map(quote).join(','));
  }
  for (let r = 0; r < rows; r++) {
    const row: string[] = [];
    for (let k = 0; k < cols; k++) row.push(String(matrix.data[r * cols + k]));
    lines.push(row.join(','));
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}
