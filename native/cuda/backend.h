// The run-time choice of backend (HJNET_DEVICE = auto | cpu | cuda) and the CUDA pass as the
// CPU-side code sees it. Plain C++: included by the bindings whether or not CUDA is compiled in
// (HJNET_WITH_CUDA); without it every CUDA entry point reports "not compiled".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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
 * the CPU pool). Returns false, having done nothing, for what it does not implement (pi: the
 * full B x N matrix, topk above kDeviceTopkMax); the caller then runs the CPU pass.
 */
bool GibbsOnDevice(GibbsRequest& rq);

constexpr int64_t kDeviceTopkMax = 64;

}  // namespace device
}  // namespace hjnet
