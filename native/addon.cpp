// N-API bindings of the CPU engine: argument validation, copies, async workers. No math here.
#include <napi.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common.h"
#include "cuda/backend.h"
#include "cuda/binding.h"
#include "hwy/targets.h"
#include "pool.h"
#include "probe/roofline.h"
#include "train/binding.h"

namespace hjnet {
namespace {

constexpr int64_t kMaxSafe = (int64_t{1} << 53) - 1;
constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();

std::string Describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsTypedArray()) {
    switch (v.As<Napi::TypedArray>().TypedArrayType()) {
      case napi_int8_array: return "Int8Array";
      case napi_uint8_array: return "Uint8Array";
      case napi_uint8_clamped_array: return "Uint8ClampedArray";
      case napi_int16_array: return "Int16Array";
      case napi_uint16_array: return "Uint16Array";
      case napi_int32_array: return "Int32Array";
      case napi_uint32_array: return "Uint32Array";
      case napi_float32_array: return "Float32Array";
      case napi_float64_array: return "Float64Array";
      case napi_bigint64_array: return "BigInt64Array";
      case napi_biguint64_array: return "BigUint64Array";
    }
    return "TypedArray";
  }
  if (v.IsArray()) return "Array";
  if (v.IsString()) return "string '" + v.As<Napi::String>().Utf8Value() + "'";
  if (v.IsNumber()) {
    const double x = v.As<Napi::Number>().DoubleValue();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", x);
    return std::string("number ") + buf;
  }
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsFunction()) return "function";
  if (v.IsObject()) return "object";
  return "a value of another type";
}

[[noreturn]] void ThrowType(Napi::Env env, const std::string& msg) {
  throw Napi::TypeError::New(env, msg);
}
[[noreturn]] void ThrowRange(Napi::Env env, const std::string& msg) {
  throw Napi::RangeError::New(env, msg);
}

int64_t Mul(Napi::Env env, int64_t a, int64_t b, const char* what) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r) || r > kMaxSafe)
    ThrowRange(env, std::string("Size of ") + what + " overflows (" + std::to_string(a) + " x " +
                        std::to_string(b) + ")");
  return r;
}

int64_t GetInt(Napi::Env env, const Napi::Value& v, const std::string& name, int64_t lo,
               int64_t hi) {
  if (!v.IsNumber()) ThrowType(env, "Expected an integer for " + name + " but received " + Describe(v));
  const double x = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(x) || std::floor(x) != x || x < static_cast<double>(lo) ||
      x > static_cast<double>(hi))
    ThrowRange(env, "Expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                        "] for " + name + " but received " + Describe(v));
  return static_cast<int64_t>(x);
}

// A typed array of the expected kind and length whose buffer is attached.
template <typename U>
Napi::TypedArrayOf<U> GetArray(Napi::Env env, const Napi::Value& v, napi_typedarray_type type,
                               const char* typeName, const std::string& name, int64_t length) {
  const std::string expected =
      std::string("Expected ") + typeName + " of length " + std::to_string(length) + " for " + name;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    ThrowType(env, expected + " but received " + Describe(v));
  auto arr = v.As<Napi::TypedArrayOf<U>>();
  if (arr.ArrayBuffer().IsDetached())
    ThrowType(env, expected + " but received a " + typeName + " whose buffer is detached");
  if (static_cast<int64_t>(arr.ElementLength()) != length)
    ThrowRange(env, expected + " but received length " + std::to_string(arr.ElementLength()));
  return arr;
}

bool GetBool(Napi::Env env, const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined() || v.IsNull()) return false;
  if (!v.IsBoolean())
    ThrowType(env, std::string("Expected a boolean for options.") + name + " but received " + Describe(v));
  return v.As<Napi::Boolean>().Value();
}

std::string GetEnum(Napi::Env env, const Napi::Object& o, const char* name, const char* a,
                    const char* b) {
  Napi::Value v = o.Get(name);
  const std::string expected = std::string("Expected '") + a + "' or '" + b + "' for options." + name;
  if (!v.IsString()) ThrowType(env, expected + " but received " + Describe(v));
  std::string s = v.As<Napi::String>().Utf8Value();
  if (s != a && s != b) ThrowRange(env, expected + " but received '" + s + "'");
  return s;
}

void CheckFinite(Napi::Env env, const std::vector<double>& v, const char* name) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i]))
      ThrowRange(env, std::string("Expected finite values in ") + name + " but received " +
                          std::to_string(v[i]) + " at index " + std::to_string(i));
  }
}

