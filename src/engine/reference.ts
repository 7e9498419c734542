// Plain float64 reference of SPEC sections 1 and 2, one head at a time, for tests to compare
// the native engine against. Written for obviousness, not speed: nested arrays in, plain
// numbers out, no dependency on anything native. Infinite quantities are Infinity here
// (callers map them to null in JSON).

/** One LSE head in both coordinate systems: weights (W, b) and Hopf–Cole (y, g) at gauge time t. */
export interface RefHead {
  /** [N][d] weights W. */
  W: number[][];
  /** [N] biases b. */
  b: number[];
  /** [N][d] support points y = 2tW. */
  y: number[][];
  /** [N] initial data g = -b - |y|^2/(4t). */
  g: number[];
  /** Gauge time t > 0. */
  t: number;
  /**
   * Which pair was given (the other is derived and carries rounding). Only exact.ts reads it:
   * the exact u of a 'weights' head is |x|^2/(4t) - f, of a 'support' head the distance form.
   * Absent means 'weights'.
   */
  source?: 'weights' | 'support';
}

/** Everything SPEC section 1 defines for one head at one query x. */
export interface RefGibbs {
  /** Logits z_j = W_j.x + b_j. */
  z: number[];
  /** Layer output f = eps log sum exp(z/eps) (max z at eps = 0). */
  f: number;
  /** Hopf–Cole solution u from the distance form (never |x|^2/(4t) - f). */
  u: number;
  /** Gibbs weights softmax(z/eps); uniform over exact ties of max z at eps = 0. */
  pi: number[];
  /** Attribution entropy H = -sum pi log pi. */
  entropy: number;
  /** Effective support exp(H). */
  effectiveN: number;
  /** Soft prediction fhat = sum pi_j g_j. */
  fhat: number;
  /** Label sensitivity s_j = d fhat / d g_j. */
  sensitivity: number[];
  /** grad f = W^T pi. */
  gradF: number[];
  /** grad u = (x - sum pi_j y_j)/(2t). */
  gradU: number[];
  /** Spectral norm of hess f = (1/eps) Cov_pi(W); 0 at eps = 0. */
  hessianNorm: number;
  /** First index of max z. */
  argmax: number;
  /** R = max_j |x - y_j|. */
  maxDistance: number;
}

// ---------------------------------------------------------------------------------------------
// Small vector helpers

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function norm(a: number[]): number {
  return Math.sqrt(dot(a, a));
}

function sub(a: number[], b: number[]): number[] {
  return a.map((ai, i) => ai - b[i]);
}

function squaredDistance(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = a[i] - b[i];
    s += diff * diff;
  }
  return s;
}

function checkShapes(rows: number[][], vec: number[], t: number, what: string): void {
  if (rows.length === 0) throw new RangeError(`${what}: a head needs N >= 1 neurons`);
  if (rows.length !== vec.length) throw new RangeError(`${what}: ${rows.length} rows but ${vec.length} offsets`);
  const d = rows[0].length;
  if (d === 0) throw new RangeError(`${what}: dimension d must be >= 1`);
  for (const r of rows) if (r.length !== d) throw new RangeError(`${what}: ragged rows`);
  if (!(t > 0) || !Number.isFinite(t)) throw new RangeError(`${what}: gauge time t must be finite and > 0`);
}

function checkQuery(head: RefHead, x: number[], eps: number): void {
  if (x.length !== head.W[0].length) throw new RangeError(`query has dimension ${x.length}, head has ${head.W[0].length}`);
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new RangeError('viscosity eps must be finite and >= 0');
}

// ---------------------------------------------------------------------------------------------
// Heads

/** A head given by weights: y = 2tW, g = -b - |y|^2/(4t). */
export function headFromWeights(W: number[][], b: number[], t: number): RefHead {
  checkShapes(W, b, t, 'headFromWeights');
  const y = W.map((row) => row.map((w) => 2 * t * w));
  const g = b.map((bj, j) => -bj - dot(y[j], y[j]) / (4 * t));
  return { W: W.map((r) => r.slice()), b: b.slice(), y, g, t, source: 'weights' };
}

/** A head given by support points and initial data: W = y/(2t), b = -g - |y|^2/(4t). */
export function headFromSupport(y: number[][], g: number[], t: number): RefHead {
  checkShapes(y, g, t, 'headFromSupport');
  const W = y.map((row) => row.map((yi) => yi / (2 * t)));
  const b = g.map((gj, j) => -gj - dot(y[j], y[j]) / (4 * t));
  return { W, b, y: y.map((r) => r.slice()), g: g.slice(), t, source: 'support' };
}

