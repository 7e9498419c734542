// The library's public types: the request and response fields of the HTTP API (SPEC 3, 5).
import type { Precision } from './binding.js';

export type { Precision };
export type Task = 'regression' | 'classification';

export type NestedNumbers = number | NestedNumbers[];

/** A dense row-major tensor. Outputs are float64 (int32 for indices and classes). */
export interface Tensor {
  dtype: 'float32' | 'float64' | 'int32';
  shape: number[];
  data: Float32Array | Float64Array | Int32Array;
}

/** What the library takes for a tensor: nested arrays, a typed array with its shape, or a binary tensor (base64, little-endian). */
export type TensorInput =
  | NestedNumbers[]
  | { data: Float32Array | Float64Array; shape: number[] }
  | { dtype: 'float32' | 'float64'; shape: number[]; data: string };

export interface ModelSpec {
  name?: string;
  task?: Task;
  /** Class names of a classification model, one per head. */
  classes?: string[];
  /** Viscosity eps >= 0 (0: the tropical limit). */
  eps: number;
  /** Gauge time t > 0 (default 1). */
  t?: number;
  /** [N, d] or [K, N, d] weights, with b [N] or [K, N]. */
  W?: TensorInput;
  b?: TensorInput;
  /** Or the Hopf–Cole coordinates: support points y [N, d] | [K, N, d] and initial data g [N] | [K, N]. */
  support?: { y: TensorInput; g: TensorInput };
  /** Where the model came from (set by training): job, method, metrics ... */
  training?: Record<string, unknown> | null;
}

export interface HeadInfo {
  /** max_j |W_j| (the paper's ||W||_{2,inf}). */
  M: number;
  /** max_{i,j} |W_i - W_j|. */
  D: number;
}

export interface ModelInfo {
  name: string | null;
  task: Task;
  classes: string[] | null;
  /** 'weights' when registered by W, b; 'support' when by y, g (kept as given). */
  form: 'weights' | 'support';
  K: number;
  N: number;
  d: number;
  eps: number;
  t: number;
  /** N^(-1/d), Theorem 8.1's optimal viscosity. */
  eps_star: number;
  heads: HeadInfo[];
  training: Record<string, unknown> | null;
}

export type OutputName = 'f' | 'u' | 'pi' | 'entropy' | 'grad_f' | 'grad_u' | 'hessian_norm';

interface CallOptions {
  /** Per-call viscosity override. */
  eps?: number;
  precision?: Precision;
  /** Shape of X when X is a flat typed array. */
  shape?: number[];
}

export interface EvaluateOptions extends CallOptions {
  outputs?: OutputName[];
  /** Also return the top-k Gibbs weights per query and head. */
  topk?: number;
}

export interface EvaluateResult {
  /** [B, K] */
  f: Tensor;
  /** [B, K] */
  u: Tensor;
  /** [B, K, N] */
  pi?: Tensor;
  /** [B, K] */
  entropy?: Tensor;
  /** [B, K, d] */
  grad_f?: Tensor;
  /** [B, K, d] */
  grad_u?: Tensor;
  /** [B, K]; Infinity where it overflows (null in JSON). */
  hessian_norm?: Tensor;
  /** [B, K, k] neuron indices and their Gibbs weights, pi descending. */
  topk?: { index: Tensor; pi: Tensor };
  /** Classification: [B] predicted class (argmin_k u_k) and [B, K] softmax(-u). */
  class?: Tensor;
  proba?: Tensor;
}

export interface AttributeOptions extends CallOptions {
  /** Head to explain (default 0; the predicted class for classification). */
  head?: number;
  /** At most k support points per query (default 10). */
  k?: number;
  /** Stop once this much Gibbs mass is covered (default 0.99). */
  mass?: number;
}

export interface Attribution {
  head: number;
  entropy: number;
  /** exp(entropy): the effective number of support points. */
  effective_n: number;
  /** sum_j pi_j g_j */
  fhat: number;
  covered_mass: number;
  top: { index: number; pi: number; sensitivity: number; g: number }[];
}

export interface CertifyOptions extends CallOptions {
  /** Tolerance tau > 0 on the change of the target (default 0.1). */
  tau?: number;
  head?: number;
  /** 'u' (default for regression) or 'f'. */
  target?: 'u' | 'f';
  /** Projected gradient ascent that tries to break each certificate. */
  attack?: { steps?: number };
}

export interface RegressionCertificate {
  head: number;
  target: 'u' | 'f';
  radius: number;
  /** null for target u (no paper radius) */
  radius_paper: number | null;
  radius_lipschitz: number;
  radius_local: number;
  gradient_norm: number;
  /** null when infinite (eps = 0) */
  curvature_bound: number | null;
  attack?: { max_change: number; sound: boolean };
}

export interface ClassificationCertificate {
  class: number;
  margin: number;
  radius: number;
  attack?: { min_margin: number; sound: boolean };
}

export type Certificate = RegressionCertificate | ClassificationCertificate;

export interface Model {
  readonly info: ModelInfo;
  evaluate(X: TensorInput, options?: EvaluateOptions): Promise<EvaluateResult>;
  attribute(X: TensorInput, options?: AttributeOptions): Promise<{ results: Attribution[] }>;
  certifyRadius(X: TensorInput, options?: CertifyOptions): Promise<{ results: Certificate[] }>;
  /** The model's tensors in float64: W, b [K, N, d] / [K, N] and, for form 'support', y, g. */
  tensors(): Record<string, Tensor>;
}
