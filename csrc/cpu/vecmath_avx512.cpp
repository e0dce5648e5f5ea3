// avx512 rung of vecmath.h: 16 floats per step. Compiled with -mavx512f/bw/vl/dq
// (CMakeLists.txt); only called when cpu_has_avx512().
//
// exp(x):  n = round(x / ln2), r = x - n ln2 (two-constant Cody-Waite split
//          with FMA), e^r by its degree-7 Taylor polynomial on |r| <= ln2/2
//          (truncation error 5e-9, below half an ulp), then scalef(p, n) = p 2^n,
//          which also produces the overflow (inf) and subnormal results.
// log(x):  x = m 2^e with m in [sqrt(1/2), sqrt(2)) (getmant/getexp, which also
//          normalise subnormals); with f = m - 1 and s = f / (2 + f),
//          log(m) = f - f^2/2 + s (f^2/2 + R(s^2)), R the atanh series
//          (the fdlibm arrangement, which keeps the small terms apart).
// tanh(x): |x| < 0.625: x + x^3 P(x^2), P a least-squares fit (rel. err 1e-9);
//          otherwise 1 - 2 / (exp(2|x|) + 1); the sign is copied back.
// sigmoid: e = exp(-|x|); 1 / (1 + e) for x >= 0, e / (1 + e) otherwise.
// NaN propagates: min/max below put the argument second, so NaN passes through.
#include <immintrin.h>

#include <cstdint>

#include "cpu/vecmath.h"

namespace pdg::avx512 {
namespace {

inline __m512 exp16(__m512 x) {
    const __m512 log2e = _mm512_set1_ps(1.44269504088896341f);
    const __m512 ln2_hi = _mm512_set1_ps(0.693359375f);
    const __m512 ln2_lo = _mm512_set1_ps(-2.12194440e-4f);
    // Clamp (NaN-preserving): exp(89) overflows, exp(-104) rounds to 0.
    x = _mm512_min_ps(_mm512_set1_ps(89.0f), x);
    x = _mm512_max_ps(_mm512_set1_ps(-104.0f), x);
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, log2e),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, ln2_hi, x);
    r = _mm512_fnmadd_ps(n, ln2_lo, r);
    __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

inline __m512 log16(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f);
    // m in [1, 2), NaN for negative x; e = floor(log2 |x|).
    __m512 m = _mm512_getmant_ps(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_nan);
    __m512 e = _mm512_getexp_ps(x);
    const __mmask16 big = _mm512_cmp_ps_mask(m, _mm512_set1_ps(1.41421356f), _CMP_GT_OQ);
    m = _mm512_mask_mul_ps(m, big, m, _mm512_set1_ps(0.5f));
    e = _mm512_mask_add_ps(e, big, e, one);
    const __m512 f = _mm512_sub_ps(m, one);
    const __m512 s = _mm512_div_ps(f, _mm512_add_ps(_mm512_set1_ps(2.0f), f));
    const __m512 z = _mm512_mul_ps(s, s);
    // R = 2z/3 + 2z^2/5 + 2z^3/7 + 2z^4/9
    __m512 R = _mm512_set1_ps(2.0f / 9.0f);
    R = _mm512_fmadd_ps(R, z, _mm512_set1_ps(2.0f / 7.0f));
    R = _mm512_fmadd_ps(R, z, _mm512_set1_ps(2.0f / 5.0f));
    R = _mm512_fmadd_ps(R, z, _mm512_set1_ps(2.0f / 3.0f));
    R = _mm512_mul_ps(R, z);
    const __m512 hfsq = _mm512_mul_ps(_mm512_set1_ps(0.5f), _mm512_mul_ps(f, f));
    // lo = e ln2_lo + s (hfsq + R); log = e ln2_hi + (f - (hfsq - lo))
    const __m512 lo = _mm512_fmadd_ps(e, _mm512_set1_ps(-2.12194440e-4f),
                                      _mm512_mul_ps(s, _mm512_add_ps(hfsq, R)));
    __m512 r = _mm512_fmadd_ps(e, _mm512_set1_ps(0.693359375f), _mm512_sub_ps(f, _mm512_sub_ps(hfsq, lo)));
    // Special values: log(+-0) = -inf, log(+inf) = +inf (negative and NaN are NaN already).
    const __mmask16 zero = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_EQ_OQ);
    const __mmask16 pinf = _mm512_cmp_ps_mask(x, _mm512_set1_ps(__builtin_inff()), _CMP_EQ_OQ);
    r = _mm512_mask_mov_ps(r, zero, _mm512_set1_ps(-__builtin_inff()));
    r = _mm512_mask_mov_ps(r, pinf, x);
    return r;
}

inline __m512 abs16(__m512 x) {
    return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7fffffff)));
}

inline __m512 tanh16(__m512 x) {
    const __m512 a = abs16(x);
    const __m512 one = _mm512_set1_ps(1.0f);
    // Large |x|: 1 - 2 / (exp(2|x|) + 1); exp overflows to inf -> exactly 1.
    const __m512 e = exp16(_mm512_add_ps(a, a));
    const __m512 tl = _mm512_sub_ps(one, _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, one)));
    // Small |x|: a + a^3 P(a^2).
    const __m512 z = _mm512_mul_ps(a, a);
    __m512 p = _mm512_set1_ps(2.313079478e-03f);
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-8.364722888e-03f));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(2.177648573e-02f));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-5.396042272e-02f));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(1.333331031e-01f));
    p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-3.333333326e-01f));
    const __m512 ts = _mm512_fmadd_ps(_mm512_mul_ps(a, z), p, a);
    const __mmask16 small = _mm512_cmp_ps_mask(a, _mm512_set1_ps(0.625f), _CMP_LT_OQ);
    const __m512 t = _mm512_mask_mov_ps(tl, small, ts);
    const __m512i sign = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(int32_t(0x80000000u)));
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(t), sign));
}

inline __m512 sigmoid16(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 e = exp16(_mm512_sub_ps(_mm512_setzero_ps(), abs16(x)));
    const __m512 s = _mm512_div_ps(one, _mm512_add_ps(one, e));
    const __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    return _mm512_mask_mul_ps(s, neg, s, e);  // NaN: both branches NaN
}

template <class F>
inline void apply16(float* out, const float* in, int64_t n, const F& f) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(out + i, f(_mm512_loadu_ps(in + i)));
    if (i < n) {
        const __mmask16 m = __mmask16((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(out + i, m, f(_mm512_maskz_loadu_ps(m, in + i)));
    }
}

}  // namespace

void vexp(float* out, const float* in, int64_t n) { apply16(out, in, n, exp16); }
void vlog(float* out, const float* in, int64_t n) { apply16(out, in, n, log16); }
void vtanh(float* out, const float* in, int64_t n) { apply16(out, in, n, tanh16); }
void vsigmoid(float* out, const float* in, int64_t n) { apply16(out, in, n, sigmoid16); }

}  // namespace pdg::avx512