// ---------------------------------------------------------------------------------------------
// The Gibbs pass

/** Logits z_j = W_j.x + b_j. */
export function refLogits(head: RefHead, x: number[]): number[] {
  return head.W.map((w, j) => dot(w, x) + head.b[j]);
}

/** Distance-form costs phi_j = g_j + |x - y_j|^2/(4t); u = softmin_eps(phi). */
export function refCosts(head: RefHead, x: number[]): number[] {
  return head.y.map((yj, j) => head.g[j] + squaredDistance(x, yj) / (4 * head.t));
}

/** eps log sum exp(s/eps) with the max shift; max s at eps = 0. */
export function smoothMax(s: number[], eps: number): number {
  const m = Math.max(...s);
  if (eps === 0) return m;
  let sum = 0;
  for (const sj of s) sum += Math.exp((sj - m) / eps);
  return m + eps * Math.log(sum);
}

/** softmax(s/eps); at eps = 0 uniform over the exact ties of max s (the tropical limit). */
export function gibbsWeights(s: number[], eps: number): number[] {
  const m = Math.max(...s);
  if (eps === 0) {
    const ties = s.filter((sj) => sj === m).length;
    return s.map((sj) => (sj === m ? 1 / ties : 0));
  }
  const e = s.map((sj) => Math.exp((sj - m) / eps));
  const sum = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / sum);
}

/** Layer output f(x). */
export function refF(head: RefHead, x: number[], eps: number): number {
  return smoothMax(refLogits(head, x), eps);
}

/** Hopf–Cole solution u(x) from the distance form: -smoothMax(-phi). */
export function refU(head: RefHead, x: number[], eps: number): number {
  return -smoothMax(refCosts(head, x).map((p) => -p), eps);
}

/** The cheap part of the Gibbs pass (what the attack needs at every step). */
interface LightPass {
  f: number;
  u: number;
  pi: number[];
  gradF: number[];
  gradU: number[];
}

function lightPass(head: RefHead, x: number[], eps: number): LightPass {
  const d = x.length;
  const pi = gibbsWeights(refLogits(head, x), eps);
  const gradF = new Array<number>(d).fill(0);
  const meanY = new Array<number>(d).fill(0);
  for (let j = 0; j < pi.length; j++) {
    for (let i = 0; i < d; i++) {
      gradF[i] += pi[j] * head.W[j][i];
      meanY[i] += pi[j] * head.y[j][i];
    }
  }
  // grad u from the support points, not x/(2t) - grad f (same cancellation argument as u).
  const gradU = x.map((xi, i) => (xi - meanY[i]) / (2 * head.t));
  return { f: refF(head, x, eps), u: refU(head, x, eps), pi, gradF, gradU };
}

/** All of SPEC section 1 for one head at one query. */
export function refGibbs(head: RefHead, x: number[], eps: number): RefGibbs {
  checkQuery(head, x, eps);
  const z = refLogits(head, x);
  const { f, u, pi, gradF, gradU } = lightPass(head, x, eps);

  let entropy = 0;
  for (const p of pi) if (p > 0) entropy -= p * Math.log(p);

  const fhat = dot(pi, head.g);
  // At eps = 0 fhat is the tie-average of g: with the tie set held, d fhat/d g_j = pi_j
  // (the eps -> 0 limit of the formula when the maximiser is unique).
  const sensitivity = pi.map((p, j) => (eps === 0 ? p : p * (1 + (fhat - head.g[j]) / eps)));

  const hessianNorm = eps === 0 ? 0 : largestEigenvalue(gibbsCovariance(head.W, pi)) / eps;

  let argmax = 0;
  for (let j = 1; j < z.length; j++) if (z[j] > z[argmax]) argmax = j;

  const maxDistance = Math.max(...head.y.map((yj) => Math.sqrt(squaredDistance(x, yj))));

  return {
    z, f, u, pi, entropy, effectiveN: Math.exp(entropy), fhat, sensitivity, gradF, gradU,
    hessianNorm, argmax, maxDistance,
  };
}