int PoolSizeOrThrow(Napi::Env env) {
  try {
    return PoolSize();
  } catch (const std::exception& e) {
    ThrowRange(env, e.what());
  }
}

template <typename TA>
TA NewOut(Napi::Env env, Napi::Object& result, const char* name, int64_t n) {
  TA arr = TA::New(env, static_cast<size_t>(n));
  result.Set(name, arr);
  return arr;
}

// f and u of fewer queries than a tile: one query at a time with the neurons in the lanes.
bool RowPass(const GibbsRequest& rq) {
  return !(rq.entropy || rq.fhat || rq.grad || rq.hessian || rq.pi || rq.maxDistance || rq.topk > 0) &&
         rq.B < TileQueries(rq.f32);
}

// One Gibbs pass: tiles of queries per head on the pool (or one after another on the calling
// thread, which then never waits on the pool), or the CUDA backend when it takes the request.
// Throws on failure.
void RunGibbs(GibbsRequest& rq, bool cuda, bool onCaller) {
  // CUDA backend (native/cuda): false when it does not implement the request (pi, ...).
  if (cuda && device::GibbsOnDevice(rq)) return;
  const HeadsData& H = *rq.H;
  if (rq.f32) rq.H->EnsureF32();
  const int64_t QT = TileQueries(rq.f32);
  struct Item { int64_t head, kcol, off, n; };
  std::vector<Item> items;
  std::vector<int64_t> qidx(static_cast<size_t>(rq.B));
  if (rq.heads.empty()) {
    for (int64_t q = 0; q < rq.B; ++q) qidx[q] = q;
    for (int64_t h = 0; h < H.K; ++h)
      for (int64_t q0 = 0; q0 < rq.B; q0 += QT)
        items.push_back({h, h, q0, std::min(QT, rq.B - q0)});
  } else {
    std::vector<int64_t> start(static_cast<size_t>(H.K + 1), 0);
    for (int64_t q = 0; q < rq.B; ++q) ++start[rq.heads[q] + 1];
    for (int64_t h = 0; h < H.K; ++h) start[h + 1] += start[h];
    std::vector<int64_t> fill(start.begin(), start.end() - 1);
    for (int64_t q = 0; q < rq.B; ++q) qidx[fill[rq.heads[q]]++] = q;
    for (int64_t h = 0; h < H.K; ++h)
      for (int64_t q0 = start[h]; q0 < start[h + 1]; q0 += QT)
        items.push_back({h, 0, q0, std::min(QT, start[h + 1] - q0)});
  }
  const bool rows = RowPass(rq);
  (onCaller ? SerialFor : ParallelFor)(items.size(), [&](size_t i) {
    const Item& it = items[i];
    (rows ? GibbsRows : GibbsItem)(rq, qidx.data() + it.off, it.n, it.head, it.kcol);
  });
}

// A pass this small (query lanes x neurons x (d + 8), a tile's lanes counted whole, tens of
// microseconds) runs on the JS thread: a hand-off to a worker thread and back costs more. Its
// items run one after another there, never waiting on the pool, which a large request may hold.
constexpr int64_t kInlineWork = int64_t{1} << 19;
// Top-k lists longer than this cost more per neuron than the estimate counts.
constexpr int64_t kInlineTopk = 16;

bool InlineWork(const GibbsRequest& rq) {
  const HeadsData& H = *rq.H;
  if (rq.hessian || rq.pi || rq.topk > kInlineTopk) return false;
  const int64_t QT = TileQueries(rq.f32);
  // the row pass fills whole vectors of neurons: a query costs about 1/QT of a tile's lanes
  const bool rows = RowPass(rq);
  const int64_t lanes = rows ? rq.B * rq.Kp : (rq.B + QT - 1) / QT * QT * rq.Kp;
  const int64_t perLane = H.N * (H.d + 8) / (rows ? QT / 2 : 1);
  return lanes <= kInlineWork / std::max<int64_t>(perLane, 1);
}

class GibbsWorker : public Napi::AsyncWorker {
 public:
  GibbsWorker(Napi::Env env, Napi::Object heads, std::shared_ptr<GibbsRequest> req,
              Napi::Object result, bool cuda)
      : Napi::AsyncWorker(env, "hjnet:gibbs"),
        deferred_(Napi::Promise::Deferred::New(env)),
        heads_(Napi::Persistent(heads)),
        result_(Napi::Persistent(result)),
        req_(std::move(req)),
        cuda_(cuda) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      RunGibbs(*req_, cuda_, false);
    } catch (const std::exception& e) {
      SetError(std::string("hjnet gibbs pass failed: ") + e.what());
    }
  }

  void OnOK() override {
    req_.reset();
    deferred_.Resolve(result_.Value());
  }
  void OnError(const Napi::Error& e) override {
    req_.reset();
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference heads_;   // keeps the Heads object alive while the pass runs
  Napi::ObjectReference result_;  // output arrays, written by Execute
  std::shared_ptr<GibbsRequest> req_;
  bool cuda_;
};

