// N-API bindings of the training engine: argument reading, copies, async workers. No math
// here. Arguments are validated in TypeScript (src/engine/training); the checks below only
// keep a wrong call from reading out of bounds.
#include "train/binding.h"

#include <atomic>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "cuda/binding.h"
#include "train/geometry.h"
#include "train/team.h"
#include "train/trainer.h"

namespace hjnet {
namespace {

using train::Layer;

[[noreturn]] void Fail(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }

double Num(Napi::Env env, const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) Fail(env, std::string("hjnet training: expected a number for ") + name);
  return v.As<Napi::Number>().DoubleValue();
}

double NumOr(Napi::Env env, const Napi::Object& o, const char* name, double fallback) {
  return o.Get(name).IsUndefined() ? fallback : Num(env, o, name);
}

int64_t Int(Napi::Env env, const Napi::Object& o, const char* name, int64_t lo, int64_t hi) {
  const double x = Num(env, o, name);
  if (!(x >= static_cast<double>(lo) && x <= static_cast<double>(hi)) || std::floor(x) != x)
    Fail(env, std::string("hjnet training: expected an integer in range for ") + name);
  return static_cast<int64_t>(x);
}

std::string Str(Napi::Env env, const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsString()) Fail(env, std::string("hjnet training: expected a string for ") + name);
  return v.As<Napi::String>().Utf8Value();
}

template <typename U>
std::vector<U> Copy(Napi::Env env, const Napi::Value& v, size_t length, const char* name) {
  if (!v.IsTypedArray()) Fail(env, std::string("hjnet training: expected a typed array for ") + name);
  auto arr = v.As<Napi::TypedArrayOf<U>>();
  if (arr.ElementLength() != length)
    Fail(env, std::string("hjnet training: ") + name + " has length " + std::to_string(arr.ElementLength()) +
                  ", expected " + std::to_string(length));
  return std::vector<U>(arr.Data(), arr.Data() + length);
}

template <typename U>
void CheckKind(Napi::Env env, const Napi::Value& v, napi_typedarray_type type, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    Fail(env, std::string("hjnet training: wrong typed array kind for ") + name);
}

std::vector<double> CopyF64(Napi::Env env, const Napi::Value& v, size_t length, const char* name) {
  CheckKind<double>(env, v, napi_float64_array, name);
  return Copy<double>(env, v, length, name);
}

std::vector<int32_t> CopyLabels(Napi::Env env, const Napi::Value& v, size_t length, int K, const char* name) {
  CheckKind<int32_t>(env, v, napi_int32_array, name);
  auto labels = Copy<int32_t>(env, v, length, name);
  for (int32_t l : labels)
    if (l < 0 || l >= K) Fail(env, std::string("hjnet training: label out of range in ") + name);
  return labels;
}

Layer ReadLayer(Napi::Env env, const Napi::Value& v) {
  if (!v.IsObject()) Fail(env, "hjnet training: expected a layer object");
  Napi::Object o = v.As<Napi::Object>();
  Layer L;
  L.K = static_cast<int>(Int(env, o, "K", 1, 1 << 20));
  L.N = static_cast<int>(Int(env, o, "N", 1, 1 << 24));
  L.d = static_cast<int>(Int(env, o, "d", 1, 1 << 24));
  L.t = Num(env, o, "t");
  L.eps = Num(env, o, "eps");
  if (!(L.t > 0 && std::isfinite(L.t)) || !(L.eps >= 0 && std::isfinite(L.eps)))
    Fail(env, "hjnet training: expected t > 0 and eps >= 0, both finite");
  const std::string param = Str(env, o, "parametrization");
  if (param != "support" && param != "weights") Fail(env, "hjnet training: parametrization");
  L.param = param == "support" ? train::Parametrization::kSupport : train::Parametrization::kWeights;
  const std::string loss = Str(env, o, "loss");
  if (loss != "squared" && loss != "cross-entropy") Fail(env, "hjnet training: loss");
  L.loss = loss == "squared" ? train::Loss::kSquared : train::Loss::kCrossEntropy;
  return L;
}

bool ReadFloat32(Napi::Env env, const Napi::Object& o) {
  Napi::Value v = o.Get("precision");
  if (v.IsUndefined()) return false;
  if (!v.IsString()) Fail(env, "hjnet training: precision");
  const std::string p = v.As<Napi::String>().Utf8Value();
  if (p != "float32" && p != "float64") Fail(env, "hjnet training: precision");
  return p == "float32";
}

int ReadThreads(Napi::Env env, const Napi::Object& o) {
  return o.Get("threads").IsUndefined() ? train::TeamSize() : static_cast<int>(Int(env, o, "threads", 1, 1024));
}

