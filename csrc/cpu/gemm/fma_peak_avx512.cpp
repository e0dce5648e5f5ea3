// FMA-peak probe at AVX-512: 16 floats a vector (fma_peak.h). Called only
// after cpu_has_avx512().
#include <immintrin.h>

#include "cpu/gemm/fma_peak.h"
#include "cpu/gemm/fma_peak_loop.h"

namespace pdg::avx512 {
namespace {
struct Zmm {
    using V = __m512;
    static constexpr int W = 16;
    static V set1(float x) { return _mm512_set1_ps(x); }
    static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
    static V add(V a, V b) { return _mm512_add_ps(a, b); }
    static float sum(V a) { return _mm512_reduce_add_ps(a); }
};
}  // namespace

double fma_peak_gflops(int64_t iters) { return fma_peak_probe<Zmm>(iters); }

}  // namespace pdg::avx512
