// Tensors on the wire: nested JSON arrays (row-major) or the binary form
// {dtype, shape, data: base64 of the little-endian bytes}.
import { Type, type Static } from 'typebox';

export const BinaryTensorInput = Type.Object(
  {
    dtype: Type.Enum(['float32', 'float64']),
    // Safe integers: a larger dimension would not be read back exactly.
    shape: Type.Array(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    data: Type.String({ contentEncoding: 'base64', description: 'Standard padded base64 of the little-endian element bytes' }),
  },
  { additionalProperties: false, title: 'BinaryTensor', description: 'A tensor in binary form' },
);

// Routes reference the shared schema (schemas/shared.ts) so the document holds it once.
const BinaryIn = Type.Unsafe<Static<typeof BinaryTensorInput>>(Type.Ref('BinaryTensor'));

const num = Type.Number();
export const Vector = Type.Array(num, { description: '[n] nested array' });
export const Matrix = Type.Array(Type.Array(num), { description: '[rows, cols] nested array, row-major' });
export const Tensor3 = Type.Array(Type.Array(Type.Array(num)), { description: '[K, N, d] nested array' });

/** Queries X: [B, d]. */
export const QueriesInput = Type.Union([Matrix, BinaryIn], { description: 'Queries X: [B, d] nested array or binary tensor' });
/** W or support points y: [N, d] | [K, N, d]. */
export const PointsInput = Type.Union([Matrix, Tensor3, BinaryIn]);
/** b or initial data g: [N] | [K, N]. */
export const ValuesInput = Type.Union([Vector, Matrix, BinaryIn]);

export const BinaryTensorOutput = Type.Object(
  {
    dtype: Type.Enum(['float32', 'float64', 'int32']),
    shape: Type.Array(Type.Integer({ minimum: 0 })),
    data: Type.String({ contentEncoding: 'base64' }),
  },
  { title: 'BinaryTensorOutput', description: 'Binary form (encoding "base64"); infinite values stay IEEE infinities' },
);

const numOrNull = Type.Union([Type.Number(), Type.Null()], { description: 'null where the value is infinite' });

function nested(rank: number) {
  let t = Type.Array(numOrNull);
  for (let r = 1; r < rank; r++) t = Type.Array(t) as never;
  return t;
}

/** A tensor output of the given rank, nested or binary per the request's encoding. */
export function OutputTensor(rank: number, description: string) {
  return Type.Union([nested(rank), Type.Unsafe<Static<typeof BinaryTensorOutput>>(Type.Ref('BinaryTensorOutput'))], { description });
}

export const Precision = Type.Enum(['float32', 'float64'], {
  description: 'Arithmetic of the computation (default float64)',
});
export const Encoding = Type.Enum(['json', 'base64'], {
  description: 'Form of tensor outputs: nested JSON arrays (default) or binary base64 tensors',
});
