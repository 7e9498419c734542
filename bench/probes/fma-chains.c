/* float32 FMA throughput of one thread with 512-bit vectors: 12 independent accumulator chains
 * held in registers (12 > latency x ports on current x86, so issue width, not latency, bounds
 * it). An independent check of the roofline probe's FMA rate (native/probe/roofline.cpp).
 *
 *   gcc -O2 -mavx512f bench/probes/fma-chains.c -o /tmp/fma-chains && /tmp/fma-chains
 */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

#define DECL(i) __m512 a##i = _mm512_set1_ps((float)(i + argc));
#define STEP(i) a##i = _mm512_fmadd_ps(a##i, x, y);
#define ALL(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11)

int main(int argc, char** argv) {
  (void)argv;
  /* argc keeps the start values unknown to the compiler, so no chain can be folded */
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f * argc);
  ALL(DECL)
  const long iters = 100000000;
  double best = 1e30;
  for (int run = 0; run < 5; ++run) {
    const double t0 = now();
    for (long it = 0; it < iters; ++it) {
      ALL(STEP)
    }
    const double t = now() - t0;
    if (t < best) best = t;
  }
  __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                           _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
  s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
  printf("%.1f G FMA lanes/s per thread (checksum %g)\n", iters * 12.0 * 16 / best / 1e9, _mm512_reduce_add_ps(s));
  return 0;
}