/** Cov_pi(W) = sum_j pi_j (W_j - m)(W_j - m)^T with m = W^T pi (two passes, for accuracy). */
export function gibbsCovariance(W: number[][], pi: number[]): number[][] {
  const d = W[0].length;
  const m = new Array<number>(d).fill(0);
  for (let j = 0; j < W.length; j++) for (let i = 0; i < d; i++) m[i] += pi[j] * W[j][i];
  const C = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let j = 0; j < W.length; j++) {
    const c = sub(W[j], m);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) C[a][b] += pi[j] * c[a] * c[b];
  }
  return C;
}

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations (small d only). */
export function symmetricEigenvalues(A: number[][]): number[] {
  const n = A.length;
  const a = A.map((r) => r.slice());
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let all = 0;
    for (let p = 0; p < n; p++) {
      for (let q = 0; q < n; q++) {
        all += a[p][q] * a[p][q];
        if (p !== q) off += a[p][q] * a[p][q];
      }
    }
    if (off === 0 || off <= 1e-32 * all) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        if (a[p][q] === 0) continue;
        // Rotation angle that zeroes a[p][q] (Golub & Van Loan, symmetric Schur decomposition).
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const tan = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(tan * tan + 1);
        const s = tan * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
      }
    }
  }
  return a.map((r, i) => r[i]);
}

function largestEigenvalue(A: number[][]): number {
  return Math.max(...symmetricEigenvalues(A));
}

// ---------------------------------------------------------------------------------------------
// Head constants

/** M = max_j |W_j| (the paper's ||W||_{2,inf}), D = max_{i,j} |W_i - W_j|, eps* = N^(-1/d). */
export function refHeadConstants(head: RefHead): { M: number; D: number; epsStar: number } {
  const N = head.W.length;
  const d = head.W[0].length;
  const M = Math.max(...head.W.map(norm));
  let D = 0;
  for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) D = Math.max(D, norm(sub(head.W[i], head.W[j])));
  return { M, D, epsStar: Math.pow(N, -1 / d) };
}

/** max_{i,j} |W_{a,i} - W_{b,j}|: Lipschitz constant of f_a - f_b. */
export function refPairLipschitz(a: RefHead, b: RefHead): number {
  let L = 0;
  for (const wa of a.W) for (const wb of b.W) L = Math.max(L, norm(sub(wa, wb)));
  return L;
}

/** Data-scale gauge t = trace(Cov X)/d (population covariance, 1/n). */
export function refDataScaleGauge(X: number[][]): number {
  const n = X.length;
  const d = X[0].length;
  let total = 0;
  for (let i = 0; i < d; i++) {
    const mean = X.reduce((s, row) => s + row[i], 0) / n;
    total += X.reduce((s, row) => s + (row[i] - mean) ** 2, 0) / n;
  }
  return total / d;
}

// ---------------------------------------------------------------------------------------------
// Classification

export interface RefClassification {
  /** f_k(x) per head. */
  f: number[];
  /** u_k(x) per head (distance form). */
  u: number[];
  /** softmax(-u) = softmax(f). */
  proba: number[];
  /** First argmin_k u_k = first argmax_k f_k. */
  class: number;
}

// The heads share t, so -u_k = f_k - |x|^2/(4t): class scores and margins come from f, where
// differences of u would cancel |x|^2/(4t) far from the support points.
export function refClassify(heads: RefHead[], x: number[], eps: number): RefClassification {
  const f = heads.map((h) => refF(h, x, eps));
  const u = heads.map((h) => refU(h, x, eps));
  const proba = gibbsWeights(f, 1);
  let c = 0;
  for (let k = 1; k < f.length; k++) if (f[k] > f[c]) c = k;
  return { f, u, proba, class: c };
}

// ---------------------------------------------------------------------------------------------
// Certified radii (SPEC section 2)

/** Radius of the paper's Corollary 8.2, (eps/M)(sqrt(1 + 2 tau/eps) - 1) in its stable form; 0 at eps = 0. */
export function paperRadius(M: number, eps: number, tau: number): number {
  if (eps === 0) return 0;
  return (2 * tau) / (M * (1 + Math.sqrt(1 + (2 * tau) / eps)));
}

/** The r >= 0 with G r + C r^2/2 = tau, in the form without cancellation; 0 when C is infinite. */
export function localRadius(G: number, C: number, tau: number): number {
  if (C === Infinity) return 0;
  return (2 * tau) / (G + Math.sqrt(G * G + 2 * C * tau));
}

/** Curvature bound C = D^2/(4 eps) (Popoviciu on the Gibbs variance); Infinity at eps = 0. */
export function curvatureBound(D: number, eps: number): number {
  return eps === 0 ? Infinity : (D * D) / (4 * eps);
}

