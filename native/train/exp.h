// exp for arguments x <= 0 (after the max shift of a softmax), written so that the compiler
// vectorises it inside the training kernels: glibc's exp is scalar without -ffast-math, and
// -ffast-math would break the inf/NaN handling the rest of the addon relies on.
// Cody–Waite reduction x = k ln2 + r, |r| <= ln2/2, a Taylor polynomial for e^r and 2^k
// built in the exponent bits. Relative error ~2 ulp; arguments below the smallest normal
// result give 0 (their weight is under 1e-307 of the largest term). NaN gives NaN.
#pragma once

#include <cstdint>
#include <cstring>

namespace hjnet::train {

inline double ExpNonPositive(double x) {
  const bool underflow = x < -708.0;
  const double xc = underflow ? -708.0 : x;
  // Rounding by the 1.5 * 2^52 trick: the low bits of `shifted` hold k = round(x / ln2).
  const double shifted = xc * 1.4426950408889634 + 6755399441055744.0;
  const double k = shifted - 6755399441055744.0;
  const double r = (xc - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10;
  double p = 1.0 / 6227020800.0;  // 1/13!
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  int64_t bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  bits = (bits + 1023) << 52;  // k >= -1021 here, so 2^k is normal
  double scale;
  std::memcpy(&scale, &bits, sizeof scale);
  const double e = p * scale;
  return underflow ? 0.0 : e;
}

inline float ExpNonPositive(float x) {
  const bool underflow = x < -87.0f;
  const float xc = underflow ? -87.0f : x;
  const float shifted = xc * 1.44269504f + 12582912.0f;
  const float k = shifted - 12582912.0f;
  const float r = (xc - k * 0.693145752f) - k * 1.42860677e-06f;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  bits = (bits + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  const float e = p * scale;
  return underflow ? 0.0f : e;
}

}  // namespace hjnet::train