class PairWorker : public Napi::AsyncWorker {
 public:
  PairWorker(Napi::Env env, Napi::Object heads, std::shared_ptr<HeadsData> H, int64_t a, int64_t b)
      : Napi::AsyncWorker(env, "hjnet:maxPairDistance"),
        deferred_(Napi::Promise::Deferred::New(env)),
        heads_(Napi::Persistent(heads)),
        H_(std::move(H)), a_(a), b_(b) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      const int64_t N = H_->N;
      const int64_t chunk = std::max<int64_t>(1, std::min<int64_t>(256, N / (8 * PoolSize()) + 1));
      const int64_t n = (N + chunk - 1) / chunk;
      std::vector<double> best(static_cast<size_t>(n), 0.0);
      ParallelFor(static_cast<size_t>(n), [&](size_t i) {
        const int64_t i0 = static_cast<int64_t>(i) * chunk;
        best[i] = MaxPairSquared(*H_, a_, b_, i0, std::min(N, i0 + chunk));
      });
      double m = 0.0;
      for (double v : best) m = std::max(m, v);
      result_ = std::sqrt(m);
    } catch (const std::exception& e) {
      SetError(std::string("hjnet maxPairDistance failed: ") + e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(Napi::Number::New(Env(), result_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference heads_;
  std::shared_ptr<HeadsData> H_;
  int64_t a_, b_;
  double result_ = 0.0;
};

class Heads : public Napi::ObjectWrap<Heads> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Heads",
                       {InstanceAccessor<&Heads::GetK>("K"), InstanceAccessor<&Heads::GetN>("N"),
                        InstanceAccessor<&Heads::GetD>("d"),
                        InstanceMethod<&Heads::Gibbs>("gibbs"),
                        InstanceMethod<&Heads::MaxPairDistance>("maxPairDistance")});
  }

  explicit Heads(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Heads>(info) {
    Napi::Env env = info.Env();
    if (!info.IsConstructCall()) ThrowType(env, "Heads must be called with new");
    if (info.Length() < 1 || !info[0].IsObject() || info[0].IsTypedArray() || info[0].IsArray())
      ThrowType(env, "Expected an object {K, N, d, W, b, y, g, t} for spec but received " +
                         (info.Length() < 1 ? std::string("nothing") : Describe(info[0])));
    Napi::Object spec = info[0].As<Napi::Object>();
    auto H = std::make_shared<HeadsData>();
    H->K = GetInt(env, spec.Get("K"), "K", 1, kMaxInt32);
    H->N = GetInt(env, spec.Get("N"), "N", 1, kMaxInt32 - kBlock);
    H->d = GetInt(env, spec.Get("d"), "d", 1, 1 << 24);
    const int64_t KN = Mul(env, H->K, H->N, "K*N");
    const int64_t KNd = Mul(env, KN, H->d, "K*N*d");
    Napi::Value tv = spec.Get("t");
    if (!tv.IsNumber()) ThrowType(env, "Expected a number for t but received " + Describe(tv));
    H->t = tv.As<Napi::Number>().DoubleValue();
    if (!(H->t > 0.0) || !std::isfinite(H->t))
      ThrowRange(env, "Expected a finite number > 0 for t but received " + Describe(tv));
    auto copy = [&](const char* name, int64_t len, std::vector<double>& dst) {
      auto arr = GetArray<double>(env, spec.Get(name), napi_float64_array, "Float64Array", name, len);
      dst.assign(arr.Data(), arr.Data() + len);
      CheckFinite(env, dst, name);
    };
    copy("W", KNd, H->W);
    copy("b", KN, H->b);
    copy("y", KNd, H->y);
    copy("g", KN, H->g);
    H->Build();
    data_ = std::move(H);
  }

 private:
  Napi::Value GetK(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(data_->K)); }
  Napi::Value GetN(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(data_->N)); }
  Napi::Value GetD(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(data_->d)); }

  Napi::Value Gibbs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const HeadsData& H = *data_;
    auto rq = std::make_shared<GibbsRequest>();
    rq->H = data_;
    rq->B = GetInt(env, info[1], "B", 0, kMaxInt32);
    const int64_t Bd = Mul(env, rq->B, H.d, "X");
    Napi::Value xv = info[0];
    const std::string xexp = "Expected Float32Array or Float64Array of length " + std::to_string(Bd) + " for X";
    if (!xv.IsTypedArray()) ThrowType(env, xexp + " but received " + Describe(xv));
    const napi_typedarray_type xt = xv.As<Napi::TypedArray>().TypedArrayType();
    if (xt != napi_float32_array && xt != napi_float64_array)
      ThrowType(env, xexp + " but received " + Describe(xv));
    if (info.Length() < 3 || !info[2].IsObject() || info[2].IsArray() || info[2].IsTypedArray())
      ThrowType(env, "Expected an object for options but received " +
                         (info.Length() < 3 ? std::string("nothing") : Describe(info[2])));
    Napi::Object o = info[2].As<Napi::Object>();
    rq->f32 = GetEnum(env, o, "precision", "float32", "float64") == "float32";
    rq->distance = GetEnum(env, o, "mode", "logit", "distance") == "distance";
    Napi::Value ev = o.Get("eps");
    if (!ev.IsNumber()) ThrowType(env, "Expected a number for options.eps but received " + Describe(ev));
    rq->eps = ev.As<Napi::Number>().DoubleValue();
    if (!(rq->eps >= 0.0) || !std::isfinite(rq->eps))
      ThrowRange(env, "Expected a finite number >= 0 for options.eps but received " + Describe(ev));
    Napi::Value hv = o.Get("heads");
    if (!hv.IsUndefined() && !hv.IsNull()) {
      auto ha = GetArray<int32_t>(env, hv, napi_int32_array, "Int32Array", "options.heads", rq->B);
      rq->heads.assign(ha.Data(), ha.Data() + rq->B);
      for (int64_t q = 0; q < rq->B; ++q) {
        if (rq->heads[q] < 0 || rq->heads[q] >= H.K)
          ThrowRange(env, "Expected head indices in [0, " + std::to_string(H.K - 1) +
                              "] in options.heads but received " + std::to_string(rq->heads[q]) +
                              " at index " + std::to_string(q));
      }
    }
    rq->entropy = GetBool(env, o, "entropy");
    rq->fhat = GetBool(env, o, "fhat");
    rq->grad = GetBool(env, o, "grad");
    rq->hessian = GetBool(env, o, "hessian");
    rq->pi = GetBool(env, o, "pi");
    rq->maxDistance = GetBool(env, o, "maxDistance");
    Napi::Value kv = o.Get("topk");
    rq->topk = (kv.IsUndefined() || kv.IsNull()) ? 0 : GetInt(env, kv, "options.topk", 0, 1 << 24);
    rq->Kp = rq->heads.empty() ? H.K : 1;
    const int64_t rows = Mul(env, rq->B, rq->Kp, "the outputs");
    PoolSizeOrThrow(env);
    const bool cuda = UseCudaOrThrow(env);  // HJNET_DEVICE

    // Copy X (after every option getter ran: a getter could have detached its buffer).
    if (xv.As<Napi::TypedArray>().ArrayBuffer().IsDetached())
      ThrowType(env, xexp + " but received an array whose buffer is detached");
    const int64_t xlen = static_cast<int64_t>(xv.As<Napi::TypedArray>().ElementLength());
    if (xlen != Bd) ThrowRange(env, xexp + " but received length " + std::to_string(xlen));
    rq->X = hwy::AllocateAligned<double>(static_cast<size_t>(std::max<int64_t>(Bd, 1)));
    if (!rq->X) ThrowRange(env, "Cannot allocate the copy of X");
    if (xt == napi_float32_array) {
      const float* src = xv.As<Napi::Float32Array>().Data();
      for (int64_t i = 0; i < Bd; ++i) rq->X[i] = src[i];
    } else {
      const double* src = xv.As<Napi::Float64Array>().Data();
      for (int64_t i = 0; i < Bd; ++i) rq->X[i] = src[i];
    }

    Napi::Object result = Napi::Object::New(env);
    rq->f = NewOut<Napi::Float64Array>(env, result, "f", rows).Data();
    if (rq->distance) rq->u = NewOut<Napi::Float64Array>(env, result, "u", rows).Data();
    rq->argmax = NewOut<Napi::Int32Array>(env, result, "argmax", rows).Data();
    if (rq->entropy) rq->entropyOut = NewOut<Napi::Float64Array>(env, result, "entropy", rows).Data();
    if (rq->fhat) rq->fhatOut = NewOut<Napi::Float64Array>(env, result, "fhat", rows).Data();
    if (rq->grad)
      rq->gradOut = NewOut<Napi::Float64Array>(env, result, "grad", Mul(env, rows, H.d, "grad")).Data();
    if (rq->hessian) rq->hessianOut = NewOut<Napi::Float64Array>(env, result, "hessian", rows).Data();
    if (rq->pi) rq->piOut = NewOut<Napi::Float64Array>(env, result, "pi", Mul(env, rows, H.N, "pi")).Data();
    if (rq->topk > 0) {
      const int64_t n = Mul(env, rows, rq->topk, "topk");
      rq->topkIndex = NewOut<Napi::Int32Array>(env, result, "topkIndex", n).Data();
      rq->topkPi = NewOut<Napi::Float64Array>(env, result, "topkPi", n).Data();
    }
    if (rq->maxDistance)
      rq->maxDistanceOut = NewOut<Napi::Float64Array>(env, result, "maxDistance", rows).Data();

    if (!cuda && InlineWork(*rq)) {
      auto deferred = Napi::Promise::Deferred::New(env);
      try {
        RunGibbs(*rq, false, true);
        deferred.Resolve(result);
      } catch (const std::exception& e) {
        deferred.Reject(Napi::Error::New(env, std::string("hjnet gibbs pass failed: ") + e.what()).Value());
      }
      return deferred.Promise();
    }
    auto* worker = new GibbsWorker(env, info.This().As<Napi::Object>(), std::move(rq), result, cuda);
    Napi::Promise p = worker->Promise();
    worker->Queue();
    return p;
  }

  Napi::Value MaxPairDistance(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int64_t a = GetInt(env, info[0], "headA", 0, data_->K - 1);
    const int64_t b = GetInt(env, info[1], "headB", 0, data_->K - 1);
    PoolSizeOrThrow(env);
    auto* worker = new PairWorker(env, info.This().As<Napi::Object>(), data_, a, b);
    Napi::Promise p = worker->Promise();
    worker->Queue();
    return p;
  }

  std::shared_ptr<HeadsData> data_;
};

