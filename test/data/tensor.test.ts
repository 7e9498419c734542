import t from 'tap';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import {
  TensorError,
  fromNested,
  indexPath,
  makeTensor,
  shapeSize,
  toNested,
  toTensor,
  assertFinite,
  type Tensor,
} from '../../src/data/tensor.js';
import { thrown } from './fixtures/helper.js';

const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 });
const tensorArb = (dtype: 'float32' | 'float64' | 'int32'): fc.Arbitrary<Tensor> =>
  shapeArb.chain((shape) => {
    const n = shape.reduce((a, s) => a * s, 1);
    const elem =
      dtype === 'float64'
        ? fc.double({ noNaN: true, noDefaultInfinity: true })
        : dtype === 'float32'
          ? fc.float({ noNaN: true, noDefaultInfinity: true })
          : fc.integer({ min: -2147483648, max: 2147483647 });
    return fc.array(elem, { minLength: n, maxLength: n }).map((vals) => {
      const data = dtype === 'float64' ? Float64Array.from(vals) : dtype === 'float32' ? Float32Array.from(vals) : Int32Array.from(vals);
      return { dtype, shape, data } as Tensor;
    });
  });

const catchTensorError = (fn: () => unknown): TensorError => thrown(TensorError, fn);

t.test('nested round trip over random shapes and dtypes', async (t) => {
  for (const dtype of ['float64', 'float32', 'int32'] as const) {
    fc.assert(
      fc.property(tensorArb(dtype), (tensor) => {
        const nested = toNested(tensor);
        // Zero-size dims before the last lose their trailing shape in nested form ([0,3] -> []),
        // so pass the rank back, which fills the trailing dims with 0.
        const back = fromNested(JSON.parse(JSON.stringify(nested)), 'X', { dtype, rank: tensor.shape.length });
        const n = tensor.data.length;
        if (n > 0) assert.deepEqual(back.shape, tensor.shape);
        else assert.equal(back.shape.reduce((a, s) => a * s, 1), 0);
        assert.equal(back.dtype, dtype);
        // JSON has no -0; otherwise every value comes back exactly.
        const plain = (a: ArrayLike<number>) => Array.from(a, (v) => (v === 0 ? 0 : v));
        assert.deepEqual(plain(back.data), plain(tensor.data));
      }),
      { numRuns: 150 },
    );
    t.pass(`${dtype} round trips`);
  }
});

t.test('shapes of nested arrays', async (t) => {
  t.strictSame(fromNested(3.5, 'x').shape, []);
  t.strictSame(Array.from(fromNested(3.5, 'x').data), [3.5]);
  t.strictSame(fromNested([], 'x').shape, [0]);
  t.strictSame(fromNested([[], []], 'x').shape, [2, 0]);
  t.strictSame(fromNested([], 'x', { rank: 2 }).shape, [0, 0]);
  t.strictSame(fromNested([[]], 'x', { rank: 3 }).shape, [1, 0, 0]);
  t.strictSame(fromNested([[1, 2, 3]], 'x', { rank: [2, 3] }).shape, [1, 3]);
  t.strictSame(toNested({ dtype: 'float64', shape: [2, 0], data: new Float64Array(0) }), [[], []]);
  t.equal(toNested({ dtype: 'float64', shape: [], data: Float64Array.of(7) }), 7);
  t.strictSame(Array.from(fromNested([[1, 2], [3, 4]], 'W').data), [1, 2, 3, 4]);
  t.ok(Object.is(fromNested([-0], 'x').data[0], -0), 'keeps -0');
});

t.test('non-finite entries are refused with their path', async (t) => {
  const X = JSON.parse('[[1,2],[3,4],[5,6],[7,1e400]]');
  const err = catchTensorError(() => fromNested(X, 'X'));
  t.equal(err.message, 'Expected finite number at X[3][1] but received Infinity');
  t.equal(err.field, 'X');
  t.equal(err.path, 'X[3][1]');
  t.equal(err.expected, 'finite number');
  t.equal(err.received, 'Infinity');
  t.ok(err instanceof RangeError);
  t.equal(catchTensorError(() => fromNested([NaN], 'b')).message, 'Expected finite number at b[0] but received NaN');
  t.equal(catchTensorError(() => fromNested([1, -Infinity], 'b')).received, '-Infinity');
  t.equal(catchTensorError(() => fromNested([[1, '2']], 'model.W')).message, 'Expected finite number at model.W[0][1] but received string "2"');
  t.equal(catchTensorError(() => fromNested([[1, null]], 'X')).message, 'Expected finite number at X[0][1] but received null');
  t.equal(catchTensorError(() => fromNested(Infinity, 'eps')).message, 'Expected finite number at eps but received Infinity');
  t.equal(catchTensorError(() => fromNested('abc', 'X')).message, 'Expected array or number for X but received string "abc"');
  t.equal(catchTensorError(() => fromNested({}, 'X')).message, 'Expected array or number for X but received object');
});

