import t from 'tap';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import {
  decodeBase64Tensor,
  decodeStrictBase64,
  decodeTensorInput,
  encodeBase64Tensor,
  isBinaryTensor,
} from '../../src/data/base64-tensor.js';
import { TensorError, type Tensor } from '../../src/data/tensor.js';
import { thrown } from './fixtures/helper.js';

const shapeArb = fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 });
const floatTensorArb: fc.Arbitrary<Tensor> = fc.tuple(fc.constantFrom('float32' as const, 'float64' as const), shapeArb).chain(([dtype, shape]) => {
  const n = shape.reduce((a, s) => a * s, 1);
  const elem = dtype === 'float64' ? fc.double({ noNaN: true, noDefaultInfinity: true }) : fc.float({ noNaN: true, noDefaultInfinity: true });
  return fc.array(elem, { minLength: n, maxLength: n }).map((v) => ({ dtype, shape, data: dtype === 'float64' ? Float64Array.from(v) : Float32Array.from(v) }) as Tensor);
});

const b64 = (arr: ArrayBufferView): string => Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength).toString('base64');
const err = (fn: () => unknown): TensorError => thrown(TensorError, fn);

t.test('round trip through JSON over random shapes, including zero-size', async (t) => {
  fc.assert(
    fc.property(floatTensorArb, (tensor) => {
      const wire = JSON.parse(JSON.stringify(encodeBase64Tensor(tensor)));
      const back = decodeTensorInput(wire, 'X');
      assert.equal(back.dtype, tensor.dtype);
      assert.deepEqual(back.shape, tensor.shape);
      assert.equal(back.data.constructor, tensor.data.constructor);
      // Bit-exact, -0 included.
      assert.deepEqual(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength), Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    }),
    { numRuns: 300 },
  );
  t.pass('round trips');
});

t.test('small payloads decode aligned even though Node pools their Buffers', async (t) => {
  // Decode many small tensors back to back: the pool hands out Buffers at arbitrary offsets.
  for (let k = 1; k < 40; k++) {
    const x = Float64Array.from({ length: k }, (_, i) => i * 1.25 - k);
    Buffer.from('abc'); // shift the pool offset by an odd amount
    const out = decodeBase64Tensor({ dtype: 'float64', shape: [k], data: b64(x) }, 'X');
    t.equal(out.data.byteOffset % 8, 0);
    t.strictSame(Array.from(out.data), Array.from(x));
  }
  const big = new Float32Array(5000).map((_, i) => i / 7);
  const out = decodeBase64Tensor({ dtype: 'float32', shape: [50, 100], data: b64(big) }, 'X');
  t.strictSame(Array.from(out.data), Array.from(big));
});

