import t from 'tap';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNpy, readNpy, serializeNpy, writeNpy } from '../../src/data/npy.js';
import { DataFormatError } from '../../src/data/errors.js';
import type { NumericArray } from '../../src/data/tensor.js';
import { thrown } from './fixtures/helper.js';

const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const arrayArb: fc.Arbitrary<NumericArray> = fc
  .tuple(fc.constantFrom('float32', 'float64', 'int32', 'int64', 'uint8', 'int8', 'int16'), fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }))
  .chain(([dtype, shape]) => {
    const n = shape.reduce((a, s) => a * s, 1);
    const arr = <T>(elem: fc.Arbitrary<T>) => fc.array(elem, { minLength: n, maxLength: n });
    switch (dtype) {
      case 'float64':
        return arr(fc.double()).map((v) => ({ dtype, shape, data: Float64Array.from(v) }) as NumericArray);
      case 'float32':
        return arr(fc.float()).map((v) => ({ dtype, shape, data: Float32Array.from(v) }) as NumericArray);
      case 'int32':
        return arr(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })).map((v) => ({ dtype, shape, data: Int32Array.from(v) }) as NumericArray);
      case 'int64':
        return arr(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })).map((v) => ({ dtype, shape, data: BigInt64Array.from(v) }) as NumericArray);
      case 'uint8':
        return arr(fc.integer({ min: 0, max: 255 })).map((v) => ({ dtype, shape, data: Uint8Array.from(v) }) as NumericArray);
      case 'int8':
        return arr(fc.integer({ min: -128, max: 127 })).map((v) => ({ dtype, shape, data: Int8Array.from(v) }) as NumericArray);
      default:
        return arr(fc.integer({ min: -32768, max: 32767 })).map((v) => ({ dtype: 'int16', shape, data: Int16Array.from(v) }) as NumericArray);
    }
  });

/** An .npy file from its parts, as another writer might produce it. */
function npy(header: string, data: Uint8Array, version = 1): Buffer {
  const prefix = version === 1 ? 10 : 12;
  const head = Buffer.alloc(prefix);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(head);
  const h = Buffer.from(header, version === 3 ? 'utf8' : 'latin1');
  if (version === 1) head.writeUInt16LE(h.length, 8);
  else head.writeUInt32LE(h.length, 8);
  return Buffer.concat([head, h, data]);
}

const formatError = (fn: () => unknown): DataFormatError => thrown(DataFormatError, fn);

t.test('round trip over random dtypes and shapes', async (t) => {
  fc.assert(
    fc.property(arrayArb, fc.nat({ max: 7 }), (array, shift) => {
      const file = serializeNpy(array);
      assert.equal((10 + file.readUInt16LE(8)) % 64, 0, 'header padded to 64 bytes');
      const host = new Uint8Array(file.length + shift);
      host.set(file, shift);
      const back = parseNpy(host.subarray(shift));
      assert.equal(back.dtype, array.dtype);
      assert.deepEqual(back.shape, array.shape);
      assert.equal(back.data.byteOffset % back.data.BYTES_PER_ELEMENT, 0);
      assert.deepEqual(bytesOf(back.data), bytesOf(array.data));
    }),
    { numRuns: 300 },
  );
  t.pass('round trips');
});

