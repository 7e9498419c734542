// Geometry of the training inputs used to initialise a layer: k-means++ seeding of the
// support points and nearest-neighbour distances (the spacing h and the Lipschitz
// estimate L of the automatic gauge).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hjnet::train {

/**
 * N distinct rows of X [n, d] chosen by k-means++ D^2 sampling (Arthur & Vassilvitskii):
 * the first uniformly, each next with probability proportional to its squared distance to
 * the nearest chosen row; uniformly among the rest once every row coincides with a chosen
 * one. Then up to `lloyd_iterations` Lloyd steps that stay on rows: each cluster moves to
 * the member nearest its mean (D^2 sampling leaves gaps and clumps; these even the spacing,
 * which is what the Hopf–Cole error depends on). N <= n. Deterministic for a seed.
 */
std::vector<uint32_t> KMeansPlusPlus(const double* X, size_t n, int d, size_t N, uint64_t seed,
                                     int lloyd_iterations);

/** For each row of P [m, d] (m >= 2), the index of its nearest other row and the distance. */
void NearestNeighbours(const double* P, size_t m, int d, int32_t* index, double* distance);

}  // namespace hjnet::train