t.test('malformed binary tensors', async (t) => {
  const good = b64(Float64Array.of(1, 2, 3, 4));
  t.equal(err(() => decodeBase64Tensor({ dtype: 'float64', shape: [3], data: good }, 'X')).message, 'Expected 24 bytes (shape [3] of float64) for X.data but received 32 bytes');
  t.equal(err(() => decodeBase64Tensor({ dtype: 'float32', shape: [2, 2], data: good }, 'X')).received, '32 bytes');
  t.equal(err(() => decodeBase64Tensor({ dtype: 'float16', shape: [4], data: good }, 'X')).path, 'X.dtype');
  t.equal(err(() => decodeBase64Tensor({ dtype: 'int32', shape: [8], data: good }, 'X')).expected, 'dtype "float32" or "float64"');
  t.equal(err(() => decodeBase64Tensor({ dtype: 'float64', shape: [-4], data: good }, 'X')).path, 'X.shape[0]');
  t.equal(err(() => decodeBase64Tensor({ dtype: 'float64', shape: [1.5], data: good }, 'X')).expected, 'non-negative safe integer (<= 2^53 - 1)');
  t.equal(err(() => decodeBase64Tensor({ dtype: 'float64', shape: [0, 2 ** 60], data: '' }, 'X')).expected, 'non-negative safe integer (<= 2^53 - 1)', 'a dimension past 2^53 is named for what it is');
  t.equal(err(() => decodeBase64Tensor({ dtype: 'float64', shape: '4', data: good }, 'X')).path, 'X.shape');
  t.equal(err(() => decodeBase64Tensor({ dtype: 'float64', shape: [4], data: good, extra: 1 }, 'X')).path, 'X.extra');
  t.equal(err(() => decodeBase64Tensor({ dtype: 'float64', shape: [2 ** 40, 2 ** 40], data: good }, 'X')).field, 'X.shape');
  // Non-finite values.
  const inf = err(() => decodeBase64Tensor({ dtype: 'float64', shape: [2, 2], data: b64(Float64Array.of(1, 2, Infinity, 4)) }, 'X'));
  t.equal(inf.message, 'Expected finite number at X[1][0] but received Infinity');
  t.equal(err(() => decodeBase64Tensor({ dtype: 'float32', shape: [1], data: b64(Float32Array.of(NaN)) }, 'X')).received, 'NaN');
  // Bad base64.
  t.match(err(() => decodeBase64Tensor({ dtype: 'float64', shape: [4], data: good.slice(0, -1) }, 'X')).message, /length a multiple of 4/);
  t.match(err(() => decodeBase64Tensor({ dtype: 'float64', shape: [4], data: '!' + good.slice(1) }, 'X')).message, 'invalid character "!" at position 0');
  t.match(err(() => decodeBase64Tensor({ dtype: 'float64', shape: [4], data: good.replace(/\+/g, '-').replace(/^./, '-') }, 'X')).message, 'invalid character "-"');
  t.match(err(() => decodeBase64Tensor({ dtype: 'float64', shape: [4], data: good.slice(0, 8) + '\n' + good.slice(8) }, 'X')).message, 'invalid character "\\n"');
  t.match(err(() => decodeStrictBase64('AAA', 'd')).message, /multiple of 4/);
  t.match(err(() => decodeStrictBase64('AAB=', 'd')).message, /padding bits/);
  t.match(err(() => decodeStrictBase64('AB==', 'd')).message, /padding bits/);
  t.match(err(() => decodeStrictBase64('A===', 'd')).message, /invalid character "="/);
  t.match(err(() => decodeStrictBase64('AA=A', 'd')).message, /invalid character "="/);
  t.match(err(() => decodeStrictBase64('AAAA====', 'd')).message, /invalid character "="/);
  t.match(err(() => decodeStrictBase64('AA!', 'd')).message, /invalid character "!" at position 2/);
  t.strictSame([...decodeStrictBase64('AAA=', 'd')], [0, 0]);
  // Every character outside the alphabet, at every position of a 2-block string, is refused.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let refused = 0;
  let tried = 0;
  for (let code = 0; code < 0x800; code++) {
    const ch = String.fromCharCode(code);
    if (alphabet.includes(ch)) continue;
    for (let pos = 0; pos < 8; pos++) {
      const s = 'QUJDREVG'.slice(0, pos) + ch + 'QUJDREVG'.slice(pos + 1);
      tried++;
      try {
        decodeStrictBase64(s, 'd');
      } catch (e) {
        if (e instanceof TensorError) refused++;
      }
    }
  }
  t.equal(refused, tried, `all ${tried} corrupted strings refused`);
  t.match(err(() => decodeStrictBase64('QUJD\u{1F600}', 'd')).message, /invalid character/);
  t.strictSame([...decodeStrictBase64('', 'd')], []);
  t.equal(err(() => decodeBase64Tensor({ dtype: 'float64', shape: [1], data: 5 }, 'X')).path, 'X.data');
});

t.test('decodeTensorInput takes every form', async (t) => {
  t.strictSame(Array.from(decodeTensorInput([[1, 2]], 'X').data), [1, 2]);
  t.equal(decodeTensorInput([[1, 2]], 'X', { dtype: 'float32' }).dtype, 'float32');
  t.equal(decodeTensorInput({ dtype: 'float32', shape: [1], data: b64(Float32Array.of(2)) }, 'X').dtype, 'float32');
  const typed = decodeTensorInput({ data: Float32Array.of(1, 2, 3, 4), shape: [2, 2] }, 'X');
  t.strictSame(typed.shape, [2, 2]);
  t.equal(typed.dtype, 'float32');
  t.strictSame(decodeTensorInput({ data: Float64Array.of(1, 2) }, 'X').shape, [2]);
  t.match(err(() => decodeTensorInput({ data: Float64Array.of(1, 2), shape: [3] }, 'X')).message, /3 elements/);
  t.match(err(() => decodeTensorInput({ data: Float64Array.of(1, NaN), shape: [2] }, 'X')).message, 'Expected finite number at X[1]');
  t.match(err(() => decodeTensorInput({ data: Int8Array.of(1) }, 'X')).message, /Float32Array or Float64Array/);
  t.match(err(() => decodeTensorInput('[[1]]', 'X')).message, 'Expected nested array or binary tensor');
  t.match(err(() => decodeTensorInput(null, 'model.W')).field, 'model.W');
  t.match(
    err(() => decodeTensorInput({ dtype: 'float64', shape: [4], data: b64(Float64Array.of(1, 2, 3, 4)) }, 'X', { rank: 2 })).message,
    'Expected rank 2 for X but received shape [4]',
  );
  t.ok(decodeTensorInput({ dtype: 'int32', shape: [1], data: b64(Int32Array.of(-3)) }, 'c', { dtypes: ['int32'] }).data instanceof Int32Array);
  t.ok(isBinaryTensor({ dtype: 'float64', shape: [], data: '' }));
  t.notOk(isBinaryTensor([1]));
});

t.test('encode is little-endian base64 of the elements', async (t) => {
  const enc = encodeBase64Tensor({ dtype: 'float32', shape: [2], data: Float32Array.of(1, -2) });
  t.strictSame(enc, { dtype: 'float32', shape: [2], data: Buffer.from([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]).toString('base64') });
  // A view into a larger buffer encodes only its own elements.
  const backing = Float64Array.of(9, 1, 2, 9);
  t.equal(encodeBase64Tensor({ dtype: 'float64', shape: [2], data: backing.subarray(1, 3) }).data, b64(Float64Array.of(1, 2)));
});