export interface RefRegressionRadii {
  /** The certified radius: the largest sound radius below. */
  radius: number;
  /** Corollary 8.2; null for target u (no paper radius). */
  paper: number | null;
  lipschitz: number;
  local: number;
  /** |grad f(x)| or |grad u(x)|. */
  gradientNorm: number;
  /** C for target f, C_u for target u. */
  curvatureBound: number;
}

/** Certified radii of target f or u of one head at x for tolerance tau > 0. */
export function refRegressionRadii(
  head: RefHead,
  x: number[],
  eps: number,
  tau: number,
  target: 'f' | 'u',
): RefRegressionRadii {
  checkQuery(head, x, eps);
  if (!(tau > 0)) throw new RangeError('tolerance tau must be > 0');
  const { M, D } = refHeadConstants(head);
  const gibbs = refGibbs(head, x, eps);
  const C = curvatureBound(D, eps);
  if (target === 'f') {
    const G = norm(gibbs.gradF);
    const paper = paperRadius(M, eps, tau);
    const lipschitz = tau / M;
    const local = localRadius(G, C, tau);
    return { radius: Math.max(paper, lipschitz, local), paper, lipschitz, local, gradientNorm: G, curvatureBound: C };
  }
  // hess u = I/(2t) - hess f with 0 <= hess f <= C: its eigenvalues lie in [1/(2t) - C, 1/(2t)].
  const t = head.t;
  const G = norm(gibbs.gradU);
  const Cu = Math.max(1 / (2 * t), C - 1 / (2 * t));
  const local = localRadius(G, Cu, tau);
  // |grad u(x')| <= (R + r)/(2t) on the ball, so r (R + r)/(2t) = tau:
  // r = (sqrt(R^2 + 8 t tau) - R)/2, written without cancellation.
  const R = gibbs.maxDistance;
  const lipschitz = (4 * t * tau) / (Math.sqrt(R * R + 8 * t * tau) + R);
  return { radius: Math.max(lipschitz, local), paper: null, lipschitz, local, gradientNorm: G, curvatureBound: Cu };
}

export interface RefClassificationRadius {
  /** Predicted class c = argmin_k u_k. */
  class: number;
  /** Smallest margin min_{k != c} (u_k - u_c) = min (f_c - f_k); Infinity for K = 1. */
  margin: number;
  /** Radius within which c keeps its place; Infinity for K = 1. */
  radius: number;
  /** Per class k: the margin m_k and its radius (class c itself: Infinity). */
  margins: number[];
  radii: number[];
}

/** Radius within which the predicted class of a classification model cannot change. */
export function refClassificationRadius(heads: RefHead[], x: number[], eps: number): RefClassificationRadius {
  for (const h of heads) checkQuery(h, x, eps);
  const { f, class: c } = refClassify(heads, x, eps);
  const gibbs = heads.map((h) => refGibbs(h, x, eps));
  const C = heads.map((h) => curvatureBound(refHeadConstants(h).D, eps));
  const margins = f.map((fk) => f[c] - fk);
  const radii = heads.map((hk, k) => {
    if (k === c) return Infinity;
    const m = margins[k];
    if (!(m > 0)) return 0;
    // The margin m_k = f_c - f_k: gradient G_k, Hessian between -C_k and C_c, Lipschitz L_k.
    const G = norm(sub(gibbs[c].gradF, gibbs[k].gradF));
    const L = refPairLipschitz(heads[c], hk);
    return Math.max(m / L, localRadius(G, Math.max(C[c], C[k]), m));
  });
  let margin = Infinity;
  for (let k = 0; k < heads.length; k++) if (k !== c) margin = Math.min(margin, margins[k]);
  return { class: c, margin, radius: Math.min(...radii), margins, radii };
}

// ---------------------------------------------------------------------------------------------
// Attack: projected gradient ascent inside the ball, to show certificates are sound

export interface RefAttackOptions {
  /** Gradient steps per start (default 60). */
  steps?: number;
  /** Starts: the first at x, the others uniform in the ball (default 4). */
  restarts?: number;
  /** Seed of the random starts (default 1). */
  seed?: number;
  /** Head for a regression target (default 0). */
  head?: number;
}

