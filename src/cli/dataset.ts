// Training data from files: CSV (target column or a labels file), .npy and IDX (MNIST-style
// images, flattened and scaled to [0, 1]). The format is told by the first bytes, not the name.
import { open, readFile } from 'node:fs/promises';
import { parseCsv } from '../data/csv.js';
import { decodeIdx, isGzip } from '../data/idx.js';
import { parseNpy } from '../data/npy.js';
import type { NumericArray } from '../data/tensor.js';
import { UsageError } from './usage.js';

export type DataFormat = 'csv' | 'npy' | 'idx';

export interface Dataset {
  /** Inputs [n, d], row-major. */
  X: { data: Float64Array | Float32Array; shape: [number, number] };
  /** Targets [n] | [n, K], or class labels [n]. */
  y: { data: Float64Array; shape: number[] };
  format: DataFormat;
  /** What the rows are, for the log: "x1, x2 -> price" or "60000 images 28x28". */
  description: string;
}

export interface DatasetOptions {
  /** CSV target column, by header name or 0-based index. */
  target?: string;
  /** A file of targets (npy, IDX or CSV); without it, CSV takes its target column. */
  labels?: string;
  /** Keep the first rows only. */
  limit?: number;
}

const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

export async function detectFormat(path: string): Promise<DataFormat> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(6);
    const { bytesRead } = await handle.read(head, 0, 6, 0);
    const bytes = head.subarray(0, bytesRead);
    if (bytesRead === 6 && bytes.equals(NPY_MAGIC)) return 'npy';
    // IDX starts with two zero bytes; gzipped files are taken for gzipped IDX (MNIST ships so).
    if (isGzip(bytes) || (bytesRead >= 4 && bytes[0] === 0 && bytes[1] === 0)) return 'idx';
    return 'csv';
  } finally {
    await handle.close();
  }
}

/** Rows of an array [n, ...] flattened to [n, d]; uint8 (pixels) scaled to [0, 1]. */
function asRows(array: NumericArray, what: string): Dataset['X'] {
  if (array.shape.length < 2) throw new RangeError(`${what}: expected inputs of shape [n, d] or [n, ...], received shape [${array.shape.join(', ')}]`);
  const n = array.shape[0];
  const d = array.shape.slice(1).reduce((a, b) => a * b, 1);
  const src = array.data;
  if (array.dtype === 'float32') return { data: src as Float32Array, shape: [n, d] };
  const out = new Float64Array(n * d);
  const scale = array.dtype === 'uint8' ? 1 / 255 : 1;
  for (let i = 0; i < out.length; i++) out[i] = Number(src[i]) * scale;
  return { data: out, shape: [n, d] };
}

function asTargets(array: NumericArray, what: string): Dataset['y'] {
  const shape = array.shape.length === 2 && array.shape[1] === 1 ? [array.shape[0]] : array.shape;
  if (shape.length < 1 || shape.length > 2) throw new RangeError(`${what}: expected targets of shape [n] or [n, K], received shape [${array.shape.join(', ')}]`);
  return { data: Float64Array.from(array.data as ArrayLike<number>, Number), shape: [...shape] };
}

async function readArray(path: string, format: DataFormat): Promise<NumericArray> {
  const bytes = await readFile(path);
  if (format === 'npy') return parseNpy(bytes);
  if (format === 'idx') return decodeIdx(bytes);
  const csv = parseCsv(bytes.toString('utf8'));
  return { dtype: 'float64', shape: csv.shape, data: csv.data };
}

function targetColumn(columns: string[], target: string | undefined): number {
  if (target === undefined) return columns.length - 1;
  const byName = columns.indexOf(target);
  if (byName >= 0) return byName;
  if (/^[0-9]+$/.test(target) && Number(target) < columns.length) return Number(target);
  throw new UsageError(`Option --target names no column: ${JSON.stringify(target)} is not one of ${columns.map((c) => JSON.stringify(c)).join(', ')}`, 'train');
}

function limitRows<T extends { data: Float64Array | Float32Array; shape: number[] }>(t: T, rows: number): T {
  if (rows >= t.shape[0]) return t;
  const width = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return { ...t, data: t.data.slice(0, rows * width), shape: [rows, ...t.shape.slice(1)] };
}

export async function readDataset(path: string, options: DatasetOptions = {}): Promise<Dataset> {
  const format = await detectFormat(path);
  if (options.target !== undefined && (format !== 'csv' || options.labels !== undefined)) {
    throw new UsageError('Option --target picks a column of a CSV file without --labels', 'train');
  }
  let X: Dataset['X'];
  let y: Dataset['y'];
  let description: string;
  if (format === 'csv' && options.labels === undefined) {
    const csv = parseCsv(await readFile(path, 'utf8'));
    const [n, cols] = csv.shape;
    if (cols < 2) throw new RangeError(`${path}: a CSV needs at least two columns (inputs and a target), or --labels FILE`);
    const k = targetColumn(csv.columns, options.target);
    const d = cols - 1;
    const data = new Float64Array(n * d);
    const targets = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0, o = 0; j < cols; j++) {
        const v = csv.data[i * cols + j];
        if (j === k) targets[i] = v;
        else data[i * d + o++] = v;
      }
    }
    X = { data, shape: [n, d] };
    y = { data: targets, shape: [n] };
    const inputs = csv.columns.filter((_, j) => j !== k);
    description = `${inputs.length > 6 ? `${d} columns` : inputs.join(', ')} -> ${csv.columns[k]}`;
  } else {
    if (options.labels === undefined) throw new UsageError(`Option --labels is required for ${format === 'npy' ? '.npy' : 'IDX'} inputs (the targets file)`, 'train');
    const array = await readArray(path, format);
    X = asRows(array, path);
    const labelsFormat = await detectFormat(options.labels);
    y = asTargets(await readArray(options.labels, labelsFormat), options.labels);
    const dims = array.shape.slice(1).join('x');
    description = format === 'idx' && array.shape.length === 3 ? `images ${dims}` : `rows of ${dims}`;
  }
  const rows = X.shape[0];
  if (options.limit !== undefined) {
    X = limitRows(X, options.limit) as Dataset['X'];
    y = limitRows(y, options.limit) as Dataset['y'];
  }
  const kept = X.shape[0] < rows ? ` (the first of ${rows})` : '';
  description = format === 'csv' && options.labels === undefined ? `${X.shape[0]} rows${kept}, ${description}` : `${X.shape[0]} ${description}${kept}`;
  return { X, y, format, description };
}
