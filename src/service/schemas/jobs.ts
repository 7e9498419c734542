// Training (SPEC 4): the body of POST /v1/train, the job record (SPEC 3) and the event stream.
import { Type, type Static } from 'typebox';
import { JOB_ID_PATTERN } from '../../jobs/job.js';
import { Problem } from './problem.js';
import { Matrix, Precision, Vector } from './tensor.js';

export const JobId = Type.String({
  pattern: JOB_ID_PATTERN.source,
  description: 'Job id as returned by POST /v1/train',
  examples: ['j_0123456789abcdef'],
});
export const JobParams = Type.Object({ id: JobId });

const BinaryIn = Type.Unsafe<Record<string, unknown>>(Type.Ref('BinaryTensor'));
const auto = Type.Literal('auto');

// 17 points of |x| on [-2, 2]: the example trains in a few milliseconds.
const exampleX = [-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, -1.75, -1.25, -0.75, -0.25, 0.25, 0.75, 1.25, 1.75];

export const TrainBody = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200, description: 'Name of the model the job stores' })),
    task: Type.Enum(['regression', 'classification'], {
      description: 'regression: MSE of u against the targets; classification: softmax cross-entropy on the scores -u_k',
    }),
    data: Type.Object(
      {
        X: Type.Union([Matrix, BinaryIn], { description: 'Inputs X [n, d] (n >= 2)' }),
        y: Type.Union([Vector, Matrix, BinaryIn], {
          description: 'Targets [n] | [n, K] (regression) or class labels [n] in 0..K-1 (classification)',
        }),
      },
      { additionalProperties: false },
    ),
    method: Type.Optional(
      Type.Enum(['adam', 'lbfgs', 'closed-form', 'fixed-support'], {
        description:
          'adam (default): support points y and initial data g optimised by Adam; lbfgs: full-batch L-BFGS (after warm_start_steps of Adam); ' +
          'closed-form: support points at training inputs, g = target + L^2 t (no optimisation); fixed-support: only g fitted',
      }),
    ),
    N: Type.Optional(Type.Integer({ minimum: 1, description: 'Support points per head (default min(n, 128); closed-form and fixed-support: min(n, 2048))' })),
    eps: Type.Optional(Type.Union([Type.Number({ minimum: 0 }), auto], { description: 'Viscosity in raw units, or "auto" (the generalisation gauge, default)' })),
    t: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0 }), auto], { description: 'Gauge time in raw units, or "auto" (default)' })),
    steps: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'Adam steps or L-BFGS iterations (default 2000; 200 for L-BFGS)' })),
    lr: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10, description: 'Adam learning rate (default 1e-2; 1e-3 for parametrization "weights")' })),
    batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1, description: 'Rows per Adam step (default 256)' })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Seed of the split, k-means++ and batches: same seed, same model' })),
    validation_split: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5, description: 'Share of rows held out (default 0.1; 0 for closed-form)' })),
    parametrization: Type.Optional(
      Type.Enum(['support', 'weights'], { description: 'support (default): HJ coordinates y, g; weights: the paper\'s W, b from W ~ N(0, 0.01/d), b = 0' }),
    ),
    early_stopping: Type.Optional(
      Type.Union([Type.Boolean(), Type.Object({ patience: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false })], {
        description: 'true (patience 10 evaluations) or {patience}: keep the parameters of the best validation',
      }),
    ),
    warm_start_steps: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000, description: 'lbfgs: Adam steps first' })),
    optimizer: Type.Optional(Type.Enum(['adam', 'lbfgs'], { description: 'fixed-support: how g is fitted (default lbfgs)' })),
    precision: Type.Optional(Precision),
  },
  {
    additionalProperties: false,
    description: 'A training job: data, method and gauge. Validated before it is queued.',
    examples: [
      {
        name: 'abs-1d',
        task: 'regression',
        method: 'adam',
        N: 8,
        steps: 300,
        seed: 0,
        data: { X: exampleX.map((x) => [x]), y: exampleX.map((x) => Math.abs(x)) },
      },
    ],
  },
);

const Status = Type.Enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);

export const JobProgress = Type.Object(
  {
    step: Type.Integer({ description: 'Steps done' }),
    steps: Type.Integer({ description: 'Steps planned (0 before the job starts and for closed-form)' }),
    loss: Type.Union([Type.Number(), Type.Null()], { description: 'Training loss in raw units (MSE or cross-entropy); null while unknown' }),
    val_metric: Type.Union([Type.Number(), Type.Null()], { description: 'Validation RMSE (regression) or accuracy (classification); null without' }),
  },
  { title: 'JobProgress' },
);

export const JobRecord = Type.Object(
  {
    id: Type.String(),
    status: Status,
    name: Type.Union([Type.String(), Type.Null()]),
    task: Type.String(),
    method: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
    started_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    progress: JobProgress,
    history: Type.Array(JobProgress, { description: 'Progress ticks, thinned to at most 500' }),
    model_id: Type.Union([Type.String(), Type.Null()], { description: 'The stored model, once succeeded' }),
    error: Type.Union([Type.String(), Type.Null()], { description: 'Why the job failed ("interrupted": the server stopped while it ran)' }),
  },
  { title: 'JobRecord' },
);

export const JobList = Type.Object({ jobs: Type.Array(JobRecord) });
export const TrainAccepted = Type.Object(
  { job_id: Type.String({ examples: ['j_0123456789abcdef'] }) },
  { description: 'Queued; Location names the job (/v1/jobs/{id})' },
);

export const EventStream = {
  description:
    'Server-sent events: `progress` (data: JobProgress) per tick, `status` (data: {status}) when the job starts, and a final `end` ' +
    '(data: JobRecord) before the stream closes; a comment every 15 s keeps the connection open.',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};

/** 404 for jobs (the shared problem responses say "model"). */
export const jobNotFound = {
  404: {
    description: 'No such job',
    content: { 'application/problem+json': { schema: Type.Unsafe<Static<typeof Problem>>(Type.Ref('Problem')) } },
  },
};
