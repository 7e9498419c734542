// Spectral norm of the Hessian of f at one query: (1/eps) * lambda_max(Cov_pi(W)),
// Cov_pi(W) = sum_j pi_j (W_j - mu)(W_j - mu)^T, mu = sum_j pi_j W_j.
//
// Always computed in float64, in a second pass once the max score m and the sum S are known
// (here recomputed in float64 for the one query, so the result does not depend on the
// precision of the fused pass). The covariance is accumulated from the centred rows
// W_j - mu, so there is no cancellation.
//   d <= 64: the d x d covariance is built and diagonalised by cyclic Jacobi rotations to
//            machine precision (exact up to rounding).
//   d  > 64: matrix-free Lanczos with full re-orthogonalisation (two Gram-Schmidt passes),
//            from a fixed pseudo-random start vector; the largest Ritz value (bisection on the
//            tridiagonal matrix) is accepted when it changes by <= 1e-15 relative over two
//            consecutive steps, when the Krylov space becomes invariant (beta <= 1e-14 of the
//            largest |alpha|) or after d steps (where Lanczos is exact).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "common.h"

namespace hjnet {
namespace {

// Largest eigenvalue of a symmetric d x d matrix (row-major, destroyed) by cyclic Jacobi.
double JacobiMaxEigen(double* A, int64_t n) {
  if (n == 1) return A[0];
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0.0, diag = 0.0;
    for (int64_t p = 0; p < n; ++p) {
      diag += A[p * n + p] * A[p * n + p];
      for (int64_t q = p + 1; q < n; ++q) off += A[p * n + q] * A[p * n + q];
    }
    if (!(off > 1e-32 * diag)) break;  // also stops on NaN
    for (int64_t p = 0; p < n - 1; ++p) {
      for (int64_t q = p + 1; q < n; ++q) {
        const double apq = A[p * n + q];
        if (apq == 0.0) continue;
        const double app = A[p * n + p], aqq = A[q * n + q];
        const double theta = (aqq - app) / (2.0 * apq);
        double tn = 1.0 / (std::fabs(theta) + std::sqrt(theta * theta + 1.0));
        if (theta < 0) tn = -tn;
        if (!std::isfinite(theta)) tn = 1.0 / (2.0 * theta);  // huge theta: t ~ 1/(2 theta)
        const double c = 1.0 / std::sqrt(tn * tn + 1.0), s = tn * c;
        for (int64_t k = 0; k < n; ++k) {  // columns p, q
          const double akp = A[k * n + p], akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (int64_t k = 0; k < n; ++k) {  // rows p, q
          const double apk = A[p * n + k], aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        A[p * n + q] = A[q * n + p] = 0.0;
      }
    }
  }
  double best = A[0];
  for (int64_t p = 1; p < n; ++p) best = std::max(best, A[p * n + p]);
  return best;
}

// Largest eigenvalue of the symmetric tridiagonal matrix (alpha, beta) by bisection.
double TridiagMaxEigen(const std::vector<double>& alpha, const std::vector<double>& beta,
                       int64_t m) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (int64_t i = 0; i < m; ++i) {  // Gershgorin bounds
    const double r = (i > 0 ? std::fabs(beta[i - 1]) : 0.0) + (i + 1 < m ? std::fabs(beta[i]) : 0.0);
    lo = std::min(lo, alpha[i] - r);
    hi = std::max(hi, alpha[i] + r);
  }
  // count of eigenvalues > x via Sturm sequence
  auto countAbove = [&](double x) {
    int64_t below = 0;
    double q = 1.0;
    for (int64_t i = 0; i < m; ++i) {
      const double b2 = i > 0 ? beta[i - 1] * beta[i - 1] : 0.0;
      q = alpha[i] - x - (i > 0 ? b2 / q : 0.0);
      if (q == 0.0) q = -1e-300;
      if (q < 0) ++below;
    }
    return m - below;
  };
  for (int it = 0; it < 200 && hi - lo > 1e-17 * std::max(std::fabs(lo), std::fabs(hi)); ++it) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (countAbove(mid) >= 1) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

double HessianNorm(const HeadsData& H, int64_t head, const double* x, bool distance, double eps,
                   std::vector<double>& scratch) {
  if (eps == 0.0) return 0.0;
  const int64_t N = H.N, d = H.d;
  const double* W = H.W.data() + head * N * d;
  const double* b = H.b.data() + head * N;
  const double* Y = H.y.data() + head * N * d;
  const double* g = H.g.data() + head * N;
  scratch.resize(static_cast<size_t>(N + 2 * d + (d <= 64 ? d * d : (d + 3) * d)));
  double* s = scratch.data();
  double* mu = s + N;
  double* tmp = mu + d;
  double* work = tmp + d;

  double m = -std::numeric_limits<double>::infinity();
  const double c4t = 1.0 / (4.0 * H.t);
  for (int64_t j = 0; j < N; ++j) {
    double acc = 0.0;
    if (distance) {
      for (int64_t k = 0; k < d; ++k) {
        const double df = x[k] - Y[j * d + k];
        acc += df * df;
      }
      s[j] = -(g[j] + acc * c4t);
    } else {
      for (int64_t k = 0; k < d; ++k) acc += W[j * d + k] * x[k];
      s[j] = acc + b[j];
    }
    if (s[j] > m) m = s[j];
  }
  double inv = 1.0 / eps;
  if (!(inv <= std::numeric_limits<double>::max())) inv = std::numeric_limits<double>::max();
  double S = 0.0;
  for (int64_t j = 0; j < N; ++j) {
    double w;
    if (s[j] == m) {
      w = 1.0;
    } else {
      const double a = (s[j] - m) * inv;
      w = a > -708.0 ? std::exp(a) : 0.0;
    }
    s[j] = w;
    S += w;
  }
  if (!(S >= 1.0) || !std::isfinite(S)) return std::numeric_limits<double>::quiet_NaN();
  for (int64_t j = 0; j < N; ++j) s[j] /= S;  // pi
  std::fill(mu, mu + d, 0.0);
  for (int64_t j = 0; j < N; ++j) {
    const double p = s[j];
    if (p == 0.0) continue;
    for (int64_t k = 0; k < d; ++k) mu[k] += p * W[j * d + k];
  }

  double lambda;
  if (d <= 64) {
    double* C = work;
    std::fill(C, C + d * d, 0.0);
    for (int64_t j = 0; j < N; ++j) {
      const double p = s[j];
      if (p == 0.0) continue;
      for (int64_t k = 0; k < d; ++k) tmp[k] = W[j * d + k] - mu[k];
      for (int64_t k = 0; k < d; ++k) {
        const double pk = p * tmp[k];
        double* row = C + k * d;
        for (int64_t l = k; l < d; ++l) row[l] += pk * tmp[l];
      }
    }
    for (int64_t k = 0; k < d; ++k)
      for (int64_t l = 0; l < k; ++l) C[k * d + l] = C[l * d + k];
    lambda = JacobiMaxEigen(C, d);
  } else {
    // Lanczos: Q holds the orthonormal basis (up to d vectors of length d).
    std::vector<double> Q(static_cast<size_t>(d * d)), wv(static_cast<size_t>(d));
    std::vector<double> alpha, beta;
    uint64_t state = 0x9E3779B97F4A7C15ull;
    double norm = 0.0;
    for (int64_t k = 0; k < d; ++k) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      Q[k] = static_cast<double>(state >> 11) * 0x1.0p-53 - 0.5;
      norm += Q[k] * Q[k];
    }
    norm = std::sqrt(norm);
    for (int64_t k = 0; k < d; ++k) Q[k] /= norm;
    double prev = -1.0, maxAlpha = 0.0;
    int stable = 0;
    lambda = 0.0;
    for (int64_t it = 0; it < d; ++it) {
      const double* q = Q.data() + it * d;
      std::fill(wv.begin(), wv.end(), 0.0);
      for (int64_t j = 0; j < N; ++j) {
        const double p = s[j];
        if (p == 0.0) continue;
        double c = 0.0;
        for (int64_t k = 0; k < d; ++k) {
          tmp[k] = W[j * d + k] - mu[k];
          c += tmp[k] * q[k];
        }
        c *= p;
        for (int64_t k = 0; k < d; ++k) wv[k] += c * tmp[k];
      }
      double a = 0.0;
      for (int64_t k = 0; k < d; ++k) a += wv[k] * q[k];
      alpha.push_back(a);
      maxAlpha = std::max(maxAlpha, std::fabs(a));
      for (int pass = 0; pass < 2; ++pass) {
        for (int64_t i = 0; i <= it; ++i) {
          const double* qi = Q.data() + i * d;
          double dot = 0.0;
          for (int64_t k = 0; k < d; ++k) dot += wv[k] * qi[k];
          for (int64_t k = 0; k < d; ++k) wv[k] -= dot * qi[k];
        }
      }
      double bt = 0.0;
      for (int64_t k = 0; k < d; ++k) bt += wv[k] * wv[k];
      bt = std::sqrt(bt);
      lambda = TridiagMaxEigen(alpha, beta, it + 1);
      if (!std::isfinite(lambda)) break;
      if (std::fabs(lambda - prev) <= 1e-15 * std::fabs(lambda)) {
        if (++stable >= 2) break;
      } else {
        stable = 0;
      }
      prev = lambda;
      if (!(bt > 1e-14 * maxAlpha) || it + 1 == d) break;
      beta.push_back(bt);
      double* qn = Q.data() + (it + 1) * d;
      for (int64_t k = 0; k < d; ++k) qn[k] = wv[k] / bt;
    }
  }
  if (!(lambda > 0.0)) return lambda != lambda ? lambda : 0.0;
  return lambda / eps;  // may overflow to +Infinity (the JS layer reports null)
}

}  // namespace hjnet
