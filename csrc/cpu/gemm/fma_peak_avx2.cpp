// FMA-peak probe at AVX2+FMA: 8 floats a vector (fma_peak.h). Called only
// after cpu_has_avx2_fma().
#include <immintrin.h>

#include "cpu/gemm/fma_peak.h"
#include "cpu/gemm/fma_peak_loop.h"

namespace pdg::avx2 {
namespace {
struct Ymm {
    using V = __m256;
    static constexpr int W = 8;
    static V set1(float x) { return _mm256_set1_ps(x); }
    static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
    static V add(V a, V b) { return _mm256_add_ps(a, b); }
    static float sum(V a) {
        alignas(32) float t[8];
        _mm256_store_ps(t, a);
        return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
    }
};
}  // namespace

double fma_peak_gflops(int64_t iters) { return fma_peak_probe<Ymm>(iters); }

}  // namespace pdg::avx2
