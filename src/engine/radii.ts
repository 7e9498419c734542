// The sound radii of SPEC section 2, in the cancellation-free forms of NOTES.md.

/** Corollary 8.2: (eps/M)(sqrt(1 + 2 tau/eps) - 1); 0 in the tropical limit. */
export function paperRadius(tau: number, eps: number, M: number): number {
  if (eps === 0) return 0;
  if (M === 0) return Infinity;
  return (2 * tau) / (M * (1 + Math.sqrt(1 + (2 * tau) / eps)));
}

/** The root of G r + C r^2 / 2 = tau; 0 when the curvature bound is infinite. */
export function localRadius(tau: number, G: number, C: number): number {
  if (C === Infinity) return 0;
  const root = G + Math.sqrt(G * G + 2 * C * tau);
  return root === 0 ? Infinity : (2 * tau) / root;
}

/** A target whose gradient norm is at most L changes by less than tau within tau / L. */
export function lipschitzRadius(tau: number, L: number): number {
  return L === 0 ? Infinity : tau / L;
}

/** Popoviciu on the Gibbs variance: |hess f| <= D^2 / (4 eps); infinite in the tropical limit. */
export function curvatureBound(D: number, eps: number): number {
  return eps === 0 ? Infinity : (D * D) / (4 * eps);
}

/** hess u = I/(2t) - hess f with 0 <= hess f <= C. */
export function curvatureBoundU(C: number, t: number): number {
  return Math.max(1 / (2 * t), C - 1 / (2 * t));
}

/** On the ball |grad u| <= (R + r)/(2t): the root of (R + r) r / (2t) = tau. */
export function lipschitzRadiusU(tau: number, R: number, t: number): number {
  return (8 * t * tau) / (2 * (Math.sqrt(R * R + 8 * t * tau) + R));
}