Napi::Value SimdTarget(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), SimdTargetName());
}
Napi::Value TileQueriesOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) ThrowType(env, "Expected 'float32' or 'float64' for precision but received " + Describe(info[0]));
  const std::string p = info[0].As<Napi::String>().Utf8Value();
  if (p != "float32" && p != "float64") ThrowRange(env, "Expected 'float32' or 'float64' for precision but received '" + p + "'");
  return Napi::Number::New(env, static_cast<double>(TileQueries(p == "float32")));
}
Napi::Value Threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), PoolSizeOrThrow(info.Env()));
}

// HJNET_SIMD caps the SIMD target the kernels may use (AVX3, AVX2, SSE4, SSSE3, EMU128 or
// SCALAR; a target not compiled in falls back to the next one compiled),
// e.g. to reproduce results of an older machine or to test every code path on one machine.
void CapSimdTarget(Napi::Env env) {
  const char* cap = std::getenv("HJNET_SIMD");
  if (cap == nullptr || *cap == '\0') return;
  const std::string c(cap);
  int64_t target;
  if (c == "AVX3") target = HWY_AVX3;
  else if (c == "AVX2") target = HWY_AVX2;
  else if (c == "SSE4") target = HWY_SSE4;
  else if (c == "SSSE3") target = HWY_SSSE3;
  else if (c == "EMU128") target = HWY_EMU128;
  else if (c == "SCALAR") target = HWY_SCALAR;
  else
    ThrowRange(env, "HJNET_SIMD must be one of AVX3, AVX2, SSE4, SSSE3, EMU128, SCALAR, received '" + c + "'");
  hwy::DisableTargets(target - 1);  // every better target has a smaller bit
}

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  CapSimdTarget(env);
  exports.Set("version", Napi::String::New(env, HJNET_VERSION));
  InitDevice(env, exports);  // backends(), device(), cudaDevice()
  exports.Set("simdTarget", Napi::Function::New(env, SimdTarget, "simdTarget"));
  exports.Set("tileQueries", Napi::Function::New(env, TileQueriesOf, "tileQueries"));
  exports.Set("threads", Napi::Function::New(env, Threads, "threads"));
  exports.Set("Heads", Heads::Init(env));
  InitRoofline(env, exports);
  InitTraining(env, exports);
  return exports;
}

}  // namespace
}  // namespace hjnet

static Napi::Object HjnetInit(Napi::Env env, Napi::Object exports) {
  return hjnet::InitModule(env, exports);
}

NODE_API_MODULE(hjnet, HjnetInit)
