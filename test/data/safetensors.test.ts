import t from 'tap';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSafetensors, readSafetensors, serializeSafetensors } from '../../src/data/safetensors.js';
import { DataFormatError } from '../../src/data/errors.js';
import type { Tensor } from '../../src/data/tensor.js';
import { thrown } from './fixtures/helper.js';

const tensorArb: fc.Arbitrary<Tensor> = fc
  .tuple(fc.constantFrom('float32' as const, 'float64' as const, 'int32' as const), fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }))
  .chain(([dtype, shape]) => {
    const n = shape.reduce((a, s) => a * s, 1);
    const elem =
      dtype === 'float64'
        ? fc.double({ noNaN: true, noDefaultInfinity: true })
        : dtype === 'float32'
          ? fc.float({ noNaN: true, noDefaultInfinity: true })
          : fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    return fc.array(elem, { minLength: n, maxLength: n }).map(
      (v) => ({ dtype, shape, data: dtype === 'float64' ? Float64Array.from(v) : dtype === 'float32' ? Float32Array.from(v) : Int32Array.from(v) }) as Tensor,
    );
  });

const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Builds a file by hand from a header object and a data buffer, as another writer might. */
function handMade(header: unknown, data: Uint8Array, headerText?: string): Buffer {
  const json = Buffer.from(headerText ?? JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

const formatError = (fn: () => unknown): DataFormatError => thrown(DataFormatError, fn);

t.test('round trip over random tensor sets and metadata', async (t) => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }).filter((s) => s !== '__metadata__'), tensorArb, { maxKeys: 5 }),
      fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
      fc.nat({ max: 7 }),
      (tensors, metadata, shift) => {
        const file = serializeSafetensors(tensors, metadata);
        // The header pads the data start to 8 bytes.
        assert.equal((8 + Number(file.readBigUInt64LE(0))) % 8, 0);
        // Parse at an arbitrary byte offset to exercise the unaligned path.
        const host = new Uint8Array(file.length + shift);
        host.set(file, shift);
        const back = parseSafetensors(host.subarray(shift));
        assert.deepEqual(Object.keys(back.tensors).sort(), Object.keys(tensors).sort());
        for (const [name, tensor] of Object.entries(tensors)) {
          const b = back.tensors[name]!;
          assert.equal(b.dtype, tensor.dtype);
          assert.deepEqual(b.shape, tensor.shape);
          assert.equal(b.data.byteOffset % b.data.BYTES_PER_ELEMENT, 0);
          assert.deepEqual(bytesOf(b.data), bytesOf(tensor.data));
        }
        assert.deepEqual(back.metadata, Object.keys(metadata).length ? { ...metadata } : {});
      },
    ),
    { numRuns: 200 },
  );
  t.pass('round trips');
});

t.test('reads a hand-made file in the reference layout', async (t) => {
  const W = Float32Array.of(1, 2, 3, 4, 5, 6);
  const b = Float64Array.of(-1, 0.5);
  // b first in the buffer, W after; header unpadded; keys in arbitrary order.
  const data = Buffer.concat([bytesOf(b), bytesOf(W)]);
  const file = handMade(
    {
      W: { shape: [2, 3], dtype: 'F32', data_offsets: [16, 40] },
      __metadata__: { eps: '0.1', t: '1' },
      b: { dtype: 'F64', shape: [2], data_offsets: [0, 16] },
    },
    data,
  );
  const out = parseSafetensors(file);
  t.strictSame(out.metadata, { eps: '0.1', t: '1' });
  t.strictSame(out.tensors.W!.shape, [2, 3]);
  t.strictSame(Array.from(out.tensors.W!.data), [1, 2, 3, 4, 5, 6]);
  t.strictSame(Array.from(out.tensors.b!.data), [-1, 0.5]);

  // What we write: W (F64) before b (F32)? widest first, then by name; header padded with spaces.
  const written = serializeSafetensors({ b: { dtype: 'float32', shape: [1], data: Float32Array.of(2) }, W: { dtype: 'float64', shape: [1], data: Float64Array.of(3) } }, { eps: '0' });
  const n = Number(written.readBigUInt64LE(0));
  const header = JSON.parse(written.subarray(8, 8 + n).toString('utf8'));
  t.strictSame(header.W.data_offsets, [0, 8]);
  t.strictSame(header.b.data_offsets, [8, 12]);
  t.strictSame(header.__metadata__, { eps: '0' });
  t.equal(written.length, 8 + n + 12);
});

t.test('empty files and zero-size tensors', async (t) => {
  t.strictSame(parseSafetensors(serializeSafetensors({})), { tensors: {}, metadata: {} });
  const out = parseSafetensors(
    serializeSafetensors({
      a: { dtype: 'float64', shape: [0, 3], data: new Float64Array(0) },
      b: { dtype: 'float32', shape: [0], data: new Float32Array(0) },
      c: { dtype: 'int32', shape: [], data: Int32Array.of(7) },
    }),
  );
  t.strictSame(out.tensors.a!.shape, [0, 3]);
  t.equal(out.tensors.b!.data.length, 0);
  t.strictSame(Array.from(out.tensors.c!.data), [7]);
});

