// NumPy .npy files, versions 1.0, 2.0 and 3.0: little-endian f4, f8, i4, i8, u1 (and i1, i2), C order.
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
import { readFile, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { DataFormatError } from './errors.js';
import { DTYPE_BYTES, fileShapeSize, fromLittleEndian, littleEndianBytes, shapeSize, type NumericArray, type NumericDType } from './tensor.js';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

// Type character + size -> dtype; the byte-order mark is checked separately.
const DESCR_TO_DTYPE: Record<string, NumericDType> = {
  f4: 'float32',
  f8: 'float64',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  i1: 'int8',
  i2: 'int16',
};
const DTYPE_TO_DESCR: Partial<Record<NumericDType, string>> = {
  float32: '<f4',
  float64: '<f8',
  int32: '<i4',
  int64: '<i8',
  uint8: '|u1',
  int8: '|i1',
  int16: '<i2',
};

function bad(message: string, offset?: number): never {
  throw new DataFormatError('npy', message, offset === undefined ? {} : { offset });
}

type PyValue = string | boolean | number[];

/** Parses the header's Python dict literal: string keys; string, bool or int-tuple values. */
function parseHeaderDict(text: string): Record<string, PyValue> {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const expect = (c: string): void => {
    ws();
    if (text[i] !== c) bad(`Header: expected "${c}" at character ${i} of ${JSON.stringify(text)}`);
    i++;
  };
  const str = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') bad(`Header: expected a string at character ${i} of ${JSON.stringify(text)}`);
    const end = text.indexOf(q, i + 1);
    if (end < 0) bad('Header: unterminated string');
    const s = text.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === "'" || c === '"') return str();
    if (text.startsWith('True', i)) return (i += 4), true;
    if (text.startsWith('False', i)) return (i += 5), false;
    if (c === '(') {
      i++;
      const dims: number[] = [];
      for (;;) {
        ws();
        if (text[i] === ')') break;
        const m = /^(\d+)L?/.exec(text.slice(i));
        if (!m) bad(`Header: expected a non-negative integer in the shape at character ${i} of ${JSON.stringify(text)}`);
        dims.push(Number(m[1]));
        i += m[0].length;
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== ')') bad(`Header: expected "," or ")" in the shape at character ${i}`);
      }
      i++;
      return dims;
    }
    if (c === '[') bad('Structured (record) dtypes are not supported; save a plain numeric array');
    return bad(`Header: unexpected value at character ${i} of ${JSON.stringify(text)}`);
  };

  const out: Record<string, PyValue> = {};
  expect('{');
  for (;;) {
    ws();
    if (text[i] === '}') break;
    const key = str();
    expect(':');
    if (key in out) bad(`Header: duplicate key "${key}"`);
    out[key] = value();
    ws();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') bad(`Header: expected "," or "}" at character ${i}`);
  }
  i++;
  ws();
  if (i !== text.length) bad(`Header: unexpected text after the dictionary: ${JSON.stringify(text.slice(i))}`);
  return out;
}

export function parseNpy(bytes: Uint8Array): NumericArray {
  if (bytes.byteLength < 10 || !MAGIC.equals(bytes.subarray(0, 6))) bad('Not an .npy file (missing \\x93NUMPY magic)', 0);
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (major < 1 || major > 3 || minor !== 0) bad(`Unsupported .npy format version ${major}.${minor} (reads 1.0, 2.0, 3.0)`, 6);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLen: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    headerStart = 10;
  } else {
    if (bytes.byteLength < 12) bad('Truncated .npy header', 8);
    headerLen = dv.getUint32(8, true);
    headerStart = 12;
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.byteLength) bad(`Header length ${headerLen} runs past the end of the file (${bytes.byteLength} bytes)`, 8);
  const headerBytes = bytes.subarray(headerStart, dataStart);
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(headerBytes);
  } catch {
    bad('Header is not valid text', headerStart);
  }
  const dict = parseHeaderDict(text);
  for (const key of Object.keys(dict)) {
    if (key !== 'descr' && key !== 'fortran_order' && key !== 'shape') bad(`Header: unexpected key "${key}"`);
  }
  const { descr, fortran_order: fortran, shape } = dict;
  if (typeof descr !== 'string') bad('Header: "descr" must be a dtype string');
  if (typeof fortran !== 'boolean') bad('Header: "fortran_order" must be True or False');
  if (!Array.isArray(shape)) bad('Header: "shape" must be a tuple of integers');
  if (fortran) {
    bad('Fortran-order (column-major) arrays are not supported: save with np.ascontiguousarray(a) or np.save on a C-order array');
  }
  const order = descr[0];
  const code = order === '<' || order === '>' || order === '|' || order === '=' ? descr.slice(1) : descr;
  const dtype = DESCR_TO_DTYPE[code];
  if (dtype === undefined) bad(`Unsupported dtype ${JSON.stringify(descr)} (reads f4, f8, i4, i8, u1, i1, i2)`);
  const itemsize = DTYPE_BYTES[dtype];
  const bigEndian = order === '>' || (order === '=' && !LITTLE_ENDIAN_HOST);
  if (bigEndian && itemsize > 1) bad(`Big-endian dtype ${JSON.stringify(descr)} is not supported; save with a little-endian dtype (a.astype('<${code}'))`);

  const n = fileShapeSize('npy', shape);
  const want = n * itemsize;
  const have = bytes.byteLength - dataStart;
  if (have < want) bad(`Truncated data: shape (${shape.join(', ')}) of ${descr} needs ${want} bytes, the file holds ${have}`, dataStart);
  if (have > want) bad(`${have - want} unexpected trailing bytes after the data`, dataStart + want);

  return { dtype, shape, data: fromLittleEndian(dtype, bytes, dataStart, n) } as NumericArray;
}

/** Encodes as version 1.0 (2.0 when the header outgrows 65535 bytes), header padded to 64 bytes. */
export function serializeNpy(array: NumericArray): Buffer {
  const descr = DTYPE_TO_DESCR[array.dtype];
  if (descr === undefined) throw new TypeError(`dtype ${array.dtype} cannot be written to .npy`);
  const n = shapeSize(array.shape);
  if (array.data.length !== n) throw new RangeError(`${array.data.length} elements for shape [${array.shape.join(', ')}]`);
  const shapeText = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let version = 1;
  let prefix = 10;
  if (dict.length + 1 + 63 > 0xffff) (version = 2), (prefix = 12);
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const header = dict + ' '.repeat(total - prefix - dict.length - 1) + '\n';
  const head = Buffer.alloc(prefix);
  MAGIC.copy(head, 0);
  head[6] = version;
  head[7] = 0;
  if (version === 1) head.writeUInt16LE(header.length, 8);
  else head.writeUInt32LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), littleEndianBytes(array.data)]);
}

export async function readNpy(path: string): Promise<NumericArray> {
  return parseNpy(await readFile(path));
}

export async function writeNpy(path: string, array: NumericArray): Promise<void> {
  await writeFile(path, serializeNpy(array));
}
