// avx2 rung of vecmath.h: 8 floats per step. Compiled with -mavx2 -mfma
// (CMakeLists.txt); only called when cpu_has_avx2_fma().
//
// The same algorithms as vecmath_avx512.cpp; what AVX2 lacks is done by hand:
//   exp: 2^n is built from exponent bits, as 2^(n>>1) * 2^(n - (n>>1)) so that
//        both factors stay normal across the whole clamped range
//        (n in [-150, 128]), giving inf on overflow and subnormals below 2^-126.
//   log: exponent and mantissa come from the bits; subnormal inputs are first
//        scaled by 2^23.
#include <immintrin.h>

#include <cstdint>

#include "cpu/vecmath.h"

namespace pdg::avx2 {
namespace {

inline __m256 pow2i(__m256i n) {  // 2^n for n in [-126, 127]
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
}

inline __m256 exp8(__m256 x) {
    const __m256 log2e = _mm256_set1_ps(1.44269504088896341f);
    const __m256 ln2_hi = _mm256_set1_ps(0.693359375f);
    const __m256 ln2_lo = _mm256_set1_ps(-2.12194440e-4f);
    x = _mm256_min_ps(_mm256_set1_ps(89.0f), x);  // NaN-preserving clamp
    x = _mm256_max_ps(_mm256_set1_ps(-104.0f), x);
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, ln2_hi, x);
    r = _mm256_fnmadd_ps(n, ln2_lo, r);
    __m256 p = _mm256_set1_ps(1.0f / 5040.0f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    // NaN x: n converts to INT_MIN, but p is already NaN and stays NaN.
    const __m256i ni = _mm256_cvtps_epi32(n);
    const __m256i n1 = _mm256_srai_epi32(ni, 1);
    const __m256i n2 = _mm256_sub_epi32(ni, n1);
    return _mm256_mul_ps(_mm256_mul_ps(p, pow2i(n1)), pow2i(n2));
}

inline __m256 log8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    // Subnormals: scale by 2^23 so the exponent field is meaningful.
    const __m256 sub = _mm256_cmp_ps(x, _mm256_set1_ps(1.17549435e-38f), _CMP_LT_OQ);
    const __m256 xs = _mm256_blendv_ps(x, _mm256_mul_ps(x, _mm256_set1_ps(8388608.0f)), sub);
    const __m256i bits = _mm256_castps_si256(xs);
    __m256 e = _mm256_cvtepi32_ps(_mm256_sub_epi32(
        _mm256_and_si256(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(0xff)), _mm256_set1_epi32(127)));
    e = _mm256_sub_ps(e, _mm256_and_ps(sub, _mm256_set1_ps(23.0f)));
    __m256 m = _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)),
                                                   _mm256_set1_epi32(0x3f800000)));
    const __m256 big = _mm256_cmp_ps(m, _mm256_set1_ps(1.41421356f), _CMP_GT_OQ);
    m = _mm256_blendv_ps(m, _mm256_mul_ps(m, _mm256_set1_ps(0.5f)), big);
    e = _mm256_add_ps(e, _mm256_and_ps(big, one));
    const __m256 f = _mm256_sub_ps(m, one);
    const __m256 s = _mm256_div_ps(f, _mm256_add_ps(_mm256_set1_ps(2.0f), f));
    const __m256 z = _mm256_mul_ps(s, s);
    __m256 R = _mm256_set1_ps(2.0f / 9.0f);
    R = _mm256_fmadd_ps(R, z, _mm256_set1_ps(2.0f / 7.0f));
    R = _mm256_fmadd_ps(R, z, _mm256_set1_ps(2.0f / 5.0f));
    R = _mm256_fmadd_ps(R, z, _mm256_set1_ps(2.0f / 3.0f));
    R = _mm256_mul_ps(R, z);
    const __m256 hfsq = _mm256_mul_ps(_mm256_set1_ps(0.5f), _mm256_mul_ps(f, f));
    const __m256 lo = _mm256_fmadd_ps(e, _mm256_set1_ps(-2.12194440e-4f), _mm256_mul_ps(s, _mm256_add_ps(hfsq, R)));
    __m256 r = _mm256_fmadd_ps(e, _mm256_set1_ps(0.693359375f), _mm256_sub_ps(f, _mm256_sub_ps(hfsq, lo)));
    // Special values: x < 0 or NaN -> NaN, +-0 -> -inf, +inf -> +inf.
    const __m256 inf = _mm256_set1_ps(__builtin_inff());
    r = _mm256_blendv_ps(r, _mm256_set1_ps(-__builtin_inff()), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_EQ_OQ));
    r = _mm256_blendv_ps(r, inf, _mm256_cmp_ps(x, inf, _CMP_EQ_OQ));
    r = _mm256_blendv_ps(r, _mm256_set1_ps(__builtin_nanf("")), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
    r = _mm256_blendv_ps(r, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    return r;
}

inline __m256 abs8(__m256 x) {
    return _mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)));
}

inline __m256 tanh8(__m256 x) {
    const __m256 a = abs8(x);
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 e = exp8(_mm256_add_ps(a, a));
    const __m256 tl = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
    const __m256 z = _mm256_mul_ps(a, a);
    __m256 p = _mm256_set1_ps(2.313079478e-03f);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-8.364722888e-03f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.177648573e-02f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.396042272e-02f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.333331031e-01f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.333333326e-01f));
    const __m256 ts = _mm256_fmadd_ps(_mm256_mul_ps(a, z), p, a);
    const __m256 t = _mm256_blendv_ps(tl, ts, _mm256_cmp_ps(a, _mm256_set1_ps(0.625f), _CMP_LT_OQ));
    const __m256 sign = _mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(int32_t(0x80000000u))));
    return _mm256_or_ps(t, sign);
}

inline __m256 sigmoid8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), abs8(x)));
    const __m256 s = _mm256_div_ps(one, _mm256_add_ps(one, e));
    return _mm256_blendv_ps(s, _mm256_mul_ps(s, e), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
}

template <class F>
inline void apply8(float* out, const float* in, int64_t n, const F& f) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, f(_mm256_loadu_ps(in + i)));
    if (i < n) {
        alignas(32) float tmp[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int64_t k = 0; k < n - i; ++k) tmp[k] = in[i + k];
        _mm256_store_ps(tmp, f(_mm256_load_ps(tmp)));
        for (int64_t k = 0; k < n - i; ++k) out[i + k] = tmp[k];
    }
}

}  // namespace

void vexp(float* out, const float* in, int64_t n) { apply8(out, in, n, exp8); }
void vlog(float* out, const float* in, int64_t n) { apply8(out, in, n, log8); }
void vtanh(float* out, const float* in, int64_t n) { apply8(out, in, n, tanh8); }
void vsigmoid(float* out, const float* in, int64_t n) { apply8(out, in, n, sigmoid8); }

}  // namespace pdg::avx2