t.test('ragged and mis-nested arrays', async (t) => {
  const W = [
    [1, 2, 3, 4],
    [1, 2, 3, 4],
    [1, 2, 3],
  ];
  const err = catchTensorError(() => fromNested(W, 'W'));
  t.equal(err.message, 'Expected rectangular array for W: row 2 has length 3, row 0 has length 4');
  t.equal(err.path, 'W[2]');
  t.match(catchTensorError(() => fromNested([[[1, 2]], [[1, 2], [3, 4]]], 'W')).message, 'Expected rectangular array for W: row 1 has length 2, row 0 has length 1');
  t.match(catchTensorError(() => fromNested([[[1, 2]], [[1]]], 'W')).message, 'row [1][0] has length 1, row [0][0] has length 2');
  t.equal(catchTensorError(() => fromNested([[1, 2], 3], 'W')).message, 'Expected array at W[1] but received 3');
  t.equal(catchTensorError(() => fromNested([[1, [2]], [3, 4]], 'W')).message, 'Expected finite number at W[0][1] but received array of length 1');
  t.equal(catchTensorError(() => fromNested([[]], 'W', { rank: 1 })).message, 'Expected rank 1 for W but received rank 2 (shape [1, 0])');
  let deep: unknown = [1];
  for (let i = 0; i < 5000; i++) deep = [deep];
  t.equal(catchTensorError(() => fromNested(deep, 'X')).expected, 'rank <= 32');
  t.equal(catchTensorError(() => fromNested([1, 2], 'W', { rank: [2, 3] })).message, 'Expected rank 2 or 3 for W but received rank 1 (shape [2])');
});

t.test('dtype limits', async (t) => {
  t.equal(catchTensorError(() => fromNested([1e39], 'X', { dtype: 'float32' })).expected, 'number within float32 range');
  t.equal(fromNested([3.4028235e38], 'X', { dtype: 'float32' }).data[0], Math.fround(3.4028235e38));
  t.equal(catchTensorError(() => fromNested([1.5], 'y', { dtype: 'int32' })).message, 'Expected 32-bit integer at y[0] but received 1.5');
  t.equal(catchTensorError(() => fromNested([2 ** 31], 'y', { dtype: 'int32' })).expected, '32-bit integer');
  t.strictSame(Array.from(fromNested([-(2 ** 31), 7], 'y', { dtype: 'int32' }).data), [-(2 ** 31), 7]);
});

t.test('helpers', async (t) => {
  t.equal(indexPath(7, [3, 4]), '[1][3]');
  t.equal(indexPath(0, []), '');
  t.equal(shapeSize([]), 1);
  t.equal(shapeSize([3, 0, 2]), 0);
  t.throws(() => shapeSize([2, -1]), TensorError);
  t.throws(() => shapeSize([1.5]), TensorError);
  t.throws(() => shapeSize([2 ** 30, 2 ** 30, 2 ** 30]), TensorError);
  t.throws(() => makeTensor('float64', [2, 2], new Float64Array(3), 'W'), /Expected 4 elements for W/);
  t.throws(() => assertFinite(Float32Array.of(1, 2, NaN, 4), [2, 2], 'X'), { message: 'Expected finite number at X[1][0] but received NaN' });
  const u8 = toTensor({ dtype: 'uint8', shape: [2], data: Uint8Array.of(0, 255) });
  t.equal(u8.dtype, 'float64');
  t.strictSame(Array.from(u8.data), [0, 255]);
  const i64 = toTensor({ dtype: 'int64', shape: [2], data: BigInt64Array.of(-5n, 2n ** 53n - 1n) }, 'float64', 'labels');
  t.strictSame(Array.from(i64.data), [-5, 2 ** 53 - 1]);
  t.throws(() => toTensor({ dtype: 'int64', shape: [1], data: BigInt64Array.of(2n ** 60n) }, 'float64', 'labels'), {
    message: /Expected integer within ±2\^53 at labels\[0\]/,
  });
  t.throws(() => toTensor({ dtype: 'float64', shape: [1], data: Float64Array.of(0.5) }, 'int32', 'y'), /32-bit integer at y\[0\]/);
  t.strictSame(Array.from(toTensor({ dtype: 'float64', shape: [1], data: Float64Array.of(0.1) }, 'float32').data), [Math.fround(0.1)]);
  t.throws(() => toTensor({ dtype: 'float32', shape: [1], data: Float32Array.of(Infinity) }), /finite/);
});
