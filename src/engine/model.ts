// The library API of SPEC section 5: a model over the native fused Gibbs pass.
import { projectedGradientAscent, type Objective } from './attack.js';
import { PassBatcher } from './batcher.js';
import { binding, type GibbsPassOptions, type GibbsPassResult, type NativeHeads } from './binding.js';
import { Described, rangeError } from './errors.js';
import {
  checkAttackSteps,
  checkEpsOverride,
  checkInteger,
  checkMass,
  checkOptionNames,
  checkOutputs,
  checkPrecision,
  checkTarget,
  checkTau,
} from './options.js';
import { curvatureBound, curvatureBoundU, lipschitzRadius, lipschitzRadiusU, localRadius, paperRadius } from './radii.js';
import { distanceLimit, parseSpec, safeNorm, type ParsedSpec } from './spec.js';
import { readQueries } from './tensor-input.js';
import type {
  AttributeOptions,
  Attribution,
  CertifyOptions,
  ClassificationCertificate,
  EvaluateOptions,
  EvaluateResult,
  HeadInfo,
  Model,
  ModelInfo,
  ModelSpec,
  RegressionCertificate,
  Tensor,
  TensorInput,
} from './types.js';

/** Attacks search a finite ball even where the certificate is unbounded. */
const ATTACK_RADIUS_CAP = 1e8;
/** Rounding slack when an attack's best value is compared with the certified bound. */
const ATTACK_SLACK = 1e-9;
/** |u| / max(|f|, 1) above which a query's f and Gibbs weights come from a logit pass. */
const LOGIT_RATIO = 4;

/** Outputs that a logit pass computes as well as (or better than) a distance pass. */
const LOGIT_OUTPUTS = ['f', 'argmax', 'entropy', 'fhat', 'grad', 'hessian', 'pi', 'topkIndex', 'topkPi'] as const;

function tensor(data: Float64Array | Int32Array, shape: number[]): Tensor {
  return { dtype: data instanceof Int32Array ? 'int32' : 'float64', shape, data };
}

function argmax(a: Float64Array, off: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (a[off + k] > a[off + best]) best = k;
  return best;
}

interface Queries {
  X: Float64Array | Float32Array;
  B: number;
}

class HopfColeModel implements Model {
  readonly info: ModelInfo;
  readonly #spec: ParsedSpec;
  readonly #native: NativeHeads;
  readonly #batcher: PassBatcher;
  readonly #pairLipschitz = new Map<string, Promise<number>>();
  /** Largest |x| a query may have: |x - y_j|^2/(4t) stays finite, with headroom. */
  readonly #maxQueryNorm: number;
  /** Per head, max_j |g_j| of a model registered by weights (0 by support points): such initial
   * data carry the rounding of -b - t|W|^2, and so do the distance scores made of them. */
  readonly #gScale: Float64Array;

  constructor(spec: ParsedSpec, native: NativeHeads, heads: HeadInfo[]) {
    this.#spec = spec;
    this.#native = native;
    this.#batcher = new PassBatcher(native);
    const { name, task, classes, form, K, N, d, eps, t, training, g } = spec;
    this.#maxQueryNorm = distanceLimit(t) - spec.yMax;
    this.#gScale = new Float64Array(K);
    if (form === 'weights') for (let j = 0; j < K * N; j++) this.#gScale[Math.floor(j / N)] = Math.max(this.#gScale[Math.floor(j / N)], Math.abs(g[j]));
    this.info = { name, task, classes, form, K, N, d, eps, t, eps_star: N ** (-1 / d), heads, training };
  }

