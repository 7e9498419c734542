#include "train/geometry.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "pool.h"
#include "train/rng.h"
#include "train/target.h"

namespace hjnet::train {

namespace {

// Rows per parallel item: results do not depend on how items map to threads.
constexpr size_t kRowsPerItem = 256;

/** |a - b|^2 with eight partial sums (vectorised without -ffast-math). */
inline double SquaredDistance(const double* a, const double* b, int d) {
  double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int k = 0;
  for (; k + 8 <= d; k += 8)
    for (int l = 0; l < 8; l++) lanes[l] += (a[k + l] - b[k + l]) * (a[k + l] - b[k + l]);
  double s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  for (; k < d; k++) s += (a[k] - b[k]) * (a[k] - b[k]);
  return s;
}

/** d2[r] = min(d2[r], |X_r - c|^2) for rows [r0, r1). */
HJNET_TRAIN_CLONES void ShrinkDistances(const double* X, int d, const double* c, size_t r0, size_t r1, double* d2) {
  for (size_t r = r0; r < r1; r++) d2[r] = std::min(d2[r], SquaredDistance(X + r * d, c, d));
}

/** For rows [r0, r1): the nearest of the centres (rows `chosen` of X) and the squared distance. */
HJNET_TRAIN_CLONES void NearestCentre(const double* X, int d, const uint32_t* chosen, size_t N, size_t r0, size_t r1,
                                      uint32_t* assign, double* d2) {
  for (size_t r = r0; r < r1; r++) {
    double best = std::numeric_limits<double>::infinity();
    uint32_t arg = 0;
    for (size_t c = 0; c < N; c++) {
      const double s = SquaredDistance(X + r * d, X + static_cast<size_t>(chosen[c]) * d, d);
      if (s < best) {
        best = s;
        arg = static_cast<uint32_t>(c);
      }
    }
    assign[r] = arg;
    d2[r] = best;
  }
}

/** Runs fn(r0, r1) over [0, n) in fixed chunks on the compute pool. */
template <typename F>
void ForRows(size_t n, F fn) {
  const size_t items = (n + kRowsPerItem - 1) / kRowsPerItem;
  hjnet::ParallelFor(items, [&](size_t i) { fn(i * kRowsPerItem, std::min(n, (i + 1) * kRowsPerItem)); });
}

}  // namespace

namespace {
/** One Lloyd step on rows; returns false when no centre moved. */
bool LloydOnRows(const double* X, size_t n, int d, std::vector<uint32_t>& chosen) {
  const size_t N = chosen.size();
  std::vector<uint32_t> assign(n);
  std::vector<double> d2(n);
  std::vector<double> mean(N * d, 0.0);
  std::vector<size_t> count(N, 0);
  ForRows(n, [&](size_t r0, size_t r1) { NearestCentre(X, d, chosen.data(), N, r0, r1, assign.data(), d2.data()); });
  for (size_t r = 0; r < n; r++) {
    const uint32_t c = assign[r];
    count[c]++;
    for (int k = 0; k < d; k++) mean[static_cast<size_t>(c) * d + k] += X[r * d + k];
  }
  for (size_t c = 0; c < N; c++)
    for (int k = 0; k < d; k++) mean[c * d + k] /= count[c] ? static_cast<double>(count[c]) : 1.0;
  // Each non-empty cluster moves to its member nearest the mean (members are disjoint, so
  // the new rows are distinct).
  std::vector<double> nearest(N, std::numeric_limits<double>::infinity());
  std::vector<uint32_t> next(chosen);
  for (size_t r = 0; r < n; r++) {
    const uint32_t c = assign[r];
    const double s = SquaredDistance(X + r * d, mean.data() + static_cast<size_t>(c) * d, d);
    if (s < nearest[c]) {
      nearest[c] = s;
      next[c] = static_cast<uint32_t>(r);
    }
  }
  // An empty cluster keeps its row unless another cluster took it; then it takes the row
  // worst served by the others.
  std::vector<char> taken(n, 0);
  for (size_t c = 0; c < N; c++)
    if (count[c]) taken[next[c]] = 1;
  for (size_t c = 0; c < N; c++) {
    if (count[c]) continue;
    if (taken[next[c]]) {
      size_t worst = n;
      for (size_t r = 0; r < n; r++)
        if (!taken[r] && (worst == n || d2[r] > d2[worst])) worst = r;
      next[c] = static_cast<uint32_t>(worst);
    }
    taken[next[c]] = 1;
  }
  const bool moved = next != chosen;
  chosen.swap(next);
  return moved;
}
}  // namespace

std::vector<uint32_t> KMeansPlusPlus(const double* X, size_t n, int d, size_t N, uint64_t seed,
                                     int lloyd_iterations) {
  Rng rng(seed);
  std::vector<uint32_t> chosen;
  std::vector<char> taken(n, 0);
  std::vector<double> d2(n, std::numeric_limits<double>::infinity());
  auto take = [&](size_t i) {
    chosen.push_back(static_cast<uint32_t>(i));
    taken[i] = 1;
    ForRows(n, [&](size_t r0, size_t r1) { ShrinkDistances(X, d, X + i * d, r0, r1, d2.data()); });
  };
  take(rng.Below(n));
  while (chosen.size() < N) {
    double total = 0;
    for (size_t r = 0; r < n; r++) total += taken[r] ? 0 : d2[r];
    size_t pick = n;
    if (total > 0) {
      double target = rng.Uniform() * total;
      for (size_t r = 0; r < n; r++) {
        if (taken[r] || d2[r] == 0) continue;
        pick = r;  // the last candidate absorbs rounding in the running sum
        target -= d2[r];
        if (target < 0) break;
      }
    }
    if (pick == n) {  // every remaining row duplicates a chosen one
      size_t k = rng.Below(n - chosen.size());
      for (size_t r = 0; r < n; r++)
        if (!taken[r] && k-- == 0) {
          pick = r;
          break;
        }
    }
    take(pick);
  }
  for (int it = 0; it < lloyd_iterations; it++)
    if (!LloydOnRows(X, n, d, chosen)) break;
  return chosen;
}

namespace {
HJNET_TRAIN_CLONES void NeighbourRange(const double* P, size_t m, int d, size_t i0, size_t i1, int32_t* index,
                                       double* distance) {
  for (size_t i = i0; i < i1; i++) {
    double best = std::numeric_limits<double>::infinity();
    int32_t arg = -1;
    for (size_t j = 0; j < m; j++) {
      if (j == i) continue;
      const double s = SquaredDistance(P + i * d, P + j * d, d);
      if (s < best) {
        best = s;
        arg = static_cast<int32_t>(j);
      }
    }
    index[i] = arg;
    distance[i] = std::sqrt(best);
  }
}
}  // namespace

void NearestNeighbours(const double* P, size_t m, int d, int32_t* index, double* distance) {
  ForRows(m, [&](size_t i0, size_t i1) { NeighbourRange(P, m, d, i0, i1, index, distance); });
}

}  // namespace hjnet::train