t.test('malformed files are refused with a reason', async (t) => {
  const f8 = bytesOf(Float64Array.of(1, 2));
  const ok = { x: { dtype: 'F64', shape: [2], data_offsets: [0, 16] } };
  t.ok(parseSafetensors(handMade(ok, f8)));
  const cases: [string, Buffer, RegExp][] = [
    ['too short', Buffer.alloc(5), /too short/],
    ['header length past end', (() => { const b = handMade(ok, f8); b.writeBigUInt64LE(10_000n); return b; })(), /runs past the end/],
    ['header length over the bound', (() => { const b = handMade(ok, f8); b.writeBigUInt64LE(2n ** 62n); return b; })(), /exceeds the limit/],
    ['not JSON', handMade(null, f8, '{"x": '), /not valid UTF-8 JSON/],
    ['not an object', handMade(null, f8, '[1,2,3]'), /does not start with "\{"/],
    ['bad UTF-8', handMade(null, f8, '{"\xff": 1}'.replace('\xff', '\uFFFD')).fill(0xff, 10, 11), /UTF-8/],
    ['offsets past the buffer', handMade({ x: { dtype: 'F64', shape: [2], data_offsets: [0, 24] } }, f8), /outside the data buffer/],
    ['begin after end', handMade({ x: { dtype: 'F64', shape: [0], data_offsets: [8, 0] } }, f8), /outside the data buffer/],
    ['wrong byte count', handMade({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 16] } }, f8), /needs 8 bytes, data_offsets span 16/],
    ['gap', handMade({ x: { dtype: 'F64', shape: [1], data_offsets: [8, 16] } }, f8), /Gap in the data buffer/],
    ['trailing bytes', handMade({ x: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, f8), /8 trailing bytes/],
    [
      'overlap',
      handMade({ x: { dtype: 'F64', shape: [2], data_offsets: [0, 16] }, y: { dtype: 'F64', shape: [1], data_offsets: [8, 16] } }, f8),
      /overlaps/,
    ],
    ['truncated data', handMade(ok, f8).subarray(0, -3), /outside the data buffer/],
    ['unsupported dtype', handMade({ x: { dtype: 'BF16', shape: [8], data_offsets: [0, 16] } }, f8), /unsupported dtype "BF16"/],
    ['unknown dtype', handMade({ x: { dtype: 'Q4', shape: [8], data_offsets: [0, 16] } }, f8), /unknown dtype "Q4"/],
    ['negative shape', handMade({ x: { dtype: 'F64', shape: [-2], data_offsets: [0, 16] } }, f8), /non-negative integers/],
    ['missing offsets', handMade({ x: { dtype: 'F64', shape: [2] } }, f8), /expected keys/],
    ['extra key', handMade({ x: { ...ok.x, extra: 1 } }, f8), /expected keys/],
    ['fractional offset', handMade({ x: { dtype: 'F64', shape: [2], data_offsets: [0, 16.5] } }, f8), /data_offsets must be/],
    ['metadata not strings', handMade({ ...ok, __metadata__: { eps: 0.1 } }, f8), /__metadata__\.eps must be a string/],
    ['huge shape', handMade({ x: { dtype: 'F64', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 16] } }, f8), /too large/],
    ['non-finite value', handMade(ok, bytesOf(Float64Array.of(1, NaN))), /Tensor "x": Expected finite number at x\[1\] but received NaN/],
  ];
  for (const [what, file, pattern] of cases) {
    const e = formatError(() => parseSafetensors(file));
    t.match(e.message, pattern, what);
    t.equal(e.format, 'safetensors');
  }
  // Every truncation of a valid file fails cleanly.
  const good = serializeSafetensors({ W: { dtype: 'float64', shape: [2, 2], data: Float64Array.of(1, 2, 3, 4) } }, { eps: '1' });
  for (let cut = 0; cut < good.length; cut++) t.throws(() => parseSafetensors(good.subarray(0, cut)), DataFormatError);
  // Non-finite values pass when asked.
  t.ok(parseSafetensors(handMade(ok, bytesOf(Float64Array.of(1, Infinity))), { requireFinite: false }));
});

t.test('writer refuses what it cannot represent', async (t) => {
  t.throws(() => serializeSafetensors({ __metadata__: { dtype: 'float64', shape: [], data: Float64Array.of(1) } }), /Invalid safetensors tensor name/);
  t.throws(() => serializeSafetensors({ x: { dtype: 'float64', shape: [3], data: Float64Array.of(1) } }), /1 elements for shape \[3\]/);
  t.throws(() => serializeSafetensors({}, { eps: 1 as unknown as string }), /must be a string/);
});

t.test('readSafetensors reads a file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hjnet-st-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'w.safetensors');
  await writeFile(path, serializeSafetensors({ W: { dtype: 'float32', shape: [1, 2], data: Float32Array.of(1, 2) } }, { t: '2' }));
  const out = await readSafetensors(path);
  t.strictSame(out.metadata, { t: '2' });
  t.strictSame(Array.from(out.tensors.W!.data), [1, 2]);
});
