// Vectorized float32 math over arrays: exp, log, tanh, sigmoid.
//
// Three rungs, selected at run time (style rule 7):
//   scalar   std::exp / std::log / std::tanh loops (the reference; vecmath_scalar.cpp)
//   avx2     8-wide AVX2+FMA polynomials            (vecmath_avx2.cpp)
//   avx512   16-wide AVX-512 polynomials            (vecmath_avx512.cpp)
// The default ("auto") is the best level cpu_has_avx512()/cpu_has_avx2_fma()
// allow; asking for a level the CPU lacks falls back to the best it has.
//
// Accuracy of the SIMD rungs, measured against float64 over all finite float32
// inputs sampled densely (tests/test_unary.py, docs/kernels_elementwise.md):
// exp, log: <= 1 ulp; tanh, sigmoid: <= 2 ulp. NaN in -> NaN out; +-inf, 0,
// negative arguments to log and subnormal results follow the C library.
//
// float64 always uses the scalar (std::) path.
#pragma once
#include <cstdint>
#include <string>

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

// The rungs themselves (call only after checking the CPU, see vecmath_scalar.cpp).
namespace vecmath {
void exp_avx512(float* out, const float* in, int64_t n);
void log_avx512(float* out, const float* in, int64_t n);
void tanh_avx512(float* out, const float* in, int64_t n);
void sigmoid_avx512(float* out, const float* in, int64_t n);
void exp_avx2(float* out, const float* in, int64_t n);
void log_avx2(float* out, const float* in, int64_t n);
void tanh_avx2(float* out, const float* in, int64_t n);
void sigmoid_avx2(float* out, const float* in, int64_t n);
}  // namespace vecmath

}  // namespace pdg
