// safetensors (https://github.com/huggingface/safetensors): u64 little-endian header length,
// a JSON header {name: {dtype, shape, data_offsets}, __metadata__?: {string: string}}, then the
// data buffer. Read strictly: the offsets must tile the data buffer exactly.
import { readFile } from 'node:fs/promises';
import { DataFormatError } from './errors.js';
import {
  DTYPE_BYTES,
  assertFinite,
  fileShapeSize,
  fromLittleEndian,
  littleEndianBytes,
  shapeSize,
  type DType,
  type Tensor,
} from './tensor.js';

export interface SafetensorsFile {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

export interface ReadSafetensorsOptions {
  /** Refuse NaN and ±Infinity in float tensors (default true: hjnet never computes on them). */
  requireFinite?: boolean;
  /** Largest accepted header, bytes (default 100 MB, the reference implementation's limit). */
  maxHeaderBytes?: number;
}

const ST_TO_DTYPE: Record<string, DType> = { F32: 'float32', F64: 'float64', I32: 'int32' };
const DTYPE_TO_ST: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32' };
const KNOWN_UNSUPPORTED = new Set(['BOOL', 'U8', 'I8', 'U16', 'I16', 'F16', 'BF16', 'U32', 'U64', 'I64', 'F8_E4M3', 'F8_E5M2']);
const METADATA_KEY = '__metadata__';
const DEFAULT_MAX_HEADER = 100_000_000;

function bad(message: string, offset?: number): never {
  throw new DataFormatError('safetensors', message, offset === undefined ? {} : { offset });
}

// Names come from the file: defineProperty keeps a tensor called "__proto__" an ordinary key.
function define<V>(target: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseSafetensors(bytes: Uint8Array, options: ReadSafetensorsOptions = {}): SafetensorsFile {
  const requireFinite = options.requireFinite ?? true;
  const maxHeader = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER;
  if (bytes.byteLength < 8) bad(`File too short: ${bytes.byteLength} bytes, the header length alone takes 8`, 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(maxHeader)) bad(`Header length ${headerLen} exceeds the limit of ${maxHeader} bytes`, 0);
  const n = Number(headerLen);
  if (8 + n > bytes.byteLength) bad(`Header length ${n} runs past the end of the file (${bytes.byteLength} bytes)`, 0);
  if (n < 2) bad(`Header length ${n} is too short for a JSON object`, 0);

  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    if (text[0] !== '{') bad('Header does not start with "{"', 8);
    header = JSON.parse(text);
  } catch (err) {
    if (err instanceof DataFormatError) throw err;
    bad(`Header is not valid UTF-8 JSON: ${(err as Error).message}`, 8);
  }
  if (!isPlainObject(header)) bad('Header is not a JSON object', 8);

  const dataStart = 8 + n;
  const dataLen = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: DType; shape: number[]; begin: number; end: number }[] = [];

  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (!isPlainObject(entry)) bad(`${METADATA_KEY} must be an object of strings`);
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') bad(`${METADATA_KEY}.${k} must be a string, received ${typeof v}`);
        define(metadata, k, v);
      }
      continue;
    }
    if (!isPlainObject(entry)) bad(`Tensor "${name}": entry is not an object`);
    const keys = Object.keys(entry).sort().join(',');
    if (keys !== 'data_offsets,dtype,shape') bad(`Tensor "${name}": expected keys dtype, shape, data_offsets, found ${keys || 'none'}`);
    const st = entry.dtype;
    if (typeof st !== 'string' || !(st in ST_TO_DTYPE)) {
      const why = typeof st === 'string' && KNOWN_UNSUPPORTED.has(st) ? 'unsupported' : 'unknown';
      bad(`Tensor "${name}": ${why} dtype ${JSON.stringify(st)} (hjnet reads F32, F64, I32)`);
    }
    const dtype = ST_TO_DTYPE[st]!;
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) {
      bad(`Tensor "${name}": shape must be an array of non-negative integers, received ${JSON.stringify(shape)}`);
    }
    const size = fileShapeSize('safetensors', shape as number[]);
    const offs = entry.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      bad(`Tensor "${name}": data_offsets must be [begin, end] non-negative integers, received ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end || end > dataLen) {
      bad(`Tensor "${name}": data_offsets [${begin}, ${end}] outside the data buffer of ${dataLen} bytes`, dataStart + begin);
    }
    const want = size * DTYPE_BYTES[dtype];
    if (end - begin !== want) {
      bad(`Tensor "${name}": shape [${shape.join(', ')}] of ${st} needs ${want} bytes, data_offsets span ${end - begin}`);
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }

  // Sorted by offset, the ranges must tile [0, dataLen): no gap, no overlap, nothing trailing.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin !== cursor) {
      bad(
        e.begin < cursor
          ? `Tensor "${e.name}" overlaps the previous tensor (begins at ${e.begin}, previous ends at ${cursor})`
          : `Gap in the data buffer before tensor "${e.name}" (bytes ${cursor}..${e.begin} unused)`,
        dataStart + e.begin,
      );
    }
    cursor = e.end;
  }
  if (cursor !== dataLen) bad(`${dataLen - cursor} trailing bytes after the last tensor`, dataStart + cursor);

  const tensors: Record<string, Tensor> = {};
  for (const e of entries) {
    const data = fromLittleEndian(e.dtype, bytes, dataStart + e.begin, (e.end - e.begin) / DTYPE_BYTES[e.dtype]);
    if (requireFinite && e.dtype !== 'int32') {
      try {
        assertFinite(data as Float64Array, e.shape, e.name);
      } catch (err) {
        bad(`Tensor "${e.name}": ${(err as Error).message}`);
      }
    }
    define(tensors, e.name, { dtype: e.dtype, shape: e.shape, data } as Tensor);
  }
  return { tensors, metadata };
}

/**
 * Serialises tensors and string metadata. Tensors are laid out by element size, widest first, then
 * by name, and the header is padded with spaces to 8 bytes so every tensor is aligned on read.
 */
export function serializeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Buffer {
  const names = Object.keys(tensors).sort((a, b) => {
    const d = DTYPE_BYTES[tensors[b]!.dtype] - DTYPE_BYTES[tensors[a]!.dtype];
    return d !== 0 ? d : a < b ? -1 : a > b ? 1 : 0;
  });
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TypeError(`safetensors metadata "${k}" must be a string`);
    }
    header[METADATA_KEY] = metadata;
  }
  const parts: Buffer[] = [];
  let offset = 0;
  for (const name of names) {
    if (name === METADATA_KEY || name === '') throw new TypeError(`Invalid safetensors tensor name ${JSON.stringify(name)}`);
    const t = tensors[name]!;
    const st = DTYPE_TO_ST[t.dtype];
    if (st === undefined) throw new TypeError(`Tensor "${name}": dtype ${t.dtype} cannot be written to safetensors`);
    const size = shapeSize(t.shape, `${name}.shape`);
    if (t.data.length !== size) throw new RangeError(`Tensor "${name}": ${t.data.length} elements for shape [${t.shape.join(', ')}]`);
    const bytes = littleEndianBytes(t.data);
    header[name] = { dtype: st, shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  const rawLen = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - ((8 + rawLen) % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json, 'utf8')), 0);
  return Buffer.concat([head, Buffer.from(json, 'utf8'), ...parts]);
}

export async function readSafetensors(path: string, options?: ReadSafetensorsOptions): Promise<SafetensorsFile> {
  return parseSafetensors(await readFile(path), options);
}
