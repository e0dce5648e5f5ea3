// AVX-512 vector traits for the register-tile micro-kernels of packed.h
// (RegKernel<Traits, ...>): GEMM rung 04 and the conv implicit-GEMM forward
// share them. Include only from *_avx512.cpp files (they get the ISA flags).
#pragma once
#include <immintrin.h>

namespace pdg::avx512 {

struct Zmm32 {
    using T = float;
    using V = __m512;
    static constexpr int W = 16;
    static V load(const T* p) { return _mm512_load_ps(p); }
    static V loadu(const T* p) { return _mm512_loadu_ps(p); }
    static void storeu(T* p, V v) { _mm512_storeu_ps(p, v); }
    static V set1(T x) { return _mm512_set1_ps(x); }
    static V zero() { return _mm512_setzero_ps(); }
    static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
    static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
};

}  // namespace pdg::avx512
