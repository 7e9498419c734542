// Models: the registration body (SPEC 3, POST /v1/models), the inline model of /v1/evaluate & co,
// and the model record the server returns.
import { Type } from 'typebox';
import { MAX_EPS } from '../../engine/spec.js';
import { MODEL_ID_PATTERN } from '../../store/model-store.js';
import { PointsInput, ValuesInput } from './tensor.js';

export const ModelId = Type.String({
  pattern: MODEL_ID_PATTERN.source,
  description: 'Model id as returned by POST /v1/models',
  examples: ['m_0123456789abcdef'],
});
export const ModelParams = Type.Object({ id: ModelId });

const Task = Type.Enum(['regression', 'classification'], {
  description: 'regression (default) or classification (one head per class)',
});
const Eps = Type.Number({ minimum: 0, maximum: MAX_EPS, description: 'Viscosity eps >= 0; 0 is the tropical (max) limit' });
const T = Type.Number({ exclusiveMinimum: 0, description: 'Gauge time t > 0 (default 1)' });

const modelFields = {
  name: Type.Optional(Type.String({ maxLength: 200 })),
  task: Type.Optional(Task),
  classes: Type.Optional(Type.Array(Type.String(), { description: 'Class names, one per head' })),
  eps: Eps,
  t: Type.Optional(T),
  W: Type.Optional(PointsInput),
  b: Type.Optional(ValuesInput),
  support: Type.Optional(
    Type.Object(
      { y: PointsInput, g: ValuesInput },
      { additionalProperties: false, description: 'Hopf–Cole coordinates: support points y and initial data g, kept as given' },
    ),
  ),
};

export const ModelSpecBody = Type.Object(modelFields, {
  additionalProperties: false,
  description: 'Either W [N, d] | [K, N, d] with b [N] | [K, N], or support {y, g} of the same shapes',
  examples: [{ name: 'three-neurons', eps: 0.5, t: 1, W: [[1, 0], [0, 1], [-1, -1]], b: [0, 0.5, -0.25] }],
});

export const InlineModel = Type.Object(modelFields, {
  additionalProperties: false,
  description: 'A model given inline, as in POST /v1/models',
});

const HeadInfo = Type.Object({
  M: Type.Number({ description: 'max_j |W_j|' }),
  D: Type.Number({ description: 'max_{i,j} |W_i - W_j|' }),
});

// The fields a caller links back to its data; the rest (gauge, standardisation, metrics,
// history ...) stays open so that the record can grow without breaking clients.
const TrainingRecord = Type.Object(
  {
    job_id: Type.Optional(Type.String({ description: 'The training job' })),
    method: Type.Optional(Type.String({ description: 'adam, lbfgs, closed-form or fixed-support' })),
    support_rows: Type.Optional(
      Type.Array(Type.Integer({ minimum: 0 }), {
        description:
          'Support point j of every head started at row support_rows[j] of data.X as sent in POST /v1/train (before the validation split ' +
          'and the standardisation). closed-form and fixed-support keep the support points there; adam and lbfgs move them from there. ' +
          'Absent for parametrization "weights", whose support points start at random.',
      }),
    ),
  },
  { additionalProperties: true },
);

export const ModelRecord = Type.Object(
  {
    id: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
    name: Type.Union([Type.String(), Type.Null()]),
    task: Task,
    classes: Type.Union([Type.Array(Type.String()), Type.Null()]),
    form: Type.Enum(['weights', 'support']),
    K: Type.Integer(),
    N: Type.Integer(),
    d: Type.Integer(),
    eps: Type.Number(),
    t: Type.Number(),
    eps_star: Type.Number({ description: 'N^(-1/d), the optimal viscosity of Theorem 8.1' }),
    heads: Type.Array(HeadInfo),
    training: Type.Union([TrainingRecord, Type.Null()], { description: 'Training provenance, if trained' }),
  },
  { title: 'ModelRecord' },
);

export const ModelList = Type.Object({ models: Type.Array(ModelRecord) });
