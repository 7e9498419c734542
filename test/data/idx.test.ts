import t from 'tap';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { decodeIdx, parseIdx, readIdx, serializeIdx, writeIdx } from '../../src/data/idx.js';
import { DataFormatError } from '../../src/data/errors.js';
import { toTensor, type NumericArray } from '../../src/data/tensor.js';
import { thrown } from './fixtures/helper.js';

const FASHION = '/usr/share/datasets/fashion-mnist';

const formatError = (fn: () => unknown): DataFormatError => thrown(DataFormatError, fn);

const arrayArb: fc.Arbitrary<NumericArray> = fc
  .tuple(fc.constantFrom('uint8', 'int8', 'int16', 'int32', 'float32', 'float64'), fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }))
  .chain(([dtype, shape]) => {
    const n = shape.reduce((a, s) => a * s, 1);
    const arr = <T>(e: fc.Arbitrary<T>) => fc.array(e, { minLength: n, maxLength: n });
    const mk = (data: NumericArray['data']) => ({ dtype, shape, data }) as NumericArray;
    switch (dtype) {
      case 'uint8':
        return arr(fc.integer({ min: 0, max: 255 })).map((v) => mk(Uint8Array.from(v)));
      case 'int8':
        return arr(fc.integer({ min: -128, max: 127 })).map((v) => mk(Int8Array.from(v)));
      case 'int16':
        return arr(fc.integer({ min: -32768, max: 32767 })).map((v) => mk(Int16Array.from(v)));
      case 'int32':
        return arr(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })).map((v) => mk(Int32Array.from(v)));
      case 'float32':
        return arr(fc.float({ noNaN: true })).map((v) => mk(Float32Array.from(v)));
      default:
        return arr(fc.double({ noNaN: true })).map((v) => mk(Float64Array.from(v)));
    }
  });

t.test('round trip, plain and gzipped', async (t) => {
  await fc.assert(
    fc.asyncProperty(arrayArb, fc.boolean(), async (array, gz) => {
      const raw = serializeIdx(array);
      const back = await decodeIdx(gz ? gzipSync(raw) : raw);
      assert.equal(back.dtype, array.dtype);
      assert.deepEqual(back.shape, array.shape);
      assert.deepEqual(Array.from(back.data as ArrayLike<number>), Array.from(array.data as ArrayLike<number>));
    }),
    { numRuns: 200 },
  );
  t.pass('round trips');
});

t.test('a hand-made MNIST-style file: big-endian dims and data', async (t) => {
  // 2 images of 2x3, ubyte; and int32 labels, big-endian.
  const images = Buffer.from([0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 250, 251, 252, 253, 254, 255]);
  const out = parseIdx(images);
  t.equal(out.dtype, 'uint8');
  t.strictSame(out.shape, [2, 2, 3]);
  t.strictSame(Array.from(out.data as Uint8Array), [1, 2, 3, 4, 5, 6, 250, 251, 252, 253, 254, 255]);
  const ints = parseIdx(Buffer.from([0, 0, 0x0c, 1, 0, 0, 0, 2, 0, 0, 1, 0, 0xff, 0xff, 0xff, 0xfe]));
  t.strictSame(Array.from(ints.data as Int32Array), [256, -2]);
  const dbl = Buffer.alloc(4 + 4 + 8);
  dbl.set([0, 0, 0x0e, 1, 0, 0, 0, 1]);
  dbl.writeDoubleBE(-1.25, 8);
  t.strictSame(Array.from(parseIdx(dbl).data as Float64Array), [-1.25]);
});

