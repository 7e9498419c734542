// The typed interface of every export of build/Release/hjnet.node, and its loader.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Precision = 'float32' | 'float64';

/** Heads of a model in both coordinate systems, float64, row-major, copied by the addon. */
export interface NativeHeadsSpec {
  K: number;
  N: number;
  d: number;
  /** [K, N, d] weights W. */
  W: Float64Array;
  /** [K, N] biases b. */
  b: Float64Array;
  /** [K, N, d] support points y = 2tW (as registered when the model came as support points). */
  y: Float64Array;
  /** [K, N] initial data g = -b - |y|^2/(4t) (as registered when given). */
  g: Float64Array;
  /** Gauge time t > 0. */
  t: number;
}

export interface GibbsPassOptions {
  /**
   * Precision of the inner loop (scores, exponentials, block sums); the epilogue (f, u, entropy,
   * ...) is always float64. A float32 query whose scores overflow float32 (inputs near its
   * range) is redone in float64, so finite input always gives finite output.
   */
  precision: Precision;
  /** Viscosity eps >= 0; 0 is the exact tropical limit. */
  eps: number;
  /**
   * 'logit': scores s_j = W_j.x + b_j (f only, fastest).
   * 'distance': s_j = -(g_j + |x - y_j|^2/(4t)); gives u without cancellation and f from the
   * maximising neuron, f = z_{j*} + eps log S.
   */
  mode: 'logit' | 'distance';
  /** One head per query (length B); absent: every head. Outputs then have K' = 1, else K' = K. */
  heads?: Int32Array;
  entropy?: boolean;
  /** fhat = sum_j pi_j g_j. */
  fhat?: boolean;
  /** grad f = sum_j pi_j W_j, [B, K', d]. */
  grad?: boolean;
  /**
   * Spectral norm of hess f = (1/eps) Cov_pi(W), computed in float64 whatever the precision
   * (second pass per query, centred rows; exact dense eigenvalue for d <= 64, Lanczos with full
   * re-orthogonalisation above). 0 at eps = 0; may be +Infinity when it overflows float64.
   */
  hessian?: boolean;
  /** Full Gibbs weights [B, K', N] (materialises B x N: only when asked). */
  pi?: boolean;
  /**
   * Largest k of pi per (query, head), sorted by pi descending; 0: none. Selection is by score
   * (pi is monotone in it), so equal scores keep the lower index first; neurons whose pi are
   * equal only because they round or underflow alike (pi = 0 outside the tie set at eps = 0,
   * uniform pi at eps = 1e300) are ordered by score, then index.
   */
  topk?: number;
  /** R = max_j |x - y_j|, [B, K']. */
  maxDistance?: boolean;
}

export interface GibbsPassResult {
  /** [B, K'] layer output f. */
  f: Float64Array;
  /** [B, K'] Hopf–Cole solution u (mode 'distance' only). */
  u?: Float64Array;
  /** [B, K'] index of the maximal score (first of ties; in mode 'distance' the maximal
   * distance score -(g + |x - y|^2/(4t)), which is the maximal logit up to rounding). */
  argmax: Int32Array;
  entropy?: Float64Array;
  fhat?: Float64Array;
  grad?: Float64Array;
  hessian?: Float64Array;
  pi?: Float64Array;
  /** [B, K', k] neuron indices, -1 past N. */
  topkIndex?: Int32Array;
  /** [B, K', k] their Gibbs weights. */
  topkPi?: Float64Array;
  maxDistance?: Float64Array;
}

export interface NativeHeads {
  readonly K: number;
  readonly N: number;
  readonly d: number;
  /**
   * One fused streaming pass; X is [B, d] row-major (any byteOffset), copied before the promise
   * is created, so the caller may reuse it at once. Invalid arguments throw synchronously:
   * TypeError for a wrong type or a detached buffer, RangeError for a wrong length or value,
   * each naming the argument, the expected and the received value.
   */
  gibbs(X: Float32Array | Float64Array, B: number, options: GibbsPassOptions): Promise<GibbsPassResult>;
  /** max_{i,j} |W_{a,i} - W_{b,j}| over the neurons of heads a and b (a = b: the diameter D). */
  maxPairDistance(headA: number, headB: number): Promise<number>;
}

export interface Rates {
  expPerSecond: number;
  fmaPerSecond: number;
}

/** Exp and FMA throughput of this machine over every compute thread (bench only: synchronous). */
export interface Roofline {
  float32: Rates;
  float64: Rates;
}

/** The CUDA device as probed once by the addon (native/cuda/backend.cpp). */
export interface CudaDeviceInfo {
  name: string;
  /** e.g. '9.0' (Hopper). */
  computeCapability: string;
  multiprocessors: number;
  clockHz: number;
  memoryBytes: number;
  /** Peak rates from the per-SM issue widths: fp32 FMA lanes, and exp2f (special-function unit). */
  fp32FmaPerSecond: number;
  fp32ExpPerSecond: number;
  runtimeVersion: string;
  driverVersion: string;
}

export interface DeviceFallbacks {
  count: number;
  /** The last CUDA error's message; null before the first. */
  lastError: string | null;
}

export interface NativeBinding {
  readonly version: string;
  /** Backends compiled in: ['cuda', 'cpu'] when built with CUDA, else ['cpu']. */
  backends(): string[];
  /**
   * The backend the computing calls use now: 'cpu' or 'cuda:<device name>', from HJNET_DEVICE as
   * set at the time of the call (auto or unset: the CUDA device when one answers, else the CPU;
   * cpu; cuda). Throws a RangeError for any other value and an Error when cuda is asked for and
   * no device is usable (or none is compiled in); Heads.gibbs throws the same way.
   */
  device(): string;
  /** The CUDA device (probed once), or null when none answers or none is compiled in. */
  cudaDevice(): CudaDeviceInfo | null;
  /** CUDA errors that the CPU pass answered instead (HJNET_DEVICE=auto) since the addon loaded. */
  deviceFallbacks(): DeviceFallbacks;
  /** The SIMD target chosen at run time, e.g. 'AVX3', 'AVX2', 'SSE4'. */
  simdTarget(): string;
  /** Queries per SIMD tile of the pass (16 or 32 with AVX-512). A pass of fewer queries and
   * no extras (f, u only) runs one query at a time with the neurons in the lanes instead, so
   * its last bits may differ from the same query's in a larger pass. */
  tileQueries(precision: Precision): number;
  /**
   * Size of the bounded compute pool (HJNET_THREADS, an integer in [1, 1024]; default: the
   * number of cores). Throws a RangeError when HJNET_THREADS is malformed (so does every call
   * that would compute).
   */
  threads(): number;
  Heads: new (spec: NativeHeadsSpec) => NativeHeads;
  roofline(): Roofline;
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('hjnet: cannot find the package root');
    dir = up;
  }
  return dir;
}

let cached: NativeBinding | undefined;

/** Loads the addon once, with one actionable error when it is missing or broken. */
export function binding(): NativeBinding {
  if (cached) return cached;
  const path = join(packageRoot(), 'build', 'Release', 'hjnet.node');
  try {
    cached = createRequire(import.meta.url)(path) as NativeBinding;
  } catch (err) {
    throw new Error(
      `hjnet: could not load the native addon at ${path} (${(err as Error).message}). ` +
        'Build it with `npm run build:native` (needs cmake, a C++17 compiler and libhwy-dev).',
    );
  }
  return cached;
}