  #queries(X: TensorInput | Float32Array | Float64Array, shape: unknown): Queries {
    const { d } = this.info;
    const dense = readQueries(ArrayBuffer.isView(X) ? { data: X, shape } : X, d);
    const B = dense.shape[0];
    if (B === 0) return { X: new Float64Array(0), B: 0 };
    // one pass for the usual case: every query is far inside the limit
    let largest = 0;
    for (let i = 0; i < dense.data.length; i++) largest = Math.max(largest, Math.abs(dense.data[i]));
    for (let i = 0; largest * Math.sqrt(d) > this.#maxQueryNorm && i < B; i++) {
      const r = safeNorm(dense.data, i * d, d);
      if (r > this.#maxQueryNorm) {
        throw rangeError(
          `X[${i}]`,
          `a query with |x| at most ${this.#maxQueryNorm.toPrecision(3)} for this model (|x - y_j|^2/(4t) must stay finite in float64)`,
          new Described(`|x| = ${r.toPrecision(3)}`),
        );
      }
    }
    return { X: dense.data, B };
  }

  #headOption(head: unknown, B: number): Int32Array | undefined {
    if (head === undefined) return undefined;
    const k = checkInteger(head, 'head', 0, this.info.K - 1, 0);
    return new Int32Array(B).fill(k);
  }

  /**
   * One fused pass. A distance pass gives u to full precision, but its scores carry the
   * rounding of the squared distances, about ulp(|u|), and for a model registered by weights
   * that of its initial data, ulp(max |g|), where logits carry ulp(|z|) (SPEC 1: the softmax's
   * conditioning is |z|/eps). Where that scale dwarfs |f| (queries far from every support
   * point, or huge weights), f and everything made of the Gibbs weights come from a logit
   * pass; for a model registered by weights, u then comes from |x|^2/(4t) - f where that form
   * rounds less.
   */
  async #pass(q: Queries, options: GibbsPassOptions): Promise<GibbsPassResult> {
    const res = await this.#batcher.gibbs(q.X, q.B, options);
    if (options.mode !== 'distance' || q.B === 0) return res;
    const Kp = options.heads ? 1 : this.info.K;
    const headOf = (i: number, col: number) => (options.heads ? (options.heads as Int32Array)[i] : col);
    const u = res.u as Float64Array;
    const distanceScale = (i: number, col: number) => Math.max(Math.abs(u[i * Kp + col]), this.#gScale[headOf(i, col)]);
    const rows: number[] = [];
    for (let i = 0; i < q.B; i++) {
      for (let col = 0; col < Kp; col++) {
        if (distanceScale(i, col) > LOGIT_RATIO * Math.max(Math.abs(res.f[i * Kp + col]), 1)) {
          rows.push(i);
          break;
        }
      }
    }
    if (rows.length === 0) return res;
    const { d } = this.info;
    const X = q.X instanceof Float32Array ? new Float32Array(rows.length * d) : new Float64Array(rows.length * d);
    rows.forEach((i, r) => X.set(q.X.subarray(i * d, (i + 1) * d), r * d));
    const heads = options.heads && Int32Array.from(rows, (i) => (options.heads as Int32Array)[i]);
    const fix = await this.#native.gibbs(X, rows.length, { ...options, mode: 'logit', heads, maxDistance: false });
    for (const key of LOGIT_OUTPUTS) {
      const to = res[key];
      const from = fix[key];
      if (!to || !from) continue;
      const width = to.length / q.B;
      rows.forEach((i, r) => to.set(from.subarray(r * width, (r + 1) * width) as never, i * width));
    }
    if (this.info.form === 'weights') {
      const { d, t } = this.info;
      for (const i of rows) {
        const xx = safeNorm(q.X, i * d, d) ** 2 / (4 * t);
        for (let col = 0; col < Kp; col++) {
          const f = res.f[i * Kp + col];
          if (xx + Math.abs(f) < distanceScale(i, col)) u[i * Kp + col] = xx - f;
        }
      }
    }
    return res;
  }

  /** grad u = x/(2t) - grad f, per query and head. */
  #gradU(q: Queries, grad: Float64Array, Kp: number): Float64Array {
    const { d, t } = this.info;
    const out = new Float64Array(grad.length);
    for (let i = 0; i < q.B; i++) {
      for (let h = 0; h < Kp; h++) {
        const off = (i * Kp + h) * d;
        for (let k = 0; k < d; k++) out[off + k] = q.X[i * d + k] / (2 * t) - grad[off + k];
      }
    }
    return out;
  }

  async evaluate(X: TensorInput, options: EvaluateOptions = {}): Promise<EvaluateResult> {
    checkOptionNames(options, { shape: 1, eps: 1, precision: 1, outputs: 1, topk: 1 });
    const q = this.#queries(X, options.shape);
    const outputs = checkOutputs(options.outputs);
    const { K, N, d } = this.info;
    const topk = options.topk === undefined ? 0 : Math.min(checkInteger(options.topk, 'topk', 1, 1_000_000, 10), N);
    const precision = checkPrecision(options.precision);
    const eps = checkEpsOverride(options.eps, this.info.eps);
    const res = await this.#pass(q, {
      precision,
      eps,
      mode: 'distance',
      entropy: outputs.has('entropy'),
      grad: outputs.has('grad_f') || outputs.has('grad_u'),
      hessian: outputs.has('hessian_norm'),
      pi: outputs.has('pi'),
      topk,
    });
    const BK = [q.B, K];
    const out: EvaluateResult = { f: tensor(res.f, BK), u: tensor(res.u as Float64Array, BK) };
    if (res.pi) out.pi = tensor(res.pi, [q.B, K, N]);
    if (res.entropy) out.entropy = tensor(res.entropy, BK);
    if (res.grad && outputs.has('grad_f')) out.grad_f = tensor(res.grad, [q.B, K, d]);
    if (res.grad && outputs.has('grad_u')) out.grad_u = tensor(this.#gradU(q, res.grad, K), [q.B, K, d]);
    if (res.hessian) out.hessian_norm = tensor(res.hessian, BK);
    if (res.topkIndex && res.topkPi) {
      out.topk = { index: tensor(res.topkIndex, [q.B, K, topk]), pi: tensor(res.topkPi, [q.B, K, topk]) };
    }
    if (this.info.task === 'classification') Object.assign(out, classify(res.f, q.B, K));
    return out;
  }

  /** The predicted class of each query: argmin_k u_k = argmax_k f_k (the heads share t, and
   * f has no |x|^2/(4t) to cancel). */
  async #predictedHeads(q: Queries, eps: number): Promise<Int32Array> {
    const { f } = await this.#pass(q, { precision: 'float64', eps, mode: 'distance' });
    const { K } = this.info;
    return new Int32Array(q.B).map((_, i) => argmax(f, i * K, K));
  }

  async attribute(X: TensorInput, options: AttributeOptions = {}): Promise<{ results: Attribution[] }> {
    checkOptionNames(options, { shape: 1, eps: 1, precision: 1, head: 1, k: 1, mass: 1 });
    const q = this.#queries(X, options.shape);
    const eps = checkEpsOverride(options.eps, this.info.eps);
    const precision = checkPrecision(options.precision);
    const { N, task } = this.info;
    const k = Math.min(checkInteger(options.k, 'k', 1, 1_000_000, 10), N);
    const mass = checkMass(options.mass);
    const heads =
      this.#headOption(options.head, q.B) ??
      (task === 'classification' ? await this.#predictedHeads(q, eps) : new Int32Array(q.B));
    const res = await this.#pass(q, { precision, eps, mode: 'distance', heads, entropy: true, fhat: true, topk: k });
    const { g } = this.#spec;
    const results: Attribution[] = [];
    for (let i = 0; i < q.B; i++) {
      const head = heads[i];
      const fhat = (res.fhat as Float64Array)[i];
      const entropy = (res.entropy as Float64Array)[i];
      const top: Attribution['top'] = [];
      let covered = 0;
      for (let r = 0; r < k && covered < mass; r++) {
        const index = (res.topkIndex as Int32Array)[i * k + r];
        if (index < 0) break;
        const pi = (res.topkPi as Float64Array)[i * k + r];
        const gj = g[head * N + index];
        // d fhat / d g_j; in the tropical limit fhat moves with g only through the maximiser.
        const sensitivity = eps === 0 ? pi : pi * (1 + (fhat - gj) / eps);
        top.push({ index, pi, sensitivity, g: gj });
        covered += pi;
      }
      results.push({ head, entropy, effective_n: Math.exp(entropy), fhat, covered_mass: Math.min(covered, 1), top });
    }
    return { results };
  }

  async certifyRadius(X: TensorInput, options: CertifyOptions = {}): Promise<{ results: (RegressionCertificate | ClassificationCertificate)[] }> {
    checkOptionNames(options, { shape: 1, eps: 1, precision: 1, tau: 1, head: 1, target: 1, attack: 1 });
    const q = this.#queries(X, options.shape);
    const eps = checkEpsOverride(options.eps, this.info.eps);
    checkPrecision(options.precision);
    const tau = checkTau(options.tau);
    const steps = checkAttackSteps(options.attack);
    if (this.info.task === 'classification' && options.head === undefined) {
      if (options.target !== undefined) checkTarget(options.target);
      return { results: await this.#certifyClasses(q, eps, steps) };
    }
    const head = checkInteger(options.head, 'head', 0, this.info.K - 1, 0);
    return { results: await this.#certifyHead(q, eps, tau, head, checkTarget(options.target), steps) };
  }

  // Certificates are computed in float64 whatever the requested precision, so they stay sound.
  async #targetAndGradient(q: Queries, eps: number, head: number, target: 'u' | 'f', maxDistance = false) {
    const heads = new Int32Array(q.B).fill(head);
    const res = await this.#pass(q, { precision: 'float64', eps, mode: 'distance', heads, grad: true, maxDistance });
    const grad = target === 'u' ? this.#gradU(q, res.grad as Float64Array, 1) : (res.grad as Float64Array);
    return { value: target === 'u' ? (res.u as Float64Array) : res.f, grad, R: res.maxDistance };
  }

  async #certifyHead(q: Queries, eps: number, tau: number, head: number, target: 'u' | 'f', steps: number | null) {
    const { d, t } = this.info;
    const { M, D } = this.info.heads[head];
    const C = curvatureBound(D, eps);
    const { value, grad, R } = await this.#targetAndGradient(q, eps, head, target, target === 'u');
    const results: RegressionCertificate[] = [];
    for (let i = 0; i < q.B; i++) {
      const G = safeNorm(grad, i * d, d);
      const curvature = target === 'u' ? curvatureBoundU(C, t) : C;
      const radius_paper = target === 'u' ? null : paperRadius(tau, eps, M);
      const radius_lipschitz = target === 'u' ? lipschitzRadiusU(tau, (R as Float64Array)[i], t) : lipschitzRadius(tau, M);
      const radius_local = localRadius(tau, G, curvature);
      const radius = Math.max(radius_paper ?? 0, radius_lipschitz, radius_local);
      results.push({
        head,
        target,
        radius,
        radius_paper,
        radius_lipschitz,
        radius_local,
        gradient_norm: G,
        curvature_bound: curvature,
      });
    }
    if (steps !== null && q.B > 0) {
      const X = Float64Array.from(q.X);
      const radius = Float64Array.from(results, (r) => Math.min(r.radius, ATTACK_RADIUS_CAP));
      const signed = (sign: number): Objective => async (points) => {
        const at = await this.#targetAndGradient({ X: points, B: q.B }, eps, head, target);
        return {
          value: at.value.map((v, i) => sign * (v - value[i])),
          grad: at.grad.map((g) => sign * g),
        };
      };
      const [up, down] = await projectedGradientAscent({ X, B: q.B, d, radius, steps, objectives: [signed(1), signed(-1)] });
      results.forEach((r, i) => {
        const max_change = Math.max(up[i], down[i], 0);
        r.attack = { max_change, sound: max_change <= tau * (1 + ATTACK_SLACK) };
      });
    }
    return results;
  }

  #pairLipschitzOf(a: number, b: number): Promise<number> {
    const key = a < b ? `${a},${b}` : `${b},${a}`;
    let value = this.#pairLipschitz.get(key);
    if (!value) {
      value = this.#native.maxPairDistance(a, b);
      this.#pairLipschitz.set(key, value);
    }
    return value;
  }

  async #certifyClasses(q: Queries, eps: number, steps: number | null): Promise<ClassificationCertificate[]> {
    const { K, d } = this.info;
    // Margins u_k - u_c = f_c - f_k from f: u's |x|^2/(4t) would cancel in the difference.
    const res = await this.#pass(q, { precision: 'float64', eps, mode: 'distance', grad: true });
    const { f } = res;
    const grad = res.grad as Float64Array;
    const C = this.info.heads.map((h) => curvatureBound(h.D, eps));
    const diff = new Float64Array(d);
    const results: ClassificationCertificate[] = [];
    for (let i = 0; i < q.B; i++) {
      const c = argmax(f, i * K, K);
      let margin = Infinity;
      let radius = Infinity;
      for (let k = 0; k < K; k++) {
        if (k === c) continue;
        const m = f[i * K + c] - f[i * K + k];
        // the radius is certified for the margin less its rounding, a few ulps of |f|
        const sure = m - 8 * Number.EPSILON * (Math.abs(f[i * K + c]) + Math.abs(f[i * K + k]));
        for (let a = 0; a < d; a++) diff[a] = grad[(i * K + c) * d + a] - grad[(i * K + k) * d + a];
        const L = await this.#pairLipschitzOf(c, k);
        const r = sure <= 0 ? 0 : Math.max(lipschitzRadius(sure, L), localRadius(sure, safeNorm(diff, 0, d), Math.max(C[c], C[k])));
        margin = Math.min(margin, m);
        radius = Math.min(radius, r);
      }
      results.push({ class: c, margin, radius });
    }
    if (steps !== null && q.B > 0) {
      const X = Float64Array.from(q.X);
      const radius = Float64Array.from(results, (r) => Math.min(r.radius, ATTACK_RADIUS_CAP));
      // Maximise -min_k (f_c - f_k): the gradient of f_k - f_c for the closest rival k.
      const rivalry: Objective = async (points) => {
        const at = await this.#pass({ X: points, B: q.B }, { precision: 'float64', eps, mode: 'distance', grad: true });
        const af = at.f;
        const ag = at.grad as Float64Array;
        const value = new Float64Array(q.B);
        const g = new Float64Array(q.B * d);
        for (let i = 0; i < q.B; i++) {
          const c = results[i].class;
          let rival = -1;
          for (let k = 0; k < K; k++) {
            if (k !== c && (rival < 0 || af[i * K + k] > af[i * K + rival])) rival = k;
          }
          value[i] = af[i * K + rival] - af[i * K + c];
          for (let a = 0; a < d; a++) g[i * d + a] = ag[(i * K + rival) * d + a] - ag[(i * K + c) * d + a];
        }
        return { value, grad: g };
      };
      const [worst] = await projectedGradientAscent({ X, B: q.B, d, radius, steps, objectives: [rivalry] });
      results.forEach((r, i) => {
        const min_margin = -worst[i];
        r.attack = { min_margin, sound: min_margin >= -ATTACK_SLACK * Math.max(1, r.margin) };
      });
    }
    return results;
  }

  tensors(): Record<string, Tensor> {
    const { K, N, d, W, b, y, g, form } = this.#spec;
    const out: Record<string, Tensor> = { W: tensor(W, [K, N, d]), b: tensor(b, [K, N]) };
    if (form === 'support') Object.assign(out, { y: tensor(y, [K, N, d]), g: tensor(g, [K, N]) });
    return out;
  }
}

