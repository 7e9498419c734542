#include "train/hopf_cole_pass.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "train/exp.h"
#include "train/target.h"

// Vectors of 512 bits are passed between inlined helpers only; the ABI note does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace hjnet::train {

namespace {

// Rows per register block of the forward product: each weight loaded serves kRows
// multiply-adds.
constexpr int kRows = 8;
// Rows per chunk: the backward product reads and writes the gradient accumulators once per
// chunk, so a longer chunk means less traffic; the chunk's logits stay in L2.
constexpr int kChunk = 64;
// Partial sums per reduction, so that sums and maxima vectorise without -ffast-math.
constexpr int kLanes = 8;
// Neurons are padded to a multiple of kPad (zero weights, ignored outputs) for AffineBlock.
constexpr int kPad = 16;

template <typename T>
struct ShareArgs {
  const Layer* layer;
  int Np;         // N padded to a multiple of kPad
  int dp;         // d padded to a whole number of vectors
  const T* wt;    // [K][d][Np]
  const T* bias;  // [K][Np]
  const Rows<T>* rows;
  const uint32_t* index;
  size_t begin, end, count;
  T* xb;          // [kChunk][dp]
  T* z;           // [K][kChunk][Np]: logits, then Gibbs weights, then dL/du * pi
  double* u;      // [kChunk][K]
  double* dldu;   // [kChunk][K]
  double* xsq;    // [kChunk] |x|^2/(4t)
  size_t* rowid;  // [kChunk]
  T* cs;          // [K][Np]: sum over rows of dL/du * pi_j (= dL/dg_j)
  T* cx;          // [K][Np][dp]: sum over rows of dL/du * pi_j * x
  double* u_out;  // Predict: [count][K]
  double loss;
};

// One 512-bit vector (GCC/Clang vector extension: two 256-bit halves on AVX2, four SSE
// registers on the baseline clone).
template <typename T>
struct VecOf;
template <>
struct VecOf<double> {
  typedef double type __attribute__((vector_size(64)));
};
template <>
struct VecOf<float> {
  typedef float type __attribute__((vector_size(64)));
};
template <typename T>
using Vec = typename VecOf<T>::type;
static_assert(sizeof(Vec<double>) == 64 && sizeof(Vec<float>) == 64, "one 512-bit vector");

template <typename T>
inline Vec<T> Load(const T* p) {
  Vec<T> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <typename T>
inline void Store(T* p, const Vec<T>& v) {
  std::memcpy(p, &v, sizeof v);
}

/** z[r][j] = bias[j] + sum_k xb[r][k] wt[k][j] for a block of kRows rows and Np columns
 * (Np a multiple of kPad): a kRows x (one vector) tile of accumulators stays in registers. */
template <typename T>
inline void AffineBlock(const T* __restrict xb, int d, int dp, const T* __restrict wt, const T* __restrict bias,
                        int Np, T* __restrict z) {
  constexpr int kCols = 64 / sizeof(T);
  for (int j0 = 0; j0 < Np; j0 += kCols) {
    const Vec<T> b = Load(bias + j0);
    Vec<T> acc[kRows];
    for (int r = 0; r < kRows; r++) acc[r] = b;
    for (int k = 0; k < d; k++) {
      const Vec<T> w = Load(wt + static_cast<size_t>(k) * Np + j0);
      for (int r = 0; r < kRows; r++) acc[r] += xb[r * dp + k] * w;
    }
    for (int r = 0; r < kRows; r++) Store(z + static_cast<size_t>(r) * Np + j0, acc[r]);
  }
}

/** Replaces the logits z[0..N) by their Gibbs weights softmax(z/eps); returns f = eps LSE(z/eps). */
template <typename T>
inline T GibbsRow(T* __restrict z, int N, T eps) {
  if (eps == 0) {
    int arg = 0;
    for (int j = 1; j < N; j++)
      if (z[j] > z[arg]) arg = j;
    const T m = z[arg];
    std::fill(z, z + N, T(0));
    z[arg] = 1;
    return m;
  }
  T lanes[kLanes];
  std::fill(lanes, lanes + kLanes, z[0]);
  int j = 0;
  for (; j + kLanes <= N; j += kLanes)
    for (int l = 0; l < kLanes; l++) lanes[l] = z[j + l] > lanes[l] ? z[j + l] : lanes[l];
  T m = lanes[0];
  for (int l = 1; l < kLanes; l++) m = lanes[l] > m ? lanes[l] : m;
  for (; j < N; j++) m = z[j] > m ? z[j] : m;

  const T inv = T(1) / eps;
  if (std::isfinite(inv)) {
    for (j = 0; j < N; j++) z[j] = ExpNonPositive((z[j] - m) * inv);
  } else {  // eps so small that 1/eps overflows: 0 * inf would be NaN
    for (j = 0; j < N; j++) z[j] = ExpNonPositive((z[j] - m) / eps);
  }
  std::fill(lanes, lanes + kLanes, T(0));
  for (j = 0; j + kLanes <= N; j += kLanes)
    for (int l = 0; l < kLanes; l++) lanes[l] += z[j + l];
  T S = 0;
  for (int l = 0; l < kLanes; l++) S += lanes[l];
  for (; j < N; j++) S += z[j];
  const T invS = T(1) / S;
  for (j = 0; j < N; j++) z[j] *= invS;
  return m + eps * std::log(S);
}

/**
 * The backward product for one chunk of rows: cs[j] += sum_r c[r][j] and
 * cx[j][:] += sum_r c[r][j] xb[r][:], c [rows][Np], xb [rows][dp], cx [Np][dp]. A tile of
 * kTileJ neurons x one vector of coordinates accumulates in registers over all rows.
 */
template <typename T>
inline void BackwardChunk(const T* __restrict c, const T* __restrict xb, int rows, int Np, int dp,
                          T* __restrict cs, T* __restrict cx) {
  constexpr int kV = 64 / sizeof(T);
  constexpr int kTileJ = 8;
  for (int j0 = 0; j0 < Np; j0 += kV) {
    Vec<T> acc = Load(cs + j0);
    for (int r = 0; r < rows; r++) acc += Load(c + static_cast<size_t>(r) * Np + j0);
    Store(cs + j0, acc);
  }
  for (int j0 = 0; j0 < Np; j0 += kTileJ) {
    for (int k0 = 0; k0 < dp; k0 += kV) {
      Vec<T> acc[kTileJ];
      for (int i = 0; i < kTileJ; i++) acc[i] = Load(cx + static_cast<size_t>(j0 + i) * dp + k0);
      for (int r = 0; r < rows; r++) {
        const Vec<T> x = Load(xb + static_cast<size_t>(r) * dp + k0);
        const T* cr = c + static_cast<size_t>(r) * Np + j0;
        for (int i = 0; i < kTileJ; i++) acc[i] += cr[i] * x;
      }
      for (int i = 0; i < kTileJ; i++) Store(cx + static_cast<size_t>(j0 + i) * dp + k0, acc[i]);
    }
  }
}

/** Loss of one row and dL/du for its K heads (dL/du already multiplied by `scale`). */
inline double RowLoss(const Layer& L, const double* u, const double* target, int32_t label, double scale,
                      double* dldu) {
  const int K = L.K;
  double loss = 0;
  if (L.loss == Loss::kSquared) {
    for (int k = 0; k < K; k++) {
      const double res = u[k] - target[k];
      loss += res * res;
      dldu[k] = 2 * res * scale;
    }
    return loss;
  }
  // Cross-entropy on the scores -u_k: -log softmax(-u)_label.
  double m = -u[0];
  for (int k = 1; k < K; k++) m = std::max(m, -u[k]);
  double S = 0;
  for (int k = 0; k < K; k++) S += std::exp(-u[k] - m);
  const double lse = m + std::log(S);
  for (int k = 0; k < K; k++) {
    const double p = std::exp(-u[k] - lse);
    dldu[k] = ((k == label ? 1.0 : 0.0) - p) * scale;
  }
  return lse + u[label];
}

template <typename T, bool kBackward>
inline void ShareImpl(ShareArgs<T>& a) {
  FlushDenormals flush;
  const Layer& L = *a.layer;
  const int K = L.K, N = L.N, d = L.d, Np = a.Np, dp = a.dp;
  const T eps = static_cast<T>(L.eps);
  const double inv4t = 1 / (4 * L.t);
  const double scale = L.loss == Loss::kSquared ? 1.0 / (static_cast<double>(a.count) * K) : 1.0 / a.count;
  const size_t knp = static_cast<size_t>(K) * Np;
  if (kBackward) {
    std::fill(a.cs, a.cs + knp, T(0));
    std::fill(a.cx, a.cx + knp * dp, T(0));
  }
  double loss = 0;
  for (size_t r0 = a.begin; r0 < a.end; r0 += kChunk) {
    const int live = static_cast<int>(std::min<size_t>(kChunk, a.end - r0));
    const int rows = (live + kRows - 1) / kRows * kRows;  // padded with zero rows
    for (int r = 0; r < rows; r++) {
      T* dst = a.xb + static_cast<size_t>(r) * dp;
      std::fill(dst, dst + dp, T(0));
      if (r >= live) continue;
      const size_t row = a.index ? a.index[r0 + r] : r0 + r;
      a.rowid[r] = row;
      const T* src = a.rows->X + row * d;
      double s = 0;
      for (int k = 0; k < d; k++) {
        dst[k] = src[k];
        s += static_cast<double>(src[k]) * src[k];
      }
      a.xsq[r] = s * inv4t;
    }
    for (int k = 0; k < K; k++) {
      T* zk = a.z + static_cast<size_t>(k) * kChunk * Np;
      const T* wt = a.wt + static_cast<size_t>(k) * d * Np;
      const T* bias = a.bias + static_cast<size_t>(k) * Np;
      for (int rb = 0; rb < rows; rb += kRows)
        AffineBlock(a.xb + static_cast<size_t>(rb) * dp, d, dp, wt, bias, Np, zk + static_cast<size_t>(rb) * Np);
      for (int r = 0; r < live; r++) a.u[r * K + k] = a.xsq[r] - GibbsRow(zk + static_cast<size_t>(r) * Np, N, eps);
    }
    if (!kBackward) {
      std::memcpy(a.u_out + r0 * K, a.u, sizeof(double) * live * K);
      continue;
    }
    for (int r = 0; r < live; r++) {
      const size_t row = a.rowid[r];
      const double* target = a.rows->targets ? a.rows->targets + row * K : nullptr;
      const int32_t label = a.rows->labels ? a.rows->labels[row] : 0;
      loss += RowLoss(L, a.u + r * K, target, label, scale, a.dldu + r * K);
    }
    for (int k = 0; k < K; k++) {
      T* zk = a.z + static_cast<size_t>(k) * kChunk * Np;
      for (int r = 0; r < rows; r++) {
        T* zr = zk + static_cast<size_t>(r) * Np;
        const T c = r < live ? static_cast<T>(a.dldu[r * K + k]) : T(0);
        // Padded rows and columns must be exact zeros (their logits may be anything).
        for (int j = 0; j < Np; j++) zr[j] = j < N ? zr[j] * c : T(0);
        if (r >= live) std::fill(zr, zr + Np, T(0));
      }
      BackwardChunk(zk, a.xb, rows, Np, dp, a.cs + static_cast<size_t>(k) * Np, a.cx + static_cast<size_t>(k) * Np * dp);
    }
  }
  a.loss = loss;
}

// The compiled entry points, one per precision and direction, each in several ISA versions.
HJNET_TRAIN_CLONES void ShareBackward64(ShareArgs<double>& a) { ShareImpl<double, true>(a); }
HJNET_TRAIN_CLONES void ShareForward64(ShareArgs<double>& a) { ShareImpl<double, false>(a); }
HJNET_TRAIN_CLONES void ShareBackward32(ShareArgs<float>& a) { ShareImpl<float, true>(a); }
HJNET_TRAIN_CLONES void ShareForward32(ShareArgs<float>& a) { ShareImpl<float, false>(a); }

void RunShare(ShareArgs<double>& a, bool backward) { backward ? ShareBackward64(a) : ShareForward64(a); }
void RunShare(ShareArgs<float>& a, bool backward) { backward ? ShareBackward32(a) : ShareForward32(a); }

}  // namespace

template <typename T>
struct HopfColePass<T>::Workspace {
  std::vector<T> xb, z, cs, cx;
  std::vector<double> u, dldu, xsq;
  std::vector<size_t> rowid;
  double loss = 0;
};

template <typename T>
HopfColePass<T>::HopfColePass(const Layer& layer, int team_size) : layer_(layer), members_(team_size) {
  const size_t K = layer.K, N = layer.N, d = layer.d;
  constexpr size_t kV = 64 / sizeof(T);
  Np_ = static_cast<int>((N + kPad - 1) / kPad * kPad);
  dp_ = static_cast<int>((d + kV - 1) / kV * kV);
  wt_.assign(K * d * Np_, T(0));
  bias_.assign(K * Np_, T(0));
  for (int m = 0; m < members_; m++) {
    auto w = std::make_unique<Workspace>();
    w->xb.resize(kChunk * dp_);
    w->z.resize(K * kChunk * Np_);
    w->u.resize(kChunk * K);
    w->dldu.resize(kChunk * K);
    w->xsq.resize(kChunk);
    w->rowid.resize(kChunk);
    w->cs.resize(K * Np_);
    w->cx.resize(K * Np_ * dp_);
    work_.push_back(std::move(w));
  }
}

template <typename T>
HopfColePass<T>::~HopfColePass() = default;

template <typename T>
void HopfColePass<T>::SetParams(const double* theta) {
  theta_ = theta;
  const int K = layer_.K, N = layer_.N, d = layer_.d;
  const double* points = theta;
  const double* values = theta + layer_.PointsSize();
  const bool support = layer_.param == Parametrization::kSupport;
  const double inv2t = 1 / (2 * layer_.t), inv4t = 1 / (4 * layer_.t);
  for (int k = 0; k < K; k++) {
    for (int j = 0; j < N; j++) {
      const double* p = points + (static_cast<size_t>(k) * N + j) * d;
      double sq = 0;
      for (int c = 0; c < d; c++) {
        wt_[(static_cast<size_t>(k) * d + c) * Np_ + j] = static_cast<T>(support ? p[c] * inv2t : p[c]);
        sq += p[c] * p[c];
      }
      const double v = values[static_cast<size_t>(k) * N + j];
      bias_[static_cast<size_t>(k) * Np_ + j] = static_cast<T>(support ? -v - sq * inv4t : v);
    }
  }
}

template <typename T>
template <bool kBackward>
void HopfColePass<T>::Share(int member, const Rows<T>& rows, const uint32_t* index, size_t count, double* u_out) {
  Workspace& w = *work_[member];
  ShareArgs<T> a{};
  a.layer = &layer_;
  a.Np = Np_;
  a.dp = dp_;
  a.wt = wt_.data();
  a.bias = bias_.data();
  a.rows = &rows;
  a.index = index;
  a.count = count;
  a.begin = count * member / members_;
  a.end = count * (member + 1) / members_;
  a.xb = w.xb.data();
  a.z = w.z.data();
  a.u = w.u.data();
  a.dldu = w.dldu.data();
  a.xsq = w.xsq.data();
  a.rowid = w.rowid.data();
  a.cs = w.cs.data();
  a.cx = w.cx.data();
  a.u_out = u_out;
  RunShare(a, kBackward);
  w.loss = a.loss;
}

template <typename T>
double HopfColePass<T>::LossGrad(Team& team, const Rows<T>& rows, const uint32_t* index, size_t count,
                                 double* grad) {
  team.Run([&](int m) { Share<true>(m, rows, index, count, nullptr); });
  const int K = layer_.K, N = layer_.N, d = layer_.d;
  double sum = 0;
  for (auto& w : work_) sum += w->loss;
  const double loss = layer_.loss == Loss::kSquared ? sum / (static_cast<double>(count) * K) : sum / count;
  if (!grad) return loss;
  const size_t kn = static_cast<size_t>(K) * N;
  double* gpoints = grad;
  double* gvalues = grad + layer_.PointsSize();
  // Fixed member order: the sum is the same for the same team size.
  std::fill(grad, grad + layer_.ParamsSize(), 0.0);
  for (auto& w : work_) {
    for (int k = 0; k < K; k++)
      for (int j = 0; j < N; j++) {
        const size_t i = static_cast<size_t>(k) * N + j, ip = static_cast<size_t>(k) * Np_ + j;
        gvalues[i] += w->cs[ip];
        for (int c = 0; c < d; c++) gpoints[i * d + c] += w->cx[ip * dp_ + c];
      }
  }
  if (layer_.param == Parametrization::kSupport) {
    // dL/dy_j = (cs_j y_j - cx_j)/(2t), dL/dg_j = cs_j.
    const double inv2t = 1 / (2 * layer_.t);
    for (size_t i = 0; i < kn; i++)
      for (int c = 0; c < d; c++) {
        double& gp = gpoints[i * d + c];
        gp = (gvalues[i] * theta_[i * d + c] - gp) * inv2t;
      }
  } else {
    // dL/dW_j = -cx_j, dL/db_j = -cs_j.
    for (size_t i = 0; i < layer_.ParamsSize(); i++) grad[i] = -grad[i];
  }
  return loss;
}

template <typename T>
void HopfColePass<T>::Predict(Team& team, const Rows<T>& rows, const uint32_t* index, size_t count, double* u) {
  team.Run([&](int m) { Share<false>(m, rows, index, count, u); });
}

template class HopfColePass<double>;
template class HopfColePass<float>;

}  // namespace hjnet::train