t.test('malformed files', async (t) => {
  const good = serializeIdx({ dtype: 'uint8', shape: [2, 3], data: Uint8Array.of(1, 2, 3, 4, 5, 6) });
  const cases: [string, Uint8Array, RegExp][] = [
    ['too short', Uint8Array.of(0, 0), /too short/],
    ['bad magic', Uint8Array.of(1, 0, 8, 1, 0, 0, 0, 0), /two zero bytes/],
    ['bad type code', Uint8Array.of(0, 0, 0x0a, 1, 0, 0, 0, 0), /Unknown IDX type code 0x0a/],
    ['truncated dims', Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 1), /Truncated IDX header: rank 3 needs 16 bytes/],
    ['truncated data', good.subarray(0, good.length - 1), /Truncated IDX data: shape \[2, 3\] of uint8 needs 6 bytes, the file holds 5/],
    ['trailing data', Buffer.concat([good, Buffer.from([0])]), /1 unexpected trailing bytes/],
    ['huge dims', Uint8Array.of(0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), /needs 18446744065119617025 bytes|too large/],
  ];
  for (const [what, bytes, pattern] of cases) {
    const e = formatError(() => parseIdx(bytes));
    t.match(e.message, pattern, what);
    t.equal(e.format, 'idx');
  }
  for (let cut = 0; cut < good.length; cut++) t.throws(() => parseIdx(good.subarray(0, cut)), DataFormatError);
  const gz = gzipSync(good);
  await t.rejects(decodeIdx(gz.subarray(0, gz.length - 6)), { message: /Corrupt gzip stream/ });
  await t.rejects(decodeIdx(gzipSync(Buffer.alloc(1 << 20)), { maxBytes: 1000 }), { message: /inflates past the limit of 1000 bytes/ });
});

t.test('readIdx and writeIdx on files', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hjnet-idx-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const labels: NumericArray = { dtype: 'uint8', shape: [5], data: Uint8Array.of(9, 0, 0, 3, 0) };
  await writeIdx(join(dir, 'labels-idx1-ubyte.gz'), labels, { gzip: true });
  await writeIdx(join(dir, 'labels-idx1-ubyte'), labels);
  for (const name of ['labels-idx1-ubyte.gz', 'labels-idx1-ubyte']) {
    const back = await readIdx(join(dir, name));
    t.strictSame([back.shape, Array.from(back.data as Uint8Array)], [[5], [9, 0, 0, 3, 0]], name);
  }
  await writeFile(join(dir, 'junk'), 'not idx');
  await t.rejects(readIdx(join(dir, 'junk')), DataFormatError);
});

const fashionSkip = existsSync(join(FASHION, 't10k-labels-idx1-ubyte.gz'))
  ? false
  : `Fashion-MNIST not found under ${FASHION} (apt-get install dataset-fashion-mnist)`;

t.test('Fashion-MNIST from the Debian package', { skip: fashionSkip }, async (t) => {
  const labels = await readIdx(join(FASHION, 't10k-labels-idx1-ubyte.gz'));
  t.equal(labels.dtype, 'uint8');
  t.strictSame(labels.shape, [10000]);
  const counts = new Array<number>(10).fill(0);
  for (const c of labels.data as Uint8Array) counts[c]!++;
  t.strictSame(counts, new Array(10).fill(1000), 'the test set is balanced: 1000 per class');
  t.equal((labels.data as Uint8Array)[0], 9, 'the first test image is an ankle boot');

  const images = await readIdx(join(FASHION, 't10k-images-idx3-ubyte.gz'));
  t.equal(images.dtype, 'uint8');
  t.strictSame(images.shape, [10000, 28, 28]);
  const px = images.data as Uint8Array;
  let max = 0;
  for (let i = 0; i < px.length; i++) if (px[i]! > max) max = px[i]!;
  t.equal(max, 255);
  // Convert one image to a float tensor a model can take.
  const first = toTensor({ dtype: 'uint8', shape: [1, 784], data: px.subarray(0, 784) });
  t.strictSame(first.shape, [1, 784]);

  const train = await readIdx(join(FASHION, 'train-labels-idx1-ubyte.gz'));
  t.strictSame(train.shape, [60000]);
  const trainImages = await readIdx(join(FASHION, 'train-images-idx3-ubyte.gz'));
  t.strictSame(trainImages.shape, [60000, 28, 28]);
});
