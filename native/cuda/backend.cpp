// HJNET_DEVICE, the device probe and the CUDA dispatch of the Gibbs pass. Compiled in every
// build; the CUDA parts only with HJNET_WITH_CUDA (the .cu sources are then linked in).
#include "cuda/backend.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include "common.h"
#include "pool.h"
#if HJNET_WITH_CUDA
#include "cuda/gibbs.h"
#include "cuda/train.h"
#endif

namespace hjnet::device {

std::vector<std::string> Backends() {
#if HJNET_WITH_CUDA
  return {"cuda", "cpu"};
#else
  return {"cpu"};
#endif
}

#if HJNET_WITH_CUDA
namespace {

// fp32 FMA lanes per SM and clock: 64 on sm_60/70/75/80 (A100), 128 on sm_86 and later
// (RTX 30xx/40xx, H100/H200, Blackwell). The special-function unit evaluates 16 exp2f per SM
// and clock on all of them.
int Fp32LanesPerSm(int major, int minor) {
  if (major >= 9) return 128;
  if (major == 8) return minor == 0 ? 64 : 128;
  return 64;
}

}  // namespace
#endif

const DeviceInfo& Probe() {
  static DeviceInfo info;
  static std::once_flag once;
  std::call_once(once, [] {
#if HJNET_WITH_CUDA
    const cuda::Probed p = cuda::ProbeDevice();
    info.runtimeVersion = std::to_string(p.runtimeVersion / 1000) + "." + std::to_string(p.runtimeVersion % 1000 / 10);
    info.driverVersion = p.driverVersion == 0 ? "none"
                                              : std::to_string(p.driverVersion / 1000) + "." +
                                                    std::to_string(p.driverVersion % 1000 / 10);
    if (!p.ok) {
      info.error = p.error;
      return;
    }
    info.ok = true;
    info.name = p.name;
    info.major = p.major;
    info.minor = p.minor;
    info.sms = p.sms;
    info.clockHz = p.clockKHz * 1e3;
    info.memoryBytes = p.memoryBytes;
    info.fp32FmaPerSecond = static_cast<double>(p.sms) * Fp32LanesPerSm(p.major, p.minor) * info.clockHz;
    info.fp32ExpPerSecond = static_cast<double>(p.sms) * 16.0 * info.clockHz;
#else
    info.error = "this build of hjnet has no CUDA backend (built with HJNET_CUDA=OFF or without a CUDA compiler)";
#endif
  });
  return info;
}

namespace {

enum class Mode { kAuto, kCpu, kCuda };

// HJNET_DEVICE as it is set now, trimmed, any case.
Mode ReadMode() {
  const char* env = std::getenv("HJNET_DEVICE");
  std::string v = env ? env : "";
  v.erase(v.begin(), std::find_if(v.begin(), v.end(), [](unsigned char c) { return !std::isspace(c); }));
  v.erase(std::find_if(v.rbegin(), v.rend(), [](unsigned char c) { return !std::isspace(c); }).base(), v.end());
  std::string low = v;
  std::transform(low.begin(), low.end(), low.begin(), [](unsigned char c) { return std::tolower(c); });
  if (low.empty() || low == "auto") return Mode::kAuto;
  if (low == "cpu") return Mode::kCpu;
  if (low == "cuda") return Mode::kCuda;
  throw std::invalid_argument("HJNET_DEVICE must be auto, cpu or cuda, received '" + v + "'");
}

std::mutex g_fallback_mu;
Fallbacks g_fallbacks;

#if HJNET_WITH_CUDA
// Runs a device call. After a CUDA error (out of memory, a lost device) under auto: false, the
// error counted and its message in *error, for the CPU pass to answer instead; HJNET_DEVICE=cuda
// asked for the device, so there the error is the answer.
template <class Call>
bool DeviceCall(const Call& call, std::string* error = nullptr) {
  try {
    call();
    return true;
  } catch (const std::runtime_error& e) {
    if (ReadMode() == Mode::kCuda) throw;
    std::lock_guard<std::mutex> lock(g_fallback_mu);
    ++g_fallbacks.count;
    g_fallbacks.lastError = e.what();
    if (error) *error = e.what();
    return false;
  }
}
#endif

}  // namespace

Fallbacks FallbackStats() {
  std::lock_guard<std::mutex> lock(g_fallback_mu);
  return g_fallbacks;
}

Choice Resolve() {
  const Mode mode = ReadMode();
  if (mode == Mode::kCpu) return {false, "cpu"};
  const DeviceInfo& i = Probe();
  if (i.ok) return {true, "cuda:" + i.name};
  if (mode == Mode::kAuto) return {false, "cpu"};  // no device answers (or none compiled in): the CPU, silently
#if HJNET_WITH_CUDA
  throw std::runtime_error("HJNET_DEVICE=cuda but no CUDA device is usable (" + i.error + "; CUDA runtime " +
                           i.runtimeVersion + ", driver " + i.driverVersion +
                           "). Unset HJNET_DEVICE or set it to auto or cpu to run on the CPU.");
#else
  throw std::runtime_error("HJNET_DEVICE=cuda but " + i.error +
                           ". Rebuild with a CUDA toolkit (HJNET_CUDA=ON npm run build:native), or "
                           "unset HJNET_DEVICE or set it to auto or cpu.");
#endif
}

bool GibbsOnDevice(GibbsRequest& rq) {
#if HJNET_WITH_CUDA
  // Not on the device: pi (the full B x N matrix; the CPU writes it as it streams) and top-k
  // lists longer than the per-thread list the kernel keeps.
  if (rq.pi || rq.topk > kDeviceTopkMax) return false;
  static_assert(kDeviceTopkMax == cuda::kTopkMax, "one top-k limit");
  HeadsData& H = *rq.H;
  cuda::GibbsJob job;
  job.H = {H.K, H.N, H.d, H.t, H.W.data(), H.b.data(), H.y.data(), H.g.data()};
  job.heads = [&H, host = job.H](bool f32) -> const void* {
    std::lock_guard<std::mutex> lock(H.device_mu);
    std::shared_ptr<void>& slot = H.device_heads[f32 ? 1 : 0];
    if (!slot) slot = cuda::UploadHeads(host, f32);
    return slot.get();
  };
  job.f32 = rq.f32;
  job.distance = rq.distance;
  job.eps = rq.eps;
  job.B = rq.B;
  job.X = rq.X.get();
  job.sel = rq.heads.empty() ? nullptr : rq.heads.data();
  job.entropy = rq.entropy;
  job.fhat = rq.fhat;
  job.grad = rq.grad;
  job.maxDistance = rq.maxDistance;
  job.topk = rq.topk;
  job.f = rq.f;
  job.u = rq.u;
  job.argmax = rq.argmax;
  job.entropyOut = rq.entropyOut;
  job.fhatOut = rq.fhatOut;
  job.gradOut = rq.gradOut;
  job.maxDistanceOut = rq.maxDistanceOut;
  job.topkIndex = rq.topkIndex;
  job.topkPi = rq.topkPi;
  if (!DeviceCall([&] { cuda::RunGibbs(job); })) return false;
  if (rq.hessian) {
    // The Hessian norm is a second float64 pass per query (a d x d eigenproblem): on the CPU
    // pool, as in the CPU pass, so its value does not depend on the backend.
    const int64_t rows = rq.B * rq.Kp;
    constexpr int64_t kChunk = 16;
    ParallelFor(static_cast<size_t>((rows + kChunk - 1) / kChunk), [&](size_t c) {
      std::vector<double> scratch;
      const int64_t o1 = std::min<int64_t>(rows, (static_cast<int64_t>(c) + 1) * kChunk);
      for (int64_t o = static_cast<int64_t>(c) * kChunk; o < o1; ++o) {
        const int64_t q = o / rq.Kp, kcol = o % rq.Kp;
        const int64_t head = rq.heads.empty() ? kcol : rq.heads[q];
        rq.hessianOut[o] = HessianNorm(H, head, rq.X.get() + q * H.d, rq.distance, rq.eps, scratch);
      }
    });
  }
  return true;
#else
  (void)rq;
  return false;
#endif
}

bool TrainFitsDevice(const train::Layer& layer, bool f32) {
#if HJNET_WITH_CUDA
  return cuda::TrainSupported(layer, f32);
#else
  (void)layer, (void)f32;
  return false;
#endif
}

template <typename T>
bool TrainLossGradOnDevice(const train::Layer& layer, const double* theta, const train::Rows<T>& rows,
                           const uint32_t* index, size_t count, double* grad, double* loss, std::string* error) {
#if HJNET_WITH_CUDA
  return DeviceCall([&] { *loss = cuda::TrainLossGrad<T>(layer, theta, rows, index, count, grad); }, error);
#else
  (void)layer, (void)theta, (void)rows, (void)index, (void)count, (void)grad, (void)loss, (void)error;
  return false;
#endif
}

template <typename T>
bool TrainPredictOnDevice(const train::Layer& layer, const double* theta, const train::Rows<T>& rows,
                          const uint32_t* index, size_t count, double* u, std::string* error) {
#if HJNET_WITH_CUDA
  return DeviceCall([&] { cuda::TrainPredict<T>(layer, theta, rows, index, count, u); }, error);
#else
  (void)layer, (void)theta, (void)rows, (void)index, (void)count, (void)u, (void)error;
  return false;
#endif
}

template bool TrainLossGradOnDevice<float>(const train::Layer&, const double*, const train::Rows<float>&,
                                           const uint32_t*, size_t, double*, double*, std::string*);
template bool TrainLossGradOnDevice<double>(const train::Layer&, const double*, const train::Rows<double>&,
                                            const uint32_t*, size_t, double*, double*, std::string*);
template bool TrainPredictOnDevice<float>(const train::Layer&, const double*, const train::Rows<float>&,
                                          const uint32_t*, size_t, double*, std::string*);
template bool TrainPredictOnDevice<double>(const train::Layer&, const double*, const train::Rows<double>&,
                                           const uint32_t*, size_t, double*, std::string*);

}  // namespace hjnet::device
