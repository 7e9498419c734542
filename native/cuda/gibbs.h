// Host API of the CUDA Gibbs pass (native/cuda/gibbs.cu). Plain C++ with no CUDA types: the
// caller (native/cuda/backend.cpp, or the host emulation check) fills a GibbsJob.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace hjnet::cuda {

/** Heads as given, float64 row-major: W, y [K][N][d], b, g [K][N]. */
struct HostHeads {
  int64_t K = 0, N = 0, d = 0;
  double t = 1.0;
  const double* W = nullptr;
  const double* b = nullptr;
  const double* y = nullptr;
  const double* g = nullptr;
};

/** A device copy of the heads in one precision (opaque; freed with the last reference). */
std::shared_ptr<void> UploadHeads(const HostHeads& h, bool f32);

/** One pass; output row o = q * Kp + kcol, as in the CPU GibbsRequest. */
struct GibbsJob {
  HostHeads H;
  // Returns the device copy for a precision (cached by the caller; float64 is asked for only
  // when some float32 query overflows and is redone in float64).
  std::function<const void*(bool f32)> heads;
  bool f32 = false;
  bool distance = false;
  double eps = 0.0;
  int64_t B = 0;
  const double* X = nullptr;      // [B][d]
  const int32_t* sel = nullptr;   // one head per query, or null: every head
  bool entropy = false, fhat = false, grad = false, maxDistance = false;
  int64_t topk = 0;               // <= kTopkMax

  double* f = nullptr;
  double* u = nullptr;            // distance mode
  int32_t* argmax = nullptr;
  double* entropyOut = nullptr;
  double* fhatOut = nullptr;
  double* gradOut = nullptr;
  double* maxDistanceOut = nullptr;
  int32_t* topkIndex = nullptr;
  double* topkPi = nullptr;
  // For the training pass: the max score m (in the pass's precision) and log S, f = m + eps log S.
  double* maxScore = nullptr;
  double* logSum = nullptr;
};

constexpr int64_t kTopkMax = 64;

void RunGibbs(const GibbsJob& job);

/** Device 0 as the runtime sees it. ok = false with the runtime's message when none answers. */
struct Probed {
  bool ok = false;
  char error[256] = {0};
  char name[256] = {0};
  int major = 0, minor = 0, sms = 0, clockKHz = 0, runtimeVersion = 0, driverVersion = 0;
  double memoryBytes = 0;
};
Probed ProbeDevice();

}  // namespace hjnet::cuda