/** Rows and their targets (squared loss) or labels (cross-entropy), owned. */
struct OwnedRows {
  std::vector<double> X, targets;
  std::vector<int32_t> labels;
  size_t n = 0;
};

OwnedRows ReadRows(Napi::Env env, const Napi::Object& o, const Layer& L, const char* xname, const char* nname,
                   const char* yname) {
  OwnedRows r;
  r.n = static_cast<size_t>(Int(env, o, nname, 0, int64_t{1} << 40));
  r.X = CopyF64(env, o.Get(xname), r.n * L.d, xname);
  if (L.loss == train::Loss::kSquared) {
    r.targets = CopyF64(env, o.Get(yname), r.n * L.K, yname);
  } else {
    r.labels = CopyLabels(env, o.Get(yname), r.n, L.K, yname);
  }
  return r;
}

Napi::Float64Array ToArray(Napi::Env env, const std::vector<double>& v) {
  auto a = Napi::Float64Array::New(env, v.size());
  std::copy(v.begin(), v.end(), a.Data());
  return a;
}

// ---- trainHopfCole(config, onProgress) -> {promise, cancel} --------------------------------

class TrainWorker : public Napi::AsyncProgressWorker<train::Progress> {
 public:
  TrainWorker(Napi::Env env, Napi::Function on_progress, train::TrainConfig config, OwnedRows rows, OwnedRows val,
              std::vector<double> theta, std::shared_ptr<std::atomic<bool>> cancel)
      : Napi::AsyncProgressWorker<train::Progress>(env, "hjnet:train"),
        deferred_(Napi::Promise::Deferred::New(env)),
        config_(std::move(config)),
        rows_(std::move(rows)),
        val_(std::move(val)),
        theta_(std::move(theta)),
        cancel_(std::move(cancel)) {
    if (!on_progress.IsEmpty()) on_progress_ = Napi::Persistent(on_progress);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute(const ExecutionProgress& progress) override {
    train::TrainData data;
    data.X = rows_.X.data();
    data.n = rows_.n;
    data.targets = rows_.targets.empty() ? nullptr : rows_.targets.data();
    data.labels = rows_.labels.empty() ? nullptr : rows_.labels.data();
    data.Xval = val_.X.data();
    data.nval = val_.n;
    data.targets_val = val_.targets.empty() ? nullptr : val_.targets.data();
    data.labels_val = val_.labels.empty() ? nullptr : val_.labels.data();
    try {
      outcome_ = train::Train(config_, data, std::move(theta_), *cancel_,
                              [&](const train::Progress& p) { progress.Send(&p, 1); });
    } catch (const train::Cancelled& e) {
      code_ = "HJNET_CANCELLED";
      SetError(e.what());
    } catch (const train::NonFiniteLoss& e) {
      code_ = "HJNET_NON_FINITE_LOSS";
      SetError(e.what());
    } catch (const std::exception& e) {
      code_ = "HJNET_TRAINING_FAILED";
      SetError(e.what());
    }
  }

  void OnProgress(const train::Progress* p, size_t count) override {
    if (on_progress_.IsEmpty() || count == 0) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    const train::Progress& last = p[count - 1];
    Napi::Object o = Napi::Object::New(env);
    o.Set("step", last.step);
    o.Set("steps", last.steps);
    o.Set("loss", last.loss);
    o.Set("val_metric", last.val_metric);
    on_progress_.Call({o});
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object r = Napi::Object::New(env);
    r.Set("theta", ToArray(env, outcome_.theta));
    const size_t h = outcome_.history.size();
    auto step = Napi::Int32Array::New(env, h);
    auto loss = Napi::Float64Array::New(env, h);
    auto val = Napi::Float64Array::New(env, h);
    for (size_t i = 0; i < h; i++) {
      step[i] = outcome_.history[i].step;
      loss[i] = outcome_.history[i].loss;
      val[i] = outcome_.history[i].val_metric;
    }
    Napi::Object hist = Napi::Object::New(env);
    hist.Set("step", step);
    hist.Set("loss", loss);
    hist.Set("val_metric", val);
    r.Set("history", hist);
    r.Set("stepsRun", outcome_.steps_run);
    r.Set("bestStep", outcome_.best_step);
    r.Set("stoppedEarly", outcome_.stopped_early);
    r.Set("device", outcome_.device);
    deferred_.Resolve(r);
  }

  void OnError(const Napi::Error& e) override {
    e.Set("code", Napi::String::New(Env(), code_));
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::FunctionReference on_progress_;
  train::TrainConfig config_;
  OwnedRows rows_, val_;
  std::vector<double> theta_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  train::TrainOutcome outcome_;
  std::string code_;
};

Napi::Value TrainHopfCole(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) Fail(env, "hjnet training: expected a config object");
  Napi::Object o = info[0].As<Napi::Object>();
  train::TrainConfig c;
  c.layer = ReadLayer(env, o.Get("layer"));
  const Layer& L = c.layer;
  c.float32 = ReadFloat32(env, o);
  c.threads = ReadThreads(env, o);
  if (const device::Choice choice = ChooseDeviceOrThrow(env); choice.cuda) c.device = choice.name;  // HJNET_DEVICE
  c.adam_steps = static_cast<int>(Int(env, o, "adamSteps", 0, 1 << 30));
  c.lbfgs_steps = static_cast<int>(Int(env, o, "lbfgsSteps", 0, 1 << 30));
  c.adam.lr = NumOr(env, o, "lr", c.adam.lr);
  c.adam.beta1 = NumOr(env, o, "beta1", c.adam.beta1);
  c.adam.beta2 = NumOr(env, o, "beta2", c.adam.beta2);
  c.adam.eps = NumOr(env, o, "adamEps", c.adam.eps);
  c.lbfgs.memory = static_cast<int>(o.Get("lbfgsMemory").IsUndefined() ? c.lbfgs.memory
                                                                         : Int(env, o, "lbfgsMemory", 1, 1000));
  c.batch_size = static_cast<size_t>(Int(env, o, "batchSize", 0, int64_t{1} << 40));
  c.seed = static_cast<uint64_t>(Int(env, o, "seed", 0, (int64_t{1} << 53) - 1));
  c.eval_every = static_cast<int>(Int(env, o, "evalEvery", 1, 1 << 30));
  c.patience = static_cast<int>(Int(env, o, "patience", 0, 1 << 30));
  c.progress_interval_s = NumOr(env, o, "progressIntervalMs", 100) / 1000;
  const bool train_points = o.Get("trainPoints").IsUndefined() || o.Get("trainPoints").ToBoolean().Value();
  c.trainable_begin = train_points ? 0 : L.PointsSize();
  c.trainable_end = L.ParamsSize();
  OwnedRows rows = ReadRows(env, o, L, "X", "n", "y");
  if (rows.n == 0) Fail(env, "hjnet training: no training rows");
  OwnedRows val = ReadRows(env, o, L, "Xval", "nval", "yval");
  std::vector<double> theta = CopyF64(env, o.Get("theta"), L.ParamsSize(), "theta");
  Napi::Function on_progress;
  if (info.Length() > 1 && info[1].IsFunction()) on_progress = info[1].As<Napi::Function>();

  auto cancel = std::make_shared<std::atomic<bool>>(false);
  auto* worker = new TrainWorker(env, on_progress, std::move(c), std::move(rows), std::move(val), std::move(theta),
                                 cancel);
  Napi::Object job = Napi::Object::New(env);
  job.Set("promise", worker->Promise());
  job.Set("cancel", Napi::Function::New(env, [cancel](const Napi::CallbackInfo&) { cancel->store(true); }, "cancel"));
  worker->Queue();
  return job;
}

// ---- predictHopfCole({layer, theta, X, n, precision?, threads?}) -> Promise<Float64Array> --

class PredictWorker : public Napi::AsyncWorker {
 public:
  PredictWorker(Napi::Env env, Layer layer, bool f32, int threads, std::vector<double> theta, std::vector<double> X,
                size_t n)
      : Napi::AsyncWorker(env, "hjnet:predict"),
        deferred_(Napi::Promise::Deferred::New(env)),
        layer_(layer), f32_(f32), threads_(threads), theta_(std::move(theta)), X_(std::move(X)), n_(n) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      u_ = train::Predict(layer_, f32_, threads_, theta_.data(), X_.data(), n_);
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(ToArray(Env(), u_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Layer layer_;
  bool f32_;
  int threads_;
  std::vector<double> theta_, X_, u_;
  size_t n_;
};

Napi::Value PredictHopfCole(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) Fail(env, "hjnet training: expected an object");
  Napi::Object o = info[0].As<Napi::Object>();
  const Layer L = ReadLayer(env, o.Get("layer"));
  const size_t n = static_cast<size_t>(Int(env, o, "n", 0, int64_t{1} << 40));
  auto* w = new PredictWorker(env, L, ReadFloat32(env, o), ReadThreads(env, o),
                              CopyF64(env, o.Get("theta"), L.ParamsSize(), "theta"),
                              CopyF64(env, o.Get("X"), n * L.d, "X"), n);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// ---- lossGradHopfCole({layer, theta, X, n, y, precision?, threads?}) -> {loss, grad} (sync) --

Napi::Value LossGradHopfCole(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) Fail(env, "hjnet training: expected an object");
  Napi::Object o = info[0].As<Napi::Object>();
  const Layer L = ReadLayer(env, o.Get("layer"));
  OwnedRows rows = ReadRows(env, o, L, "X", "n", "y");
  if (rows.n == 0) Fail(env, "hjnet training: no rows");
  const std::vector<double> theta = CopyF64(env, o.Get("theta"), L.ParamsSize(), "theta");
  std::vector<double> grad(L.ParamsSize());
  const double loss = train::LossAndGradient(L, ReadFloat32(env, o), ReadThreads(env, o), theta.data(),
                                             rows.X.data(), rows.n,
                                             rows.targets.empty() ? nullptr : rows.targets.data(),
                                             rows.labels.empty() ? nullptr : rows.labels.data(), grad.data());
  Napi::Object r = Napi::Object::New(env);
  r.Set("loss", loss);
  r.Set("grad", ToArray(env, grad));
  return r;
}

// ---- kmeansPlusPlus(X, n, d, N, seed) and nearestNeighbours(P, m, d) -----------------------

class GeometryWorker : public Napi::AsyncWorker {
 public:
  GeometryWorker(Napi::Env env, std::vector<double> X, size_t n, int d, size_t N, uint64_t seed, int lloyd,
                 bool kmeans)
      : Napi::AsyncWorker(env, "hjnet:geometry"),
        deferred_(Napi::Promise::Deferred::New(env)),
        X_(std::move(X)), n_(n), d_(d), N_(N), seed_(seed), lloyd_(lloyd), kmeans_(kmeans) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    if (kmeans_) {
      auto chosen = train::KMeansPlusPlus(X_.data(), n_, d_, N_, seed_, lloyd_);
      index_.assign(chosen.begin(), chosen.end());
    } else {
      index_.resize(n_);
      distance_.resize(n_);
      train::NearestNeighbours(X_.data(), n_, d_, index_.data(), distance_.data());
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    auto index = Napi::Int32Array::New(env, index_.size());
    std::copy(index_.begin(), index_.end(), index.Data());
    if (kmeans_) {
      deferred_.Resolve(index);
      return;
    }
    Napi::Object r = Napi::Object::New(env);
    r.Set("index", index);
    r.Set("distance", ToArray(env, distance_));
    deferred_.Resolve(r);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<double> X_;
  size_t n_;
  int d_;
  size_t N_;
  uint64_t seed_;
  int lloyd_;
  bool kmeans_;
  std::vector<int32_t> index_;
  std::vector<double> distance_;
};

int64_t IntArg(Napi::Env env, const Napi::Value& v, const char* name, int64_t lo, int64_t hi) {
  if (!v.IsNumber()) Fail(env, std::string("hjnet training: expected a number for ") + name);
  const double x = v.As<Napi::Number>().DoubleValue();
  if (!(x >= static_cast<double>(lo) && x <= static_cast<double>(hi)) || std::floor(x) != x)
    Fail(env, std::string("hjnet training: expected an integer in range for ") + name);
  return static_cast<int64_t>(x);
}

Napi::Value KMeansPlusPlus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const size_t n = static_cast<size_t>(IntArg(env, info[1], "n", 1, int64_t{1} << 40));
  const int d = static_cast<int>(IntArg(env, info[2], "d", 1, 1 << 24));
  const size_t N = static_cast<size_t>(IntArg(env, info[3], "N", 1, static_cast<int64_t>(n)));
  const uint64_t seed = static_cast<uint64_t>(IntArg(env, info[4], "seed", 0, (int64_t{1} << 53) - 1));
  const int lloyd = info[5].IsUndefined() ? 0 : static_cast<int>(IntArg(env, info[5], "lloydIterations", 0, 1000));
  auto* w = new GeometryWorker(env, CopyF64(env, info[0], n * d, "X"), n, d, N, seed, lloyd, true);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value NearestNeighboursJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const size_t m = static_cast<size_t>(IntArg(env, info[1], "m", 2, int64_t{1} << 40));
  const int d = static_cast<int>(IntArg(env, info[2], "d", 1, 1 << 24));
  auto* w = new GeometryWorker(env, CopyF64(env, info[0], m * d, "P"), m, d, 0, 0, 0, false);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace

void InitTraining(Napi::Env env, Napi::Object exports) {
  exports.Set("trainHopfCole", Napi::Function::New(env, TrainHopfCole, "trainHopfCole"));
  exports.Set("predictHopfCole", Napi::Function::New(env, PredictHopfCole, "predictHopfCole"));
  exports.Set("lossGradHopfCole", Napi::Function::New(env, LossGradHopfCole, "lossGradHopfCole"));
  exports.Set("kmeansPlusPlus", Napi::Function::New(env, KMeansPlusPlus, "kmeansPlusPlus"));
  exports.Set("nearestNeighbours", Napi::Function::New(env, NearestNeighboursJs, "nearestNeighbours"));
}

}  // namespace hjnet
