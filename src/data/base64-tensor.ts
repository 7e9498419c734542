// The binary tensor form of the HTTP API: {"dtype", "shape", "data": "<base64, little-endian>"},
// and decodeTensorInput, which takes whichever form a request used.
import { TensorError, describeValue } from './errors.js';
import {
  DTYPE_BYTES,
  assertFinite,
  fromLittleEndian,
  fromNested,
  littleEndianBytes,
  shapeSize,
  type DType,
  type FromNestedOptions,
  type Tensor,
} from './tensor.js';

export interface BinaryTensor {
  dtype: DType;
  shape: number[];
  /** Standard base64 (RFC 4648 section 4, padded) of the little-endian element bytes. */
  data: string;
}

export interface DecodeBinaryOptions {
  /** Element types accepted (default float32 and float64, as the API's requests allow). */
  dtypes?: readonly DType[];
}

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_BODY = /^[A-Za-z0-9+/]*$/;
const BINARY_KEYS = new Set(['dtype', 'shape', 'data']);

/** True for a plain object shaped like a binary tensor (it may still be invalid). */
export function isBinaryTensor(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !ArrayBuffer.isView(value) &&
    typeof (value as Record<string, unknown>).data === 'string'
  );
}

function fail(field: string, path: string, expected: string, received: string, message?: string): never {
  throw new TensorError(message ?? `Expected ${expected} for ${path} but received ${received}`, {
    field,
    path,
    expected,
    received,
  });
}

/** Decodes and validates a binary tensor object; every value must be finite. */
export function decodeBase64Tensor(value: unknown, field: string, options: DecodeBinaryOptions = {}): Tensor {
  const dtypes = options.dtypes ?? (['float32', 'float64'] as const);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(field, field, 'binary tensor object {dtype, shape, data}', describeValue(value));
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!BINARY_KEYS.has(key)) fail(field, `${field}.${key}`, 'only the keys dtype, shape, data', `key "${key}"`);
  }
  const dtype = obj.dtype;
  if (typeof dtype !== 'string' || !(dtypes as readonly string[]).includes(dtype)) {
    fail(field, `${field}.dtype`, `dtype ${dtypes.map((d) => `"${d}"`).join(' or ')}`, describeValue(dtype));
  }
  const dt = dtype as DType;
  if (!Array.isArray(obj.shape)) fail(field, `${field}.shape`, 'array of non-negative integers', describeValue(obj.shape));
  const shape = obj.shape as number[];
  const n = shapeSize(shape, `${field}.shape`);
  const data = obj.data;
  if (typeof data !== 'string') fail(field, `${field}.data`, 'base64 string', describeValue(data));

  const bytes = decodeStrictBase64(data, field, `${field}.data`);
  const itemsize = DTYPE_BYTES[dt];
  if (bytes.byteLength !== n * itemsize) {
    fail(
      field,
      `${field}.data`,
      `${n * itemsize} bytes (shape [${shape.join(', ')}] of ${dt})`,
      `${bytes.byteLength} bytes`,
    );
  }
  // Small Buffers live in Node's shared pool at arbitrary offsets: view only a Buffer that owns
  // its memory, copy the rest (a view would also keep the whole pool alive).
  const owned = bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
  const out = fromLittleEndian(dt, owned, 0, n);
  if (dt !== 'int32') assertFinite(out as Float32Array | Float64Array, shape, field);
  return { dtype: dt, shape: [...shape], data: out } as Tensor;
}

