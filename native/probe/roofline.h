// Exports `roofline()`: exp and FMA throughput for the benchmark's roofline column.
#pragma once

#include <napi.h>

namespace hjnet {
void InitRoofline(Napi::Env env, Napi::Object exports);
}
