// N-API exports of the backend choice and its fallbacks (see native/cuda/binding.h).
#include "cuda/binding.h"

#include <stdexcept>
#include <string>

#include "cuda/backend.h"

namespace hjnet {
namespace {

device::Choice ResolveOrThrow(Napi::Env env) {
  try {
    return device::Resolve();
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(env, e.what());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

Napi::Value Backends(const Napi::CallbackInfo& info) {
  const std::vector<std::string> names = device::Backends();
  Napi::Array a = Napi::Array::New(info.Env(), names.size());
  for (size_t i = 0; i < names.size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::String::New(info.Env(), names[i]));
  return a;
}

Napi::Value Device(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), ResolveOrThrow(info.Env()).name);
}

// The CUDA device as probed (null when none answers or none is compiled in): for the benchmark's
// fraction of peak and for diagnostics.
Napi::Value CudaDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const device::DeviceInfo& d = device::Probe();
  if (!d.ok) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", d.name);
  o.Set("computeCapability", std::to_string(d.major) + "." + std::to_string(d.minor));
  o.Set("multiprocessors", d.sms);
  o.Set("clockHz", d.clockHz);
  o.Set("memoryBytes", d.memoryBytes);
  o.Set("fp32FmaPerSecond", d.fp32FmaPerSecond);
  o.Set("fp32ExpPerSecond", d.fp32ExpPerSecond);
  o.Set("runtimeVersion", d.runtimeVersion);
  o.Set("driverVersion", d.driverVersion);
  return o;
}

// CUDA errors the CPU pass answered instead (HJNET_DEVICE=auto): for /v1/info and the metrics.
Napi::Value DeviceFallbacks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const device::Fallbacks f = device::FallbackStats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("count", static_cast<double>(f.count));
  o.Set("lastError", f.count ? Napi::Value(Napi::String::New(env, f.lastError)) : env.Null());
  return o;
}

}  // namespace

bool UseCudaOrThrow(Napi::Env env) { return ResolveOrThrow(env).cuda; }

device::Choice ChooseDeviceOrThrow(Napi::Env env) { return ResolveOrThrow(env); }

void InitDevice(Napi::Env env, Napi::Object exports) {
  exports.Set("backends", Napi::Function::New(env, Backends, "backends"));
  exports.Set("device", Napi::Function::New(env, Device, "device"));
  exports.Set("cudaDevice", Napi::Function::New(env, CudaDevice, "cudaDevice"));
  exports.Set("deviceFallbacks", Napi::Function::New(env, DeviceFallbacks, "deviceFallbacks"));
}

}  // namespace hjnet