/** Classification outputs: argmin_k u_k and softmax(-u), taken from f (-u_k = f_k - |x|^2/(4t)
 * with one t for every head, so both are exact in f and nothing cancels). */
function classify(f: Float64Array, B: number, K: number): { class: Tensor; proba: Tensor } {
  const cls = new Int32Array(B);
  const proba = new Float64Array(B * K);
  for (let i = 0; i < B; i++) {
    const c = argmax(f, i * K, K);
    cls[i] = c;
    let s = 0;
    for (let k = 0; k < K; k++) s += (proba[i * K + k] = Math.exp(f[i * K + k] - f[i * K + c]));
    for (let k = 0; k < K; k++) proba[i * K + k] /= s;
  }
  return { class: tensor(cls, [B]), proba: tensor(proba, [B, K]) };
}

function maxRowNorm(W: Float64Array, head: number, N: number, d: number): number {
  let M = 0;
  for (let j = 0; j < N; j++) M = Math.max(M, safeNorm(W, (head * N + j) * d, d));
  return M;
}

/** Validates a model spec and prepares its heads for the native engine. */
export async function createModel(spec: ModelSpec): Promise<Model> {
  const parsed = parseSpec(spec);
  const { K, N, d, W, b, y, g, t } = parsed;
  const native = new (binding().Heads)({ K, N, d, W, b, y, g, t });
  const heads = await Promise.all(
    Array.from({ length: K }, async (_, k) => ({ M: maxRowNorm(W, k, N, d), D: await native.maxPairDistance(k, k) })),
  );
  return new HopfColeModel(parsed, native, heads);
}
