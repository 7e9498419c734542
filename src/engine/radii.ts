// The sound radii of SPEC section 2, in the cancellation-free forms of NOTES.md, and written so
// that no intermediate overflows for any admitted tau (<= 1e300), eps, t, M, G, C: products
// under a square root are split (sqrt(a b) = sqrt(a) sqrt(b)) and sums of squares go through
// hypot. A radius beyond float64's range is Infinity (unbounded). Every radius is rounded down
// by a few ulps, so that rounding never makes it unsound.

const ROUND_DOWN = 1 - 4 * Number.EPSILON;

/** Corollary 8.2: (eps/M)(sqrt(1 + 2 tau/eps) - 1); 0 in the tropical limit. */
export function paperRadius(tau: number, eps: number, M: number): number {
  if (eps === 0) return 0;
  if (M === 0) return Infinity;
  // sqrt(1 + 2 tau/eps) = hypot(1, sqrt(2 tau)/sqrt(eps))
  return ((2 * tau) / (M * (1 + Math.hypot(1, Math.sqrt(2 * tau) / Math.sqrt(eps))))) * ROUND_DOWN;
}

/** The root of G r + C r^2 / 2 = tau: 2 tau / (G + sqrt(G^2 + 2 C tau)); 0 when C is infinite. */
export function localRadius(tau: number, G: number, C: number): number {
  if (C === Infinity) return 0;
  const root = G + Math.hypot(G, Math.SQRT2 * Math.sqrt(C) * Math.sqrt(tau));
  return root === 0 ? Infinity : ((2 * tau) / root) * ROUND_DOWN;
}

/** A target whose gradient norm is at most L changes by less than tau within tau / L. */
export function lipschitzRadius(tau: number, L: number): number {
  return L === 0 ? Infinity : (tau / L) * ROUND_DOWN;
}

/** Popoviciu on the Gibbs variance: |hess f| <= D^2 / (4 eps); infinite in the tropical limit. */
export function curvatureBound(D: number, eps: number): number {
  return eps === 0 ? Infinity : (D * D) / (4 * eps);
}

/** hess u = I/(2t) - hess f with 0 <= hess f <= C. */
export function curvatureBoundU(C: number, t: number): number {
  return Math.max(1 / (2 * t), C - 1 / (2 * t));
}

/** On the ball |grad u| <= (R + r)/(2t): the root of (R + r) r / (2t) = tau,
 * (sqrt(R^2 + 8 t tau) - R)/2 = c^2 / (2 (sqrt(R^2 + c^2) + R)) with c = sqrt(8 t tau). */
export function lipschitzRadiusU(tau: number, R: number, t: number): number {
  const c = 2 * Math.SQRT2 * Math.sqrt(t) * Math.sqrt(tau);
  return (c / (Math.hypot(R, c) + R)) * (c / 2) * ROUND_DOWN;
}
