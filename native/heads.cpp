// Packing of the heads into the tiled layout of the kernels.
#include <cstring>

#include "common.h"

namespace hjnet {
namespace {

template <typename T>
void Pack(const HeadsData& H, Packed<T>& P) {
  const int64_t K = H.K, N = H.N, d = H.d, Np = H.Npad, G = H.G;
  P.W = hwy::AllocateAligned<T>(static_cast<size_t>(K * Np * d));
  P.Y = hwy::AllocateAligned<T>(static_cast<size_t>(K * Np * d));
  P.b = hwy::AllocateAligned<T>(static_cast<size_t>(K * Np));
  P.g = hwy::AllocateAligned<T>(static_cast<size_t>(K * Np));
  if (!P.W || !P.Y || !P.b || !P.g) throw std::bad_alloc();
  for (int64_t h = 0; h < K; ++h) {
    const double* W = H.W.data() + h * N * d;
    const double* Y = H.y.data() + h * N * d;
    T* pw = P.W.get() + h * Np * d;
    T* py = P.Y.get() + h * Np * d;
    for (int64_t grp = 0; grp < G; ++grp) {
      for (int64_t k = 0; k < d; ++k) {
        for (int64_t jj = 0; jj < kGroup; ++jj) {
          int64_t j = grp * kGroup + jj;
          if (j >= N) j = N - 1;  // padding repeats the last neuron
          pw[(grp * d + k) * kGroup + jj] = static_cast<T>(W[j * d + k]);
          py[(grp * d + k) * kGroup + jj] = static_cast<T>(Y[j * d + k]);
        }
      }
    }
    for (int64_t j = 0; j < Np; ++j) {
      const int64_t s = j < N ? j : N - 1;
      P.b[h * Np + j] = static_cast<T>(H.b[h * N + s]);
      P.g[h * Np + j] = static_cast<T>(H.g[h * N + s]);
    }
  }
}

}  // namespace

void HeadsData::Build() {
  G = (N + kGroup - 1) / kGroup;
  Npad = G * kGroup;
  Pack(*this, p64);
}

void HeadsData::EnsureF32() {
  std::call_once(f32_once, [this] { Pack(*this, p32); });
}

}  // namespace hjnet