export interface RefAttackResult {
  /** Regression: the largest |T(x') - T(x)| found, T = f or u. */
  maxChange?: number;
  /** Classification: the smallest min_{k != c} (u_k(x') - u_c(x')) found; negative = class changed. */
  minMargin?: number;
  /** The point x' that achieved it. */
  worst: number[];
}

/** Small seeded generator (mulberry32), so that attacks are reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u1 = 1 - rand();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rand());
}

function projectOntoBall(p: number[], x: number[], r: number): number[] {
  const diff = sub(p, x);
  const n = norm(diff);
  if (n <= r) return p;
  return x.map((xi, i) => xi + (diff[i] * r) / n);
}

function startPoint(x: number[], r: number, k: number, rand: () => number): number[] {
  if (k === 0) return x.slice();
  const dir = x.map(() => gaussian(rand));
  const n = norm(dir) || 1;
  const rho = r * Math.pow(rand(), 1 / x.length);
  return x.map((xi, i) => xi + (rho * dir[i]) / n);
}

/**
 * Projected normalised-gradient descent of objective(x') over the ball |x' - x| <= r.
 * objective returns a value and its (sub)gradient; calls visit(x', value) at every iterate.
 */
function descend(
  x: number[],
  r: number,
  objective: (p: number[]) => { value: number; grad: number[] },
  visit: (p: number[], value: number) => void,
  options: RefAttackOptions,
  rand: () => number,
): void {
  const steps = options.steps ?? 60;
  const restarts = options.restarts ?? 4;
  for (let k = 0; k < restarts; k++) {
    let p = startPoint(x, r, k, rand);
    for (let s = 0; s <= steps; s++) {
      const { value, grad } = objective(p);
      visit(p, value);
      const n = norm(grad);
      if (s === steps || n === 0) break;
      // Long steps first to reach the boundary, short ones to settle on it.
      const step = r * (0.5 * (1 - s / steps) + 0.02);
      p = projectOntoBall(p.map((pk, i) => pk - (step * grad[i]) / n), x, r);
    }
  }
}

/**
 * Attack a certified radius r at x: for target 'f' or 'u' the largest change of that head's
 * output found inside the ball, for 'classification' the smallest margin of the class predicted
 * at x found inside the ball.
 */
export function refAttack(
  heads: RefHead[],
  x: number[],
  eps: number,
  r: number,
  target: 'f' | 'u' | 'classification',
  options: RefAttackOptions = {},
): RefAttackResult {
  if (!(r >= 0) || !Number.isFinite(r)) throw new RangeError('attack radius must be finite and >= 0');
  const rand = mulberry32(options.seed ?? 1);
  let worst = x.slice();

  if (target === 'classification') {
    const c = refClassify(heads, x, eps).class;
    // u_k - u_c = f_c - f_k exactly; the f form has no |p|^2/(4t) to cancel far from x
    const marginAt = (p: number[]): number => {
      const f = heads.map((h) => refF(h, p, eps));
      let m = Infinity;
      for (let k = 0; k < heads.length; k++) if (k !== c) m = Math.min(m, f[c] - f[k]);
      return m;
    };
    let minMargin = marginAt(x);
    for (let k = 0; k < heads.length; k++) {
      if (k === c) continue;
      // Push down m_k = f_c - f_k; record the true smallest margin over all classes.
      const objective = (p: number[]) => {
        const a = lightPass(heads[c], p, eps);
        const b = lightPass(heads[k], p, eps);
        return { value: a.f - b.f, grad: sub(a.gradF, b.gradF) };
      };
      descend(x, r, objective, (p) => {
        const m = marginAt(p);
        if (m < minMargin) {
          minMargin = m;
          worst = p.slice();
        }
      }, options, rand);
    }
    return { minMargin, worst };
  }

  const head = heads[options.head ?? 0];
  const value = (p: number[]) => {
    const pass = lightPass(head, p, eps);
    return target === 'f' ? { value: pass.f, grad: pass.gradF } : { value: pass.u, grad: pass.gradU };
  };
  const v0 = value(x).value;
  let maxChange = 0;
  for (const sign of [1, -1]) {
    // sign 1 descends T, sign -1 ascends it.
    const objective = (p: number[]) => {
      const { value: v, grad } = value(p);
      return { value: v, grad: grad.map((gi) => sign * gi) };
    };
    descend(x, r, objective, (p, v) => {
      const change = Math.abs(v - v0);
      if (change > maxChange) {
        maxChange = change;
        worst = p.slice();
      }
    }, options, rand);
  }
  return { maxChange, worst };
}
