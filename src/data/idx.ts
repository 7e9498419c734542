// IDX files (MNIST, Fashion-MNIST): two zero bytes, a type code, the rank, big-endian u32 dims,
// then big-endian data. Gzipped files (magic 1f 8b) are inflated transparently.
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';
import { DataFormatError } from './errors.js';
import { DTYPE_BYTES, allocData, fileShapeSize, shapeSize, type NumericArray, type NumericDType } from './tensor.js';

const gunzip = promisify(gunzipCb);
const gzip = promisify(gzipCb);

export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

const CODE_TO_DTYPE: Record<number, IdxDType> = {
  0x08: 'uint8',
  0x09: 'int8',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};
const DTYPE_TO_CODE: Record<IdxDType, number> = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };

export interface ReadIdxOptions {
  /** Refuse a gzip member that inflates past this many bytes (default 4 GiB). */
  maxBytes?: number;
}

function bad(message: string, offset?: number): never {
  throw new DataFormatError('idx', message, offset === undefined ? {} : { offset });
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decodes an uncompressed IDX buffer. */
export function parseIdx(bytes: Uint8Array): NumericArray<IdxDType> {
  if (bytes.byteLength < 4) bad(`File too short for the IDX magic: ${bytes.byteLength} bytes`, 0);
  if (bytes[0] !== 0 || bytes[1] !== 0) bad('Not an IDX file: the magic must start with two zero bytes', 0);
  const dtype = CODE_TO_DTYPE[bytes[2]!];
  if (dtype === undefined) bad(`Unknown IDX type code 0x${bytes[2]!.toString(16).padStart(2, '0')}`, 2);
  const rank = bytes[3]!;
  const dataStart = 4 + 4 * rank;
  if (bytes.byteLength < dataStart) bad(`Truncated IDX header: rank ${rank} needs ${dataStart} bytes, the file holds ${bytes.byteLength}`, 4);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let k = 0; k < rank; k++) shape.push(dv.getUint32(4 + 4 * k, false));
  const itemsize = DTYPE_BYTES[dtype];
  const n = fileShapeSize('idx', shape);
  const want = n * itemsize;
  const have = bytes.byteLength - dataStart;
  if (have !== want) {
    bad(
      have < want
        ? `Truncated IDX data: shape [${shape.join(', ')}] of ${dtype} needs ${want} bytes, the file holds ${have}`
        : `${have - want} unexpected trailing bytes after the IDX data`,
      dataStart + Math.min(have, want),
    );
  }
  const data = allocData(dtype, n);
  if (itemsize === 1) {
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart, dataStart + n));
  } else {
    const get = {
      int16: (o: number) => dv.getInt16(o, false),
      int32: (o: number) => dv.getInt32(o, false),
      float32: (o: number) => dv.getFloat32(o, false),
      float64: (o: number) => dv.getFloat64(o, false),
    }[dtype as 'int16' | 'int32' | 'float32' | 'float64'];
    for (let i = 0, o = dataStart; i < n; i++, o += itemsize) data[i] = get(o);
  }
  return { dtype, shape, data } as NumericArray<IdxDType>;
}

/** Decodes IDX bytes, inflating them first when they are gzipped. */
export async function decodeIdx(bytes: Uint8Array, options: ReadIdxOptions = {}): Promise<NumericArray<IdxDType>> {
  if (isGzip(bytes)) {
    const maxOutputLength = options.maxBytes ?? 4 * 1024 ** 3;
    try {
      bytes = await gunzip(bytes, { maxOutputLength });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      bad(
        e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError
          ? `Gzipped IDX inflates past the limit of ${maxOutputLength} bytes`
          : `Corrupt gzip stream: ${e.message}`,
      );
    }
  }
  return parseIdx(bytes);
}

export async function readIdx(path: string, options?: ReadIdxOptions): Promise<NumericArray<IdxDType>> {
  return decodeIdx(await readFile(path), options);
}

export function serializeIdx(array: NumericArray): Buffer {
  const dtype = array.dtype as IdxDType;
  const code = DTYPE_TO_CODE[dtype];
  if (code === undefined) throw new TypeError(`dtype ${array.dtype} cannot be written to IDX`);
  if (array.shape.length > 255) throw new RangeError('IDX allows at most 255 dimensions');
  const n = shapeSize(array.shape);
  if (array.data.length !== n) throw new RangeError(`${array.data.length} elements for shape [${array.shape.join(', ')}]`);
  const itemsize = DTYPE_BYTES[dtype as NumericDType];
  const dataStart = 4 + 4 * array.shape.length;
  const out = Buffer.alloc(dataStart + n * itemsize);
  out[2] = code;
  out[3] = array.shape.length;
  array.shape.forEach((s, k) => {
    if (s > 0xffffffff) throw new RangeError(`IDX dims are 32-bit, received ${s}`);
    out.writeUInt32BE(s, 4 + 4 * k);
  });
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const src = array.data as ArrayLike<number>;
  for (let i = 0, o = dataStart; i < n; i++, o += itemsize) {
    const v = src[i]!;
    if (dtype === 'uint8') dv.setUint8(o, v);
    else if (dtype === 'int8') dv.setInt8(o, v);
    else if (dtype === 'int16') dv.setInt16(o, v, false);
    else if (dtype === 'int32') dv.setInt32(o, v, false);
    else if (dtype === 'float32') dv.setFloat32(o, v, false);
    else dv.setFloat64(o, v, false);
  }
  return out;
}

export async function writeIdx(path: string, array: NumericArray, options: { gzip?: boolean } = {}): Promise<void> {
  const raw = serializeIdx(array);
  await writeFile(path, options.gzip ? await gzip(raw) : raw);
}
