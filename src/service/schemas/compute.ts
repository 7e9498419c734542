// Bodies and responses of evaluate, attribute and certify-radius, for a stored model
// (/v1/models/{id}/...) and with an inline model (/v1/...).
import { Type } from 'typebox';
import { MAX_TAU } from '../../engine/options.js';
import { MAX_EPS } from '../../engine/spec.js';
import { InlineModel } from './model.js';
import { Encoding, OutputTensor, Precision, QueriesInput } from './tensor.js';

const Eps = Type.Number({ minimum: 0, maximum: MAX_EPS, description: "Overrides the model's viscosity for this call" });
const Head = Type.Integer({ minimum: 0, description: 'Head to use (default 0; the predicted class for classification)' });
const OutputName = Type.Enum(['f', 'u', 'pi', 'entropy', 'grad_f', 'grad_u', 'hessian_norm']);

const exampleModel = { eps: 0.5, t: 1, W: [[1, 0], [0, 1], [-1, -1]], b: [0, 0.5, -0.25] };
const exampleX = [[0.5, -0.2], [1, 1]];

const evaluateFields = {
  X: QueriesInput,
  eps: Type.Optional(Eps),
  outputs: Type.Optional(Type.Array(OutputName, { description: 'Outputs besides f and u (always returned)', uniqueItems: true })),
  topk: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Also return the k largest Gibbs weights per query and head' })),
  precision: Type.Optional(Precision),
  encoding: Type.Optional(Encoding),
};
const attributeFields = {
  X: QueriesInput,
  eps: Type.Optional(Eps),
  head: Type.Optional(Head),
  k: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'At most k support points per query (default 10)' })),
  mass: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'Stop once this Gibbs mass is covered (default 0.99)' })),
  precision: Type.Optional(Precision),
  encoding: Type.Optional(Encoding),
};
const certifyFields = {
  X: QueriesInput,
  eps: Type.Optional(Eps),
  tau: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_TAU, description: 'Tolerance on the change of the target (default 0.1)' })),
  head: Type.Optional(Head),
  target: Type.Optional(Type.Enum(['u', 'f'], { description: 'u (default) or f' })),
  attack: Type.Optional(
    Type.Object(
      { steps: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
      { additionalProperties: false, description: 'Projected gradient ascent that tries to break each certificate' },
    ),
  ),
  precision: Type.Optional(Precision),
  encoding: Type.Optional(Encoding),
};
const closed = { additionalProperties: false } as const;

export const EvaluateBody = Type.Object(evaluateFields, { ...closed, examples: [{ X: exampleX, outputs: ['entropy', 'grad_u'] }] });
export const AttributeBody = Type.Object(attributeFields, { ...closed, examples: [{ X: exampleX, k: 3 }] });
export const CertifyBody = Type.Object(certifyFields, { ...closed, examples: [{ X: exampleX, tau: 0.1, attack: { steps: 20 } }] });

export const InlineEvaluateBody = Type.Object(
  { model: InlineModel, ...evaluateFields },
  { ...closed, examples: [{ model: exampleModel, X: exampleX, outputs: ['entropy', 'grad_u'] }] },
);
export const InlineAttributeBody = Type.Object(
  { model: InlineModel, ...attributeFields },
  { ...closed, examples: [{ model: exampleModel, X: exampleX, k: 3 }] },
);
export const InlineCertifyBody = Type.Object(
  { model: InlineModel, ...certifyFields },
  { ...closed, examples: [{ model: exampleModel, X: exampleX, tau: 0.1, target: 'f', attack: { steps: 20 } }] },
);

export const EvaluateResponse = Type.Object(
  {
    f: OutputTensor(2, '[B, K] layer output f'),
    u: OutputTensor(2, '[B, K] Hopf–Cole solution u'),
    pi: Type.Optional(OutputTensor(3, '[B, K, N] Gibbs weights')),
    entropy: Type.Optional(OutputTensor(2, '[B, K] attribution entropy')),
    grad_f: Type.Optional(OutputTensor(3, '[B, K, d]')),
    grad_u: Type.Optional(OutputTensor(3, '[B, K, d]')),
    hessian_norm: Type.Optional(OutputTensor(2, '[B, K] spectral norm of hess f; null where infinite')),
    topk: Type.Optional(
      Type.Object({ index: OutputTensor(3, '[B, K, k] neuron indices'), pi: OutputTensor(3, '[B, K, k] their Gibbs weights') }),
    ),
    class: Type.Optional(OutputTensor(1, '[B] predicted class (classification)')),
    proba: Type.Optional(OutputTensor(2, '[B, K] class probabilities softmax(-u) (classification)')),
  },
  {
    title: 'EvaluateResult',
    examples: [{ f: [[0.7918827605447554], [1.6568329714347596]], u: [[-0.7193827605447554], [-1.1568329714347596]], entropy: [[0.8767672004840115], [0.5855299675866401]] }],
  },
);

const nullable = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

const Attribution = Type.Object({
  head: Type.Integer(),
  entropy: Type.Number(),
  effective_n: Type.Number({ description: 'exp(entropy)' }),
  fhat: Type.Number({ description: 'sum_j pi_j g_j' }),
  covered_mass: Type.Number(),
  top: Type.Array(Type.Object({ index: Type.Integer(), pi: Type.Number(), sensitivity: Type.Number(), g: Type.Number() })),
});
export const AttributeResponse = Type.Object(
  { results: Type.Array(Attribution) },
  {
    title: 'AttributeResult',
    examples: [{ results: [{ head: 0, entropy: 0.8768, effective_n: 2.4031, fhat: -1.2382, covered_mass: 0.9317, top: [{ index: 0, pi: 0.5578, sensitivity: 0.2921, g: -1 }, { index: 1, pi: 0.3739, sensitivity: 0.5697, g: -1.5 }] }] }],
  },
);

const RegressionCertificate = Type.Object(
  {
    head: Type.Integer(),
    target: Type.Enum(['u', 'f']),
    radius: nullable('The certified radius: the largest sound radius (null: unbounded)'),
    radius_paper: nullable('Corollary 8.2 (null for target u)'),
    radius_lipschitz: nullable('tau / M, or the ball bound for u'),
    radius_local: nullable('Solves G r + C r^2 / 2 = tau'),
    gradient_norm: Type.Number(),
    curvature_bound: nullable('null when infinite (eps = 0)'),
    attack: Type.Optional(Type.Object({ max_change: Type.Number(), sound: Type.Boolean() })),
  },
  { title: 'RegressionCertificate' },
);
const ClassificationCertificate = Type.Object(
  {
    class: Type.Integer(),
    margin: nullable('min_k u_k - u_c'),
    radius: nullable('The class stays the same within this radius'),
    attack: Type.Optional(Type.Object({ min_margin: nullable('smallest margin the attack found'), sound: Type.Boolean() })),
  },
  { title: 'ClassificationCertificate' },
);
export const CertifyResponse = Type.Object(
  { results: Type.Array(Type.Union([RegressionCertificate, ClassificationCertificate])) },
  {
    title: 'CertifyResult',
    examples: [{ results: [{ head: 0, target: 'u', radius: 0.1588, radius_paper: null, radius_lipschitz: 0.0636, radius_local: 0.1588, gradient_norm: 0.471, curvature_bound: 2, attack: { max_change: 0.0741, sound: true } }] }],
  },
);
