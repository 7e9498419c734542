// N-API side of the backend choice: exports backends(), device(), cudaDevice() and
// deviceFallbacks(), and the
// resolution of HJNET_DEVICE as a JavaScript exception for the computing calls.
#pragma once

#include <napi.h>

#include "cuda/backend.h"

namespace hjnet {

/** Adds backends(), device(), cudaDevice() and deviceFallbacks() to the exports. */
void InitDevice(Napi::Env env, Napi::Object exports);

/**
 * The backend the next pass uses (HJNET_DEVICE as set now): true for the CUDA device. Throws a
 * RangeError for an invalid HJNET_DEVICE, an Error when cuda is asked for and none is usable.
 */
bool UseCudaOrThrow(Napi::Env env);

/** The same resolution with the backend's name ("cpu" or "cuda:<device name>"). */
device::Choice ChooseDeviceOrThrow(Napi::Env env);

}  // namespace hjnet