/** Decodes padded standard base64, refusing any other alphabet, missing padding or non-zero pad bits. */
export function decodeStrictBase64(text: string, field: string, path = field): Buffer {
  let pad = 0;
  if (text.endsWith('==')) pad = 2;
  else if (text.endsWith('=')) pad = 1;
  const body = pad ? text.slice(0, -pad) : text;
  const invalid = (): never => {
    let pos = 0;
    while (pos < body.length && B64_ALPHABET.includes(body[pos]!)) pos++;
    if (pos === body.length) fail(field, path, 'standard base64', 'malformed base64');
    const ch = JSON.stringify(body[pos]);
    return fail(field, path, 'standard base64', `invalid character ${ch} at position ${pos}`, `Expected standard base64 for ${path} but received invalid character ${ch} at position ${pos}`);
  };
  if (text.length % 4 !== 0) {
    if (!B64_BODY.test(body)) invalid();
    fail(field, path, 'base64 of length a multiple of 4 (padded)', `length ${text.length}`);
  }
  // Node's decoder skips characters outside the alphabet (so the output comes up short), reads
  // "-" and "_" as base64url and reads a non-Latin-1 character by its low byte: checking those
  // and the decoded length is a full alphabet check without a pass over the text in JavaScript.
  if (text.includes('-') || text.includes('_') || Buffer.byteLength(text, 'utf8') !== text.length) invalid();
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength !== (text.length / 4) * 3 - pad) invalid();
  if (pad) {
    // The last data character may only carry bits that belong to whole bytes.
    const last = B64_ALPHABET.indexOf(body[body.length - 1]!);
    if ((pad === 1 && (last & 0x3) !== 0) || (pad === 2 && (last & 0xf) !== 0)) {
      fail(field, path, 'canonical base64 (zero padding bits)', 'non-zero padding bits');
    }
  }
  return bytes;
}

export function encodeBase64Tensor(tensor: Tensor): BinaryTensor {
  return { dtype: tensor.dtype, shape: [...tensor.shape], data: littleEndianBytes(tensor.data).toString('base64') };
}

export interface TensorInputOptions extends FromNestedOptions, DecodeBinaryOptions {}

/**
 * A request tensor in any accepted form: nested arrays (read as options.dtype, default float64),
 * a binary object (keeps its dtype), or, for library callers, {data: Float32Array|Float64Array, shape}.
 */
export function decodeTensorInput(value: unknown, field: string, options: TensorInputOptions = {}): Tensor {
  let tensor: Tensor;
  if (Array.isArray(value) || typeof value === 'number') {
    return fromNested(value, field, options);
  } else if (isBinaryTensor(value)) {
    tensor = decodeBase64Tensor(value, field, options);
  } else if (typeof value === 'object' && value !== null && ArrayBuffer.isView((value as { data?: unknown }).data)) {
    tensor = fromTypedInput(value as Record<string, unknown>, field);
  } else {
    fail(field, field, 'nested array or binary tensor {dtype, shape, data}', describeValue(value));
  }
  const ranks = options.rank === undefined ? undefined : typeof options.rank === 'number' ? [options.rank] : options.rank;
  if (ranks !== undefined && !ranks.includes(tensor.shape.length)) {
    const want = `rank ${ranks.join(' or ')}`;
    fail(field, `${field}.shape`, want, `shape [${tensor.shape.join(', ')}]`, `Expected ${want} for ${field} but received shape [${tensor.shape.join(', ')}]`);
  }
  return tensor;
}

function fromTypedInput(obj: Record<string, unknown>, field: string): Tensor {
  const data = obj.data;
  let dtype: DType;
  if (data instanceof Float64Array) dtype = 'float64';
  else if (data instanceof Float32Array) dtype = 'float32';
  else fail(field, `${field}.data`, 'Float32Array or Float64Array', describeValue(data));
  if (obj.dtype !== undefined && obj.dtype !== dtype) {
    fail(field, `${field}.dtype`, `"${dtype}" (the type of data)`, describeValue(obj.dtype));
  }
  const shape = obj.shape ?? [(data as Float64Array).length];
  if (!Array.isArray(shape)) fail(field, `${field}.shape`, 'array of non-negative integers', describeValue(shape));
  const n = shapeSize(shape, `${field}.shape`);
  const arr = data as Float32Array | Float64Array;
  if (arr.length !== n) fail(field, `${field}.data`, `${n} elements (shape [${shape.join(', ')}])`, `${arr.length} elements`);
  assertFinite(arr, shape, field);
  return { dtype, shape: [...shape], data: arr } as Tensor;
}
