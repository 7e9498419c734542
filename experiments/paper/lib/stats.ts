// Small numerical helpers shared by the experiments.

/** Least-squares line y = intercept + slope x. */
export function linearFit(x: number[], y: number[]): { slope: number; intercept: number; r2: number } {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

/** Slope of log y against log x. */
export function logLogSlope(x: number[], y: number[]): { slope: number; intercept: number; r2: number } {
  return linearFit(x.map(Math.log), y.map(Math.log));
}

export function median(values: ArrayLike<number>): number {
  const s = Array.from(values).sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

export function quantile(values: ArrayLike<number>, q: number): number {
  const s = Array.from(values).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function maxOf(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i];
  return m;
}

/** Log-spaced values from 10^a to 10^b, n of them. */
export function logspace(a: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => 10 ** (a + ((b - a) * i) / Math.max(n - 1, 1)));
}

/** Rounds to a few significant digits for the report. */
export function sig(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined) return '—';
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return Number(x.toPrecision(digits)).toString();
  return x.toExponential(digits - 1);
}

/** Rows of a row-major [n, d] array as nested arrays (the engine takes either). */
export function rows(a: Float64Array, n: number, d: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * d, (i + 1) * d)));
}
