// Vectorized float32 math over arrays: exp, log, tanh, sigmoid.
//
// Three rungs, selected at run time (style rule 7):
//   scalar   std::exp / std::log / std::tanh loops (the reference; vecmath_scalar.cpp)
//   avx2     8-wide AVX2+FMA polynomials            (vecmath_avx2.cpp)
//   avx512   16-wide AVX-512 polynomials            (vecmath_avx512.cpp)
// The default ("auto") is the best level cpu_has_avx512()/cpu_has_avx2_fma()
// allow (the CPU, capped by PDG_SIMD); asking for a level above that falls
// back to the best allowed.
//
// Accuracy of the SIMD rungs, measured against float64 over all finite float32
// inputs sampled densely (tests/test_unary.py, docs/kernels_elementwise.md):
// exp, log: <= 1 ulp; tanh, sigmoid: <= 2 ulp. NaN in -> NaN out; +-inf, 0,
// negative arguments to log and subnormal results follow the C library.
//
// float64 always uses the scalar (std::) path.
#pragma once
#include <cstdint>
#include <limits>
#include <string>

#include "core/cpu_features.h"

namespace pdg {

enum class MathLevel : int { Scalar = 0, AVX2 = 1, AVX512 = 2 };

// name: "auto" | "scalar" | "avx2" | "avx512". Unknown names raise ValueError.
void set_math_variant(const std::string& name);
// The level in use now (after resolving "auto" and CPU support).
std::string get_math_variant();
MathLevel math_level();

// out[i] = f(in[i]) for 0 <= i < n, at the current level. out may equal in.
void vexp(float* out, const float* in, int64_t n);
void vlog(float* out, const float* in, int64_t n);
void vtanh(float* out, const float* in, int64_t n);
void vsigmoid(float* out, const float* in, int64_t n);

// Row reductions used by softmax and cross_entropy: 8 independent lanes so the
// compiler keeps several accumulators in flight (no -ffast-math needed), instead
// of one loop-carried dependency. row_max ignores NaN (callers see it via exp).
template <class T>
inline T row_max(const T* x, int64_t n) {
    T m[8];
    for (int k = 0; k < 8; ++k) m[k] = -std::numeric_limits<T>::infinity();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; ++k) m[k] = x[i + k] > m[k] ? x[i + k] : m[k];
    for (; i < n; ++i) m[0] = x[i] > m[0] ? x[i] : m[0];
    T r = m[0];
    for (int k = 1; k < 8; ++k) r = m[k] > r ? m[k] : r;
    return r;
}

template <class T>
inline double row_sum(const T* x, int64_t n) {
    double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; ++k) s[k] += double(x[i + k]);
    for (; i < n; ++i) s[0] += double(x[i]);
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

// The rungs themselves, in their ISA namespaces (call only after checking the
// CPU, see vecmath_scalar.cpp).
#if PDG_X86_SIMD
namespace avx512 {
void vexp(float* out, const float* in, int64_t n);
void vlog(float* out, const float* in, int64_t n);
void vtanh(float* out, const float* in, int64_t n);
void vsigmoid(float* out, const float* in, int64_t n);
}  // namespace avx512
namespace avx2 {
void vexp(float* out, const float* in, int64_t n);
void vlog(float* out, const float* in, int64_t n);
void vtanh(float* out, const float* in, int64_t n);
void vsigmoid(float* out, const float* in, int64_t n);
}  // namespace avx2
#endif

}  // namespace pdg