t.test('reads the header variants numpy and others write', async (t) => {
  const d = bytesOf(Float64Array.of(1, 2, 3, 4, 5, 6));
  const base = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
  for (const [what, header, version] of [
    ['v1', base + ' '.repeat(3) + '\n', 1],
    ['v2', base + '\n', 2],
    ['v3 utf-8', base + '\n', 3],
    ['double quotes, key order, no trailing comma', '{"shape": (2,3), "fortran_order": False, "descr": "<f8"}\n', 1],
    ['python 2 long ints', "{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 3L), }\n", 1],
  ] as const) {
    const out = parseNpy(npy(header, d, version));
    t.strictSame(out.shape, [2, 3], what);
    t.strictSame(Array.from(out.data as Float64Array), [1, 2, 3, 4, 5, 6], what);
  }
  t.strictSame(parseNpy(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (), }\n", Uint8Array.of(7))).shape, []);
  t.strictSame(parseNpy(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (0,), }\n", new Uint8Array(0))).shape, [0]);
  t.equal(parseNpy(npy("{'descr': 'u1', 'fortran_order': False, 'shape': (1,), }\n", Uint8Array.of(7))).dtype, 'uint8');
});

t.test('refuses what it cannot read, saying why', async (t) => {
  const d = bytesOf(Float64Array.of(1, 2, 3, 4));
  const h = (descr: string, shape = '(4,)', fortran = 'False') => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }\n`;
  const cases: [string, Buffer, RegExp][] = [
    ['fortran order', npy(h('<f8', '(2, 2)', 'True'), d), /Fortran-order .* not supported/],
    ['big-endian', npy(h('>f8'), d), /Big-endian dtype ">f8" is not supported/],
    ['complex', npy(h('<c16', '(2,)'), d), /Unsupported dtype "<c16"/],
    ['structured', npy("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (4,), }\n", d), /Structured/],
    ['object', npy(h('|O'), d), /Unsupported dtype/],
    ['truncated data', npy(h('<f8'), d.subarray(0, 30)), /Truncated data: shape \(4\) of <f8 needs 32 bytes, the file holds 30/],
    ['trailing bytes', npy(h('<f8', '(3,)'), d), /8 unexpected trailing bytes/],
    ['bad magic', Buffer.from('NUMPY1234567890'), /missing \\x93NUMPY magic/],
    ['version 4', (() => { const b = npy(h('<f8'), d); b[6] = 4; return b; })(), /Unsupported \.npy format version 4\.0/],
    ['header past end', npy(h('<f8'), d).subarray(0, 40), /runs past the end/],
    ['unknown key', npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), 'x': 1}\n", d), /unexpected value|unexpected key/],
    ['negative dim', npy(h('<f8', '(-4,)'), d), /non-negative integer/],
    ['missing shape', npy("{'descr': '<f8', 'fortran_order': False}\n", d), /"shape" must be/],
    ['garbage header', npy('hello\n', d), /expected "\{"/],
    ['huge shape', npy(h('<f8', '(4294967296, 4294967296)'), d), /too large/],
  ];
  for (const [what, file, pattern] of cases) {
    const e = formatError(() => parseNpy(file));
    t.match(e.message, pattern, what);
    t.equal(e.format, 'npy');
  }
  const good = serializeNpy({ dtype: 'float32', shape: [3], data: Float32Array.of(1, 2, 3) });
  for (let cut = 0; cut < good.length; cut++) t.throws(() => parseNpy(good.subarray(0, cut)), DataFormatError);
});

t.test('readNpy and writeNpy on files', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hjnet-npy-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeNpy(join(dir, 'a.npy'), { dtype: 'float64', shape: [2, 2], data: Float64Array.of(1, 2, 3, 4) });
  t.strictSame((await readNpy(join(dir, 'a.npy'))).shape, [2, 2]);
});

const numpySkip = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0 ? false : 'python3 with NumPy is not installed';

t.test('NumPy reads what we write and we read what NumPy writes', { skip: numpySkip }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hjnet-npy-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeNpy(join(dir, 'a.npy'), { dtype: 'float64', shape: [2, 2], data: Float64Array.of(1, 2, 3, 4) });
  const script = `
import numpy as np, sys
d = sys.argv[1]
a = np.load(d + '/a.npy'); assert a.dtype == np.float64 and a.shape == (2, 2) and a.tolist() == [[1, 2], [3, 4]], a
np.save(d + '/f4.npy', np.arange(6, dtype='<f4').reshape(2, 3) / 3)
np.save(d + '/i8.npy', np.array([-2**62, 5], dtype='<i8'))
np.save(d + '/u1.npy', np.arange(250, 256, dtype='u1').reshape(3, 2, 1))
np.save(d + '/empty.npy', np.zeros((0, 4)))
np.save(d + '/scalar.npy', np.float64(2.5))
np.save(d + '/fortran.npy', np.asfortranarray(np.ones((2, 3))))
np.lib.format.write_array(open(d + '/v2.npy', 'wb'), np.ones(3, dtype='<i4'), version=(2, 0))
np.lib.format.write_array(open(d + '/v3.npy', 'wb'), np.ones(3, dtype='<f8'), version=(3, 0))
`;
  const run = spawnSync('python3', ['-c', script, dir], { encoding: 'utf8' });
  t.equal(run.status, 0, `numpy: ${run.stderr}`);
  const f4 = await readNpy(join(dir, 'f4.npy'));
  t.equal(f4.dtype, 'float32');
  t.strictSame(f4.shape, [2, 3]);
  t.strictSame(Array.from(f4.data as Float32Array), [0, 1, 2, 3, 4, 5].map((v) => Math.fround(Math.fround(v) / 3)));
  t.strictSame(Array.from((await readNpy(join(dir, 'i8.npy'))).data as BigInt64Array), [-(2n ** 62n), 5n]);
  const u1 = await readNpy(join(dir, 'u1.npy'));
  t.strictSame([u1.dtype, u1.shape, Array.from(u1.data as Uint8Array)], ['uint8', [3, 2, 1], [250, 251, 252, 253, 254, 255]]);
  t.strictSame((await readNpy(join(dir, 'empty.npy'))).shape, [0, 4]);
  t.strictSame(Array.from((await readNpy(join(dir, 'scalar.npy'))).data as Float64Array), [2.5]);
  t.strictSame((await readNpy(join(dir, 'v2.npy'))).dtype, 'int32');
  t.strictSame((await readNpy(join(dir, 'v3.npy'))).shape, [3]);
  await t.rejects(readNpy(join(dir, 'fortran.npy')), { message: /Fortran-order/ });
  // And what we write, NumPy reads.
  await writeNpy(join(dir, 'w.npy'), { dtype: 'int64', shape: [2, 1], data: BigInt64Array.of(-1n, 2n ** 60n) });
  await writeNpy(join(dir, 'z.npy'), { dtype: 'float32', shape: [3, 0], data: new Float32Array(0) });
  const check = spawnSync(
    'python3',
    ['-c', "import numpy as np, sys; a = np.load(sys.argv[1] + '/w.npy'); z = np.load(sys.argv[1] + '/z.npy'); assert a.tolist() == [[-1], [2**60]] and z.shape == (3, 0) and z.dtype == np.float32", dir],
    { encoding: 'utf8' },
  );
  t.equal(check.status, 0, `numpy read ours: ${check.stderr}`);
});
