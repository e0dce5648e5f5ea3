// avx512 rung of the normalization row loops; see norm_avx512.h.
// Tails use masked loads/stores, so every n (including 0) is handled in-line.
#include "cpu/norm_avx512.h"

#include <immintrin.h>

namespace pdg::avx512::norm {
namespace {

inline __mmask16 tail_mask(int64_t r) { return __mmask16((1u << r) - 1u); }

// Sum the 16 lanes of a in double (the lanes hold partial sums of ~n/64 terms).
inline double hsum(__m512 a) {
    const __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(a));
    const __m512d hi = _mm512_cvtps_pd(_mm512_extractf32x8_ps(a, 1));
    return _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
}

}  // namespace

double sum(const float* p, int64_t n) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        a0 = _mm512_add_ps(a0, _mm512_loadu_ps(p + i));
        a1 = _mm512_add_ps(a1, _mm512_loadu_ps(p + i + 16));
        a2 = _mm512_add_ps(a2, _mm512_loadu_ps(p + i + 32));
        a3 = _mm512_add_ps(a3, _mm512_loadu_ps(p + i + 48));
    }
    for (; i + 16 <= n; i += 16) a0 = _mm512_add_ps(a0, _mm512_loadu_ps(p + i));
    if (i < n) a1 = _mm512_add_ps(a1, _mm512_maskz_loadu_ps(tail_mask(n - i), p + i));
    return hsum(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

double sqdev(const float* p, int64_t n, float m) {
    const __m512 vm = _mm512_set1_ps(m);
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        const __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(p + i), vm);
        const __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(p + i + 16), vm);
        const __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(p + i + 32), vm);
        const __m512 d3 = _mm512_sub_ps(_mm512_loadu_ps(p + i + 48), vm);
        a0 = _mm512_fmadd_ps(d0, d0, a0);
        a1 = _mm512_fmadd_ps(d1, d1, a1);
        a2 = _mm512_fmadd_ps(d2, d2, a2);
        a3 = _mm512_fmadd_ps(d3, d3, a3);
    }
    for (; i + 16 <= n; i += 16) {
        const __m512 d = _mm512_sub_ps(_mm512_loadu_ps(p + i), vm);
        a0 = _mm512_fmadd_ps(d, d, a0);
    }
    if (i < n) {
        const __mmask16 k = tail_mask(n - i);
        const __m512 d = _mm512_maskz_sub_ps(k, _mm512_maskz_loadu_ps(k, p + i), vm);
        a1 = _mm512_fmadd_ps(d, d, a1);
    }
    return hsum(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

void sum_dotdev(const float* dy, const float* x, int64_t n, float m, double* s_dy,
                double* s_dyx) {
    const __m512 vm = _mm512_set1_ps(m);
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, d0 = s0, d1 = s0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m512 g0 = _mm512_loadu_ps(dy + i), g1 = _mm512_loadu_ps(dy + i + 16);
        s0 = _mm512_add_ps(s0, g0);
        s1 = _mm512_add_ps(s1, g1);
        d0 = _mm512_fmadd_ps(g0, _mm512_sub_ps(_mm512_loadu_ps(x + i), vm), d0);
        d1 = _mm512_fmadd_ps(g1, _mm512_sub_ps(_mm512_loadu_ps(x + i + 16), vm), d1);
    }
    for (; i < n; i += 16) {
        const __mmask16 k = n - i >= 16 ? __mmask16(0xFFFF) : tail_mask(n - i);
        const __m512 g = _mm512_maskz_loadu_ps(k, dy + i);
        s0 = _mm512_add_ps(s0, g);
        d0 = _mm512_fmadd_ps(g, _mm512_maskz_sub_ps(k, _mm512_maskz_loadu_ps(k, x + i), vm), d0);
    }
    *s_dy = hsum(_mm512_add_ps(s0, s1));
    *s_dyx = hsum(_mm512_add_ps(d0, d1));
}

double dotdev(const float* dy, const float* x, int64_t n, float m) {
    double a, b;
    sum_dotdev(dy, x, n, m, &a, &b);
    return b;
}

void affine(float* o, const float* x, int64_t n, float scale, float shift) {
    const __m512 vs = _mm512_set1_ps(scale), vb = _mm512_set1_ps(shift);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(o + i, _mm512_fmadd_ps(_mm512_loadu_ps(x + i), vs, vb));
    if (i < n) {
        const __mmask16 k = tail_mask(n - i);
        _mm512_mask_storeu_ps(o + i, k, _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, x + i), vs, vb));
    }
}

void dx_row(float* dx, const float* dy, const float* x, int64_t n, float c1, float m, float c2,
            float c3) {
    const __m512 v1 = _mm512_set1_ps(c1), v2 = _mm512_set1_ps(c2), vm = _mm512_set1_ps(m),
                 v3 = _mm512_set1_ps(c3);
    int64_t i = 0;
    for (; i < n; i += 16) {
        const __mmask16 k = n - i >= 16 ? __mmask16(0xFFFF) : tail_mask(n - i);
        const __m512 xm = _mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), vm);
        const __m512 r = _mm512_fmadd_ps(v1, _mm512_maskz_loadu_ps(k, dy + i),
                                         _mm512_fmadd_ps(xm, v2, v3));
        _mm512_mask_storeu_ps(dx + i, k, r);
    }
}

}  // namespace pdg::avx512::norm
