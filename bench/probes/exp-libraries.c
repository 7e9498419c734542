/* Vector exp2 throughput of the maintained libraries on Debian, one thread, AVX-512: glibc's
 * libmvec (what the Gibbs pass calls) and SLEEF 3.5 (libsleef-dev), 1.0 and 3.5 ulp. Arguments
 * in [-73, 0], as the max-shifted exponents of the pass; best of 5 runs of 8 M calls each.
 *
 *   apt-get install -y libsleef-dev
 *   gcc -O2 -mavx512f bench/probes/exp-libraries.c -o /tmp/exp-libraries -lsleef -lmvec -lm
 *   /tmp/exp-libraries
 */
#include <immintrin.h>
#include <sleef.h>
#include <stdio.h>
#include <time.h>

__m512 _ZGVeN16v_exp2f(__m512);
__m512d _ZGVeN8v_exp2(__m512d);

#define LEN 4096
#define REPS 2000
static float in32[LEN] __attribute__((aligned(64))), out32[LEN] __attribute__((aligned(64)));
static double in64[LEN] __attribute__((aligned(64))), out64[LEN] __attribute__((aligned(64)));

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

#define PROBE(label, VEC, LOAD, STORE, FN, WIDTH, IN, OUT)                          \
  do {                                                                              \
    double best = 1e30;                                                             \
    for (int run = 0; run < 5; ++run) {                                             \
      const double t0 = now();                                                      \
      for (int r = 0; r < REPS; ++r)                                                \
        for (int i = 0; i < LEN; i += WIDTH) STORE(OUT + i, FN(LOAD(IN + i)));      \
      const double t = now() - t0;                                                  \
      if (t < best) best = t;                                                       \
    }                                                                               \
    printf("%-24s %.2f Gexp/s\n", label, (double)REPS * LEN / best / 1e9);          \
  } while (0)

int main(void) {
  for (int i = 0; i < LEN; ++i) in64[i] = in32[i] = -(float)(i % 200) * 0.37f;
  PROBE("libmvec exp2f", __m512, _mm512_load_ps, _mm512_store_ps, _ZGVeN16v_exp2f, 16, in32, out32);
  PROBE("sleef exp2f u10", __m512, _mm512_load_ps, _mm512_store_ps, Sleef_exp2f16_u10avx512f, 16, in32, out32);
  PROBE("sleef exp2f u35", __m512, _mm512_load_ps, _mm512_store_ps, Sleef_exp2f16_u35avx512f, 16, in32, out32);
  PROBE("libmvec exp2 (f64)", __m512d, _mm512_load_pd, _mm512_store_pd, _ZGVeN8v_exp2, 8, in64, out64);
  PROBE("sleef exp2 u10 (f64)", __m512d, _mm512_load_pd, _mm512_store_pd, Sleef_exp2d8_u10avx512f, 8, in64, out64);
  PROBE("sleef exp2 u35 (f64)", __m512d, _mm512_load_pd, _mm512_store_pd, Sleef_exp2d8_u35avx512f, 8, in64, out64);
  return 0;
}
