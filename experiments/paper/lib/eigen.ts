// Symmetric eigen-decomposition: Householder tridiagonalisation and the implicit QL algorithm
// (tred2 / tql2 of EISPACK, as in JAMA). O(n^3): a 784 x 784 covariance takes about a second.

/** Eigenvalues (ascending) and eigenvectors (columns of V, row-major n x n) of a symmetric A (row-major). */
export function symmetricEigen(A: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const V = Float64Array.from(A);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tred2(V, d, e, n);
  // tql2 rotates pairs of columns of V: run it on the transpose, whose rows are contiguous.
  const Vt = transpose(V, n);
  tql2(Vt, d, e, n);
  return { values: d, vectors: transpose(Vt, n) };
}

function transpose(A: Float64Array, n: number): Float64Array {
  const T = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) T[j * n + i] = A[i * n + j];
  return T;
}

function tred2(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[j * n + i] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k * n + j] * d[k];
          e[k] += V[k * n + j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[k * n + j] -= f * e[k] + g * d[k];
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i];
    V[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1] * V[k * n + j];
        for (let k = 0; k <= i; k++) V[k * n + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[(n - 1) * n + j];
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

function tql2(W: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      do {
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          const ri = i * n;
          const rj = (i + 1) * n;
          for (let k = 0; k < n; k++) {
            h = W[rj + k];
            W[rj + k] = s * W[ri + k] + c * h;
            W[ri + k] = c * W[ri + k] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  // Sort ascending.
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i];
    for (let j = i + 1; j < n; j++) {
      if (d[j] < p) {
        k = j;
        p = d[j];
      }
    }
    if (k !== i) {
      d[k] = d[i];
      d[i] = p;
      for (let j = 0; j < n; j++) {
        const tmp = W[i * n + j];
        W[i * n + j] = W[k * n + j];
        W[k * n + j] = tmp;
      }
    }
  }
}

export interface Pca {
  mean: Float64Array;
  /** k x p, rows are the principal directions (largest variance first). */
  components: Float64Array;
  variances: Float64Array;
  explained: number;
  k: number;
  p: number;
}

/**
 * PCA of the rows of X (n x p, any numeric array, e.g. uint8 pixels times `scale`): the
 * covariance accumulated from the non-zero entries of each row (raw pixels are sparse), then
 * the full symmetric eigen-decomposition, keeping the top k.
 */
export function fitPca(X: ArrayLike<number>, n: number, p: number, k: number, scale = 1): Pca {
  const S = new Float64Array(p * p);
  const mean = new Float64Array(p);
  const idx = new Int32Array(p);
  const val = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let a = 0; a < p; a++) {
      const v = X[i * p + a] * scale;
      if (v !== 0) {
        idx[m] = a;
        val[m++] = v;
        mean[a] += v;
      }
    }
    for (let r = 0; r < m; r++) {
      const row = idx[r] * p;
      const vr = val[r];
      for (let c = r; c < m; c++) S[row + idx[c]] += vr * val[c];
    }
  }
  for (let a = 0; a < p; a++) mean[a] /= n;
  const C = new Float64Array(p * p);
  for (let a = 0; a < p; a++) {
    for (let b = a; b < p; b++) {
      const v = S[a * p + b] / n - mean[a] * mean[b];
      C[a * p + b] = v;
      C[b * p + a] = v;
    }
  }
  let total = 0;
  for (let a = 0; a < p; a++) total += C[a * p + a];
  const { values, vectors } = symmetricEigen(C, p);
  const components = new Float64Array(k * p);
  const variances = new Float64Array(k);
  let kept = 0;
  for (let r = 0; r < k; r++) {
    const col = p - 1 - r;
    variances[r] = values[col];
    kept += values[col];
    for (let a = 0; a < p; a++) components[r * p + a] = vectors[a * p + col];
  }
  return { mean, components, variances, explained: kept / total, k, p };
}

/** Projects rows of X (n x p, times scale) onto the components: n x k. */
export function projectPca(pca: Pca, X: ArrayLike<number>, n: number, scale = 1): Float64Array {
  const { p, k, mean, components } = pca;
  const out = new Float64Array(n * k);
  const row = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < p; a++) row[a] = X[i * p + a] * scale - mean[a];
    for (let r = 0; r < k; r++) {
      let s = 0;
      for (let a = 0; a < p; a++) s += components[r * p + a] * row[a];
      out[i * k + r] = s;
    }
  }
  return out;
}
