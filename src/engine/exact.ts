// f and u in double-double arithmetic (an unevaluated sum hi + lo of two doubles, about 32
// significant digits), to check SPEC section 1's claim that float64 results agree with an
// exact evaluation to 1e-12. The inputs are taken as exact float64 values. Algorithms after
// Dekker (1971) and the QD library (Hida, Li, Bailey): error-free TwoSum and TwoProd,
// exp by argument reduction and a Taylor series, log by argument reduction and one Newton
// step on that exp.

import type { RefHead } from './reference.js';

/** A double-double number hi + lo with |lo| <= ulp(hi)/2. */
export interface DD {
  hi: number;
  lo: number;
}

export function dd(hi: number, lo = 0): DD {
  return { hi, lo };
}

// ---------------------------------------------------------------------------------------------
// Error-free transformations

/** s + e = a + b exactly (Knuth's TwoSum). */
function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  const e = a - (s - bb) + (b - bb);
  return { hi: s, lo: e };
}

/** s + e = a + b exactly when |a| >= |b| (Dekker's FastTwoSum); also renormalises. */
function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return { hi: s, lo: b - (s - a) };
}

const SPLITTER = 134217729; // 2^27 + 1
const SPLIT_THRESHOLD = 6.69692879491417e299; // above this, SPLITTER * a overflows

/** a = hi + lo with hi, lo of at most 26 significant bits (Veltkamp). */
function split(a: number): [number, number] {
  if (Math.abs(a) > SPLIT_THRESHOLD) {
    const s = a * 3.7252902984619140625e-9; // 2^-28
    const t = SPLITTER * s;
    const hi = t - (t - s);
    return [hi * 268435456, (s - hi) * 268435456];
  }
  const t = SPLITTER * a;
  const hi = t - (t - a);
  return [hi, a - hi];
}

/** p + e = a * b exactly (Dekker's TwoProd, no FMA in JavaScript). */
function twoProd(a: number, b: number): DD {
  const p = a * b;
  if (!Number.isFinite(p)) return { hi: p, lo: 0 };
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  const e = ah * bh - p + ah * bl + al * bh + al * bl;
  return { hi: p, lo: e };
}

// ---------------------------------------------------------------------------------------------
// Double-double arithmetic

export function ddAdd(a: DD, b: DD): DD {
  // The accurate (IEEE-style) addition: both halves summed error-free.
  const s = twoSum(a.hi, b.hi);
  const t = twoSum(a.lo, b.lo);
  let r = quickTwoSum(s.hi, s.lo + t.hi);
  r = quickTwoSum(r.hi, r.lo + t.lo);
  return r;
}

export function ddNeg(a: DD): DD {
  return { hi: -a.hi, lo: -a.lo };
}

export function ddSub(a: DD, b: DD): DD {
  return ddAdd(a, ddNeg(b));
}

export function ddMul(a: DD, b: DD): DD {
  const p = twoProd(a.hi, b.hi);
  if (!Number.isFinite(p.hi)) return p;
  return quickTwoSum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
}

export function ddMulNumber(a: DD, b: number): DD {
  return ddMul(a, dd(b));
}

export function ddDiv(a: DD, b: DD): DD {
  // Long division: three double quotients, each correcting the remainder of the last.
  const q1 = a.hi / b.hi;
  let r = ddSub(a, ddMulNumber(b, q1));
  const q2 = r.hi / b.hi;
  r = ddSub(r, ddMulNumber(b, q2));
  const q3 = r.hi / b.hi;
  return ddAdd(quickTwoSum(q1, q2), dd(q3));
}

export function ddLess(a: DD, b: DD): boolean {
  return a.hi < b.hi || (a.hi === b.hi && a.lo < b.lo);
}

/** a * 2^k exactly (barring underflow), k an integer. */
function ddLdexp(a: DD, k: number): DD {
  // Two factors so that 2^k never overflows or goes subnormal on its own.
  const k1 = Math.trunc(k / 2);
  const f1 = Math.pow(2, k1);
  const f2 = Math.pow(2, k - k1);
  return { hi: a.hi * f1 * f2, lo: a.lo * f1 * f2 };
}

/** ln 2 to double-double precision. */
const LN2: DD = { hi: 6.931471805599452862e-1, lo: 2.319046813846299558e-17 };

