// The roofline probe of `npm run bench`: this machine's exp and FMA throughput with the same
// Highway target and the same exp2 as the Gibbs kernels, on every pool thread at once.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "probe/roofline.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "exp2-inl.h"

#include <algorithm>

HWY_BEFORE_NAMESPACE();
namespace hjnet {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// 2^a over an L1 buffer of exponents in [-29, 0] (as after the max shift): load, exp2, store.
// The results are summed once at the end: a sum per sweep is one dependent chain of adds, which
// took as long as the exps themselves and made the probe report 30% less than libmvec gives.
template <typename T>
HWY_NOINLINE double ExpRun(int64_t reps, double* sink) {
  const hn::ScalableTag<T> D;
  const size_t L = hn::Lanes(D);
  constexpr size_t kN = 2048;
  HWY_ALIGN T a[kN];
  HWY_ALIGN T w[kN];
  for (size_t i = 0; i < kN; ++i) a[i] = T(-29) * T(i) / T(kN);
  const int64_t sweeps = std::max<int64_t>(1, reps * 4 * static_cast<int64_t>(L) / kN);
  for (int64_t r = 0; r < sweeps; ++r)
    for (size_t i = 0; i < kN; i += L) hn::Store(Exp2NonPos(D, hn::Load(D, a + i)), D, w + i);
  auto s = hn::Zero(D);
  for (size_t i = 0; i < kN; i += L) s = hn::Add(s, hn::Load(D, w + i));
  *sink += double(hn::GetLane(hn::SumOfLanes(D, s)));
  return double(sweeps) * kN;
}

// Eight independent FMA chains: enough to cover the FMA latency on current cores. They start
// apart, or the compiler merges identical chains into one.
template <typename T>
HWY_NOINLINE double FmaRun(int64_t reps, double* sink) {
  const hn::ScalableTag<T> D;
  const size_t L = hn::Lanes(D);
  const auto m = hn::Set(D, T(0.999999)), a = hn::Set(D, T(1e-7));
  auto c0 = hn::Set(D, T(1)), c1 = hn::Set(D, T(1.125)), c2 = hn::Set(D, T(1.25)), c3 = hn::Set(D, T(1.375));
  auto c4 = hn::Set(D, T(1.5)), c5 = hn::Set(D, T(1.625)), c6 = hn::Set(D, T(1.75)), c7 = hn::Set(D, T(1.875));
  for (int64_t r = 0; r < reps; ++r) {
    c0 = hn::MulAdd(c0, m, a); c1 = hn::MulAdd(c1, m, a); c2 = hn::MulAdd(c2, m, a); c3 = hn::MulAdd(c3, m, a);
    c4 = hn::MulAdd(c4, m, a); c5 = hn::MulAdd(c5, m, a); c6 = hn::MulAdd(c6, m, a); c7 = hn::MulAdd(c7, m, a);
  }
  const auto s = hn::Add(hn::Add(hn::Add(c0, c1), hn::Add(c2, c3)), hn::Add(hn::Add(c4, c5), hn::Add(c6, c7)));
  *sink += double(hn::GetLane(hn::SumOfLanes(D, s)));
  return double(reps) * 8 * L;
}

double ExpRun32(int64_t reps, double* sink) { return ExpRun<float>(reps, sink); }
double ExpRun64(int64_t reps, double* sink) { return ExpRun<double>(reps, sink); }
double FmaRun32(int64_t reps, double* sink) { return FmaRun<float>(reps, sink); }
double FmaRun64(int64_t reps, double* sink) { return FmaRun<double>(reps, sink); }

}  // namespace HWY_NAMESPACE
}  // namespace hjnet
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <chrono>
#include <vector>

#include <napi.h>

#include "pool.h"
#include "probe/roofline.h"

namespace hjnet {
HWY_EXPORT(ExpRun32);
HWY_EXPORT(ExpRun64);
HWY_EXPORT(FmaRun32);
HWY_EXPORT(FmaRun64);

namespace {

using Run = double (*)(int64_t, double*);

double Exp32(int64_t reps, double* sink) { return HWY_DYNAMIC_DISPATCH(ExpRun32)(reps, sink); }
double Exp64(int64_t reps, double* sink) { return HWY_DYNAMIC_DISPATCH(ExpRun64)(reps, sink); }
double Fma32(int64_t reps, double* sink) { return HWY_DYNAMIC_DISPATCH(FmaRun32)(reps, sink); }
double Fma64(int64_t reps, double* sink) { return HWY_DYNAMIC_DISPATCH(FmaRun64)(reps, sink); }

// Operations per second over all pool threads running `run` together.
double Throughput(Run run, int64_t reps) {
  const size_t n = static_cast<size_t>(PoolSize());
  std::vector<double> ops(n), sink(n);
  run(reps / 10, &sink[0]);  // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  ParallelFor(n, [&](size_t i) { ops[i] = run(reps, &sink[i]); });
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double total = 0;
  for (double o : ops) total += o;
  return total / s;
}

Napi::Object Rates(Napi::Env env, Run exp, Run fma, int64_t reps) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("expPerSecond", Throughput(exp, reps));
  o.Set("fmaPerSecond", Throughput(fma, reps * 4));
  return o;
}

// Synchronous (a fraction of a second): only the benchmark calls it, never the service.
Napi::Value Roofline(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("float32", Rates(env, Exp32, Fma32, 4'000'000));
  out.Set("float64", Rates(env, Exp64, Fma64, 2'000'000));
  return out;
}

}  // namespace

void InitRoofline(Napi::Env env, Napi::Object exports) {
  exports.Set("roofline", Napi::Function::New(env, Roofline, "roofline"));
}

}  // namespace hjnet
#endif  // HWY_ONCE
