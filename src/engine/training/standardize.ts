// Training runs in standardised units: inputs x -> (x - m)/s with one isotropic scale s
// (so that distances, hence the Hopf–Cole solution, keep their form), regression targets
// y -> (y - c_k)/a with one scale a for all heads (eps and t are shared by the heads).
// The model converts back exactly: if u solves the HJ equation in standardised units with
// (y_j, g_j, t, eps), then a u((x - m)/s) + c_k is the Hopf–Cole solution with
//   support points s y_j + m, initial data a g_j + c_k, t s^2 / a, eps a.

export interface Standardization {
  /** [d] input mean m. */
  xMean: Float64Array;
  /** Isotropic input scale s = sqrt(trace(Cov X)/d) (1 for constant inputs). */
  xScale: number;
  /** [K] target means c_k (0 for classification). */
  yMean: Float64Array;
  /** Target scale a (1 for classification). */
  yScale: number;
}

/** Statistics of the rows `rows` of X [n, d] and targets [n, K] (null: classification). */
export function fitStandardization(X: Float64Array, d: number, targets: Float64Array | null, K: number, rows: ArrayLike<number>): Standardization {
  const m = rows.length;
  const xMean = new Float64Array(d);
  for (let i = 0; i < m; i++) for (let c = 0; c < d; c++) xMean[c] += X[rows[i] * d + c];
  for (let c = 0; c < d; c++) xMean[c] /= m;
  let ss = 0;
  for (let i = 0; i < m; i++) for (let c = 0; c < d; c++) ss += (X[rows[i] * d + c] - xMean[c]) ** 2;
  const xScale = Math.sqrt(ss / (m * d)) || 1;
  const yMean = new Float64Array(K);
  let yScale = 1;
  if (targets) {
    for (let i = 0; i < m; i++) for (let k = 0; k < K; k++) yMean[k] += targets[rows[i] * K + k];
    for (let k = 0; k < K; k++) yMean[k] /= m;
    let ys = 0;
    for (let i = 0; i < m; i++) for (let k = 0; k < K; k++) ys += (targets[rows[i] * K + k] - yMean[k]) ** 2;
    yScale = Math.sqrt(ys / (m * K)) || 1;
  }
  return { xMean, xScale, yMean, yScale };
}

/** Standardised inputs of the given rows, [rows.length, d]. */
export function standardizeInputs(st: Standardization, X: Float64Array, d: number, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) {
    for (let c = 0; c < d; c++) out[i * d + c] = (X[rows[i] * d + c] - st.xMean[c]) / st.xScale;
  }
  return out;
}

/** Standardised targets of the given rows, [rows.length, K]. */
export function standardizeTargets(st: Standardization, targets: Float64Array, K: number, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length * K);
  for (let i = 0; i < rows.length; i++) {
    for (let k = 0; k < K; k++) out[i * K + k] = (targets[rows[i] * K + k] - st.yMean[k]) / st.yScale;
  }
  return out;
}

/** Raw-unit Hopf–Cole coordinates of a standardised layer (see the header comment). */
export function toRawUnits(
  st: Standardization,
  layer: { K: number; N: number; d: number; t: number; eps: number },
  y: Float64Array,
  g: Float64Array,
): { y: Float64Array; g: Float64Array; t: number; eps: number } {
  const { K, N, d } = layer;
  const yRaw = new Float64Array(y.length);
  for (let p = 0; p < K * N; p++) for (let c = 0; c < d; c++) yRaw[p * d + c] = st.xScale * y[p * d + c] + st.xMean[c];
  const gRaw = new Float64Array(g.length);
  for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) gRaw[k * N + j] = st.yScale * g[k * N + j] + st.yMean[k];
  return { y: yRaw, g: gRaw, t: (layer.t * st.xScale * st.xScale) / st.yScale, eps: layer.eps * st.yScale };
}

/** A raw-unit gauge (t, eps) in standardised units. */
export function gaugeToStandard(st: Standardization, t: number, eps: number): { t: number; eps: number } {
  return { t: (t * st.yScale) / (st.xScale * st.xScale), eps: eps / st.yScale };
}
