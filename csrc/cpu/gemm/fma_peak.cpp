// FMA-peak probe: the baseline variant and the choice by SIMD level.
#include "cpu/gemm/fma_peak.h"

#include "cpu/gemm/fma_peak_loop.h"

namespace pdg {
namespace baseline {
namespace {
// Four floats held in a plain struct: GCC keeps each in one SSE register on
// x86-64 (and a NEON register on aarch64); there is no FMA at this level, so
// a "fma" is a multiply and an add, two flops as in the wider probes.
struct Vec4 {
    struct V {
        float x[4];
    };
    static constexpr int W = 4;
    static V set1(float v) { return {{v, v, v, v}}; }
    static V fma(V a, V b, V c) {
        V r;
        for (int i = 0; i < 4; ++i) r.x[i] = a.x[i] * b.x[i] + c.x[i];
        return r;
    }
    static V add(V a, V b) {
        V r;
        for (int i = 0; i < 4; ++i) r.x[i] = a.x[i] + b.x[i];
        return r;
    }
    static float sum(V a) { return a.x[0] + a.x[1] + a.x[2] + a.x[3]; }
};
}  // namespace

double fma_peak_gflops(int64_t iters) { return fma_peak_probe<Vec4>(iters); }
}  // namespace baseline

double fma_peak_gflops(int64_t iters) {
#if PDG_X86_SIMD
    if (cpu_has_avx512()) return avx512::fma_peak_gflops(iters);
    if (cpu_has_avx2_fma()) return avx2::fma_peak_gflops(iters);
#endif
    return baseline::fma_peak_gflops(iters);
}

}  // namespace pdg
