// The typed interface of the training exports of build/Release/hjnet.node (native/train/binding.cpp).
import { binding, type Precision } from '../binding.js';

/** The layer a training pass computes, in standardised units. */
export interface NativeLayer {
  K: number;
  N: number;
  d: number;
  t: number;
  eps: number;
  /** theta = [points (K*N*d) | values (K*N)]: support points y and initial data g, or weights W and biases b. */
  parametrization: 'support' | 'weights';
  /** 'squared': mean of (u - target)^2 over rows and heads; 'cross-entropy': mean of -log softmax(-u)_label. */
  loss: 'squared' | 'cross-entropy';
}

/** Targets [n, K] (squared loss) or labels [n] in 0..K-1 (cross-entropy). */
export type NativeTargets = Float64Array | Int32Array;

export interface NativeTrainConfig {
  layer: NativeLayer;
  precision?: Precision;
  /** Work shares (default: the pool size). Results are reproducible for a seed and this count. */
  threads?: number;
  /** Adam steps, then L-BFGS iterations (either may be 0). */
  adamSteps: number;
  lbfgsSteps: number;
  lr?: number;
  beta1?: number;
  beta2?: number;
  adamEps?: number;
  lbfgsMemory?: number;
  /** Rows per Adam step; 0 or >= n: full batch. */
  batchSize: number;
  seed: number;
  /** false: the points (y or W) stay fixed, only the values (g or b) are trained. */
  trainPoints?: boolean;
  /** Validation and a history entry every evalEvery steps. */
  evalEvery: number;
  /** Stop after this many evaluations without improvement, returning the best (0: off). */
  patience: number;
  progressIntervalMs?: number;
  X: Float64Array;
  n: number;
  y: NativeTargets;
  Xval: Float64Array;
  nval: number;
  yval: NativeTargets;
  /** Initial parameters. */
  theta: Float64Array;
}

/** Progress in standardised units; NaN where not yet known. */
export interface NativeProgress {
  step: number;
  steps: number;
  loss: number;
  val_metric: number;
}

export interface NativeTrainOutcome {
  theta: Float64Array;
  /** One entry per evaluation: mean training loss since the previous entry, validation RMSE or accuracy (NaN without). */
  history: { step: Int32Array; loss: Float64Array; val_metric: Float64Array };
  stepsRun: number;
  bestStep: number;
  stoppedEarly: boolean;
  /** Where the passes ran: 'cpu', 'cuda:<name>', or 'cpu (after a CUDA error at step s: ...)'. */
  device: string;
}

export interface NativeTrainJob {
  /** Rejects with code 'HJNET_CANCELLED' after cancel(), 'HJNET_NON_FINITE_LOSS' (message "non-finite loss"). */
  promise: Promise<NativeTrainOutcome>;
  cancel(): void;
}

export interface NativeTraining {
  trainHopfCole(config: NativeTrainConfig, onProgress?: (p: NativeProgress) => void): NativeTrainJob;
  /** u [n, K] at theta. */
  predictHopfCole(args: { layer: NativeLayer; theta: Float64Array; X: Float64Array; n: number; precision?: Precision; threads?: number }): Promise<Float64Array>;
  /** Mean loss over all rows and its gradient (synchronous: for tests and small problems). */
  lossGradHopfCole(args: {
    layer: NativeLayer;
    theta: Float64Array;
    X: Float64Array;
    n: number;
    y: NativeTargets;
    precision?: Precision;
    threads?: number;
  }): { loss: number; grad: Float64Array };
  /** N distinct row indices of X [n, d] by seeded k-means++ D^2 sampling, then up to lloydIterations Lloyd steps kept on rows. */
  kmeansPlusPlus(X: Float64Array, n: number, d: number, N: number, seed: number, lloydIterations?: number): Promise<Int32Array>;
  /** Nearest other row of each row of P [m, d] (m >= 2) and its distance. */
  nearestNeighbours(P: Float64Array, m: number, d: number): Promise<{ index: Int32Array; distance: Float64Array }>;
}

export function trainingBinding(): NativeTraining {
  return binding() as unknown as NativeTraining;
}
