// The run-time choice of backend (HJNET_DEVICE = auto | cpu | cuda) and the CUDA pass as the
// CPU-side code sees it. Plain C++: included by the bindings whether or not CUDA is compiled in
// (HJNET_WITH_CUDA); without it every CUDA entry point reports "not compiled".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "train/layer.h"

namespace hjnet {

struct GibbsRequest;

namespace device {

/** Backends compiled in: {"cuda", "cpu"} with HJNET_WITH_CUDA, else {"cpu"}. */
std::vector<std::string> Backends();

/** The backend a computing call uses now. */
struct Choice {
  bool cuda = false;
  std::string name;  // "cpu" or "cuda:<device name>"
};

/**
 * Resolves HJNET_DEVICE as it is set now (it is read on every call, so a process may switch;
 * the device probe itself runs once). auto (or unset/empty): cuda when a device answers, else
 * cpu; cpu: cpu; cuda: the device, or std::runtime_error saying why there is none. Any other
 * value: std::invalid_argument.
 */
Choice Resolve();

/** What the CUDA probe found (probed once, on first use). */
struct DeviceInfo {
  bool ok = false;
  std::string error;  // why there is no usable device, when !ok
  std::string name;
  int major = 0, minor = 0, sms = 0;
  double clockHz = 0;
  double memoryBytes = 0;
  // Peak rates from the architecture's per-SM issue widths: fp32 FMA lanes and the
  // special-function (MUFU ex2) lanes that evaluate exp2f.
  double fp32FmaPerSecond = 0, fp32ExpPerSecond = 0;
  std::string runtimeVersion, driverVersion;
};
const DeviceInfo& Probe();

/**
 * Runs one Gibbs pass on the CUDA device when the device supports the request (f, u, argmax,
 * entropy, fhat, grad, maxDistance, topk <= kDeviceTopkMax; the Hessian norm is then added on
 * the CPU pool). Returns false for what it does not implement (pi: the full B x N matrix, topk
 * above kDeviceTopkMax), and after a CUDA error when HJNET_DEVICE is auto (the error is
 * counted, see Fallbacks); the caller then runs the CPU pass, which writes every output.
 * With HJNET_DEVICE=cuda a CUDA error is thrown (std::runtime_error).
 */
bool GibbsOnDevice(GibbsRequest& rq);

/** Whether the device's training pass takes a layer of this dimension (shared memory). */
bool TrainFitsDevice(const train::Layer& layer, bool f32);

/**
 * The training pass (native/cuda/train.h) on the device, with the same fallback rule: false
 * after a CUDA error under HJNET_DEVICE=auto, its message in *error; the caller then runs the
 * CPU pass. Without CUDA compiled in: false (TrainFitsDevice is false there too).
 */
template <typename T>
bool TrainLossGradOnDevice(const train::Layer& layer, const double* theta, const train::Rows<T>& rows,
                           const uint32_t* index, size_t count, double* grad, double* loss, std::string* error);
template <typename T>
bool TrainPredictOnDevice(const train::Layer& layer, const double* theta, const train::Rows<T>& rows,
                          const uint32_t* index, size_t count, double* u, std::string* error);

/** CUDA errors that were answered by the CPU pass instead (HJNET_DEVICE=auto), since start. */
struct Fallbacks {
  uint64_t count = 0;
  std::string lastError;
};
Fallbacks FallbackStats();

constexpr int64_t kDeviceTopkMax = 64;

}  // namespace device
}  // namespace hjnet