/** exp(a): a = k ln2 + r, exp(r) from exp(r/2^10) by a Taylor series and 10 squarings. */
export function ddExp(a: DD): DD {
  if (a.hi > 709.8) return dd(Infinity);
  if (a.hi < -745.2) return dd(0);
  if (a.hi === 0 && a.lo === 0) return dd(1);
  const k = Math.round(a.hi / LN2.hi);
  const r = ddMulNumber(ddSub(a, ddMulNumber(LN2, k)), 1 / 1024); // |r| <= 0.35/1024, exact scaling
  // expm1(r) = r + r^2/2! + ...; terms fall below 1e-36 of the sum by n = 10.
  let sum = r;
  let term = r;
  for (let n = 2; n <= 14; n++) {
    term = ddDiv(ddMul(term, r), dd(n));
    sum = ddAdd(sum, term);
    if (Math.abs(term.hi) < 1e-36 * Math.abs(sum.hi)) break;
  }
  // expm1(2r) = 2 expm1(r) + expm1(r)^2, which keeps the small quantity accurate.
  for (let i = 0; i < 10; i++) sum = ddAdd(ddMulNumber(sum, 2), ddMul(sum, sum));
  return ddLdexp(ddAdd(sum, dd(1)), k);
}

/**
 * log(a) for a > 0: a = 2^k m with m near 1, then Newton's step y + m exp(-y) - 1 from
 * y = Math.log(m.hi), which squares the error of y (about 1e-17 here, as |log m| <= 0.35).
 */
export function ddLog(a: DD): DD {
  if (a.hi === 1 && a.lo === 0) return dd(0);
  if (!(a.hi > 0)) return dd(a.hi === 0 ? -Infinity : NaN);
  if (a.hi === Infinity) return dd(Infinity);
  const k = Math.round(Math.log2(a.hi));
  const m = ddLdexp(a, -k);
  const y = dd(Math.log(m.hi));
  const logM = ddAdd(y, ddSub(ddMul(m, ddExp(ddNeg(y))), dd(1)));
  return ddAdd(ddMulNumber(LN2, k), logM);
}

// ---------------------------------------------------------------------------------------------
// f and u

/** sum_i a_i b_i + c with every product and sum carried in double-double. */
function ddDot(a: number[], b: number[], c: number): DD {
  let acc = dd(c);
  for (let i = 0; i < a.length; i++) acc = ddAdd(acc, twoProd(a[i], b[i]));
  return acc;
}

/** eps log sum_j exp(s_j/eps) in double-double, with the max shift; max s at eps = 0. */
function ddSmoothMax(s: DD[], eps: number): DD {
  let m = s[0];
  for (const sj of s) if (ddLess(m, sj)) m = sj;
  if (eps === 0) return m;
  let sum = dd(0);
  for (const sj of s) sum = ddAdd(sum, ddExp(ddDiv(ddSub(sj, m), dd(eps))));
  return ddAdd(m, ddMulNumber(ddLog(sum), eps));
}

function checkInputs(head: RefHead, x: number[], eps: number): void {
  if (x.length !== head.W[0].length) throw new RangeError(`query has dimension ${x.length}, head has ${head.W[0].length}`);
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new RangeError('viscosity eps must be finite and >= 0');
}

/** f(x) = eps log sum exp((W_j.x + b_j)/eps) from the head's W and b, in double-double. */
export function exactFdd(head: RefHead, x: number[], eps: number): DD {
  checkInputs(head, x, eps);
  return ddSmoothMax(head.W.map((w, j) => ddDot(w, x, head.b[j])), eps);
}

/**
 * u(x) in double-double: a head given by weights has u = |x|^2/(4t) - f (W and b are the exact
 * data); a head given by support points has the distance form with y and g as given.
 */
export function exactUdd(head: RefHead, x: number[], eps: number): DD {
  checkInputs(head, x, eps);
  const fourT = 4 * head.t; // exact: a power-of-two multiple
  if ((head.source ?? 'weights') === 'weights') {
    const xx = ddDiv(ddDot(x, x, 0), dd(fourT));
    return ddSub(xx, exactFdd(head, x, eps));
  }
  const negCosts = head.y.map((yj, j) => {
    let sq = dd(0);
    for (let i = 0; i < x.length; i++) {
      const diff = twoSum(x[i], -yj[i]); // x_i - y_ji exactly
      sq = ddAdd(sq, ddMul(diff, diff));
    }
    return ddNeg(ddAdd(dd(head.g[j]), ddDiv(sq, dd(fourT))));
  });
  return ddNeg(ddSmoothMax(negCosts, eps));
}

/** The double nearest the double-double value of f(x). */
export function exactF(head: RefHead, x: number[], eps: number): number {
  const r = exactFdd(head, x, eps);
  return r.hi + r.lo;
}

/** The double nearest the double-double value of u(x). */
export function exactU(head: RefHead, x: number[], eps: number): number {
  const r = exactUdd(head, x, eps);
  return r.hi + r.lo;
}
