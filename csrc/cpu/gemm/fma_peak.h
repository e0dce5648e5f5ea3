// A tiny FMA-throughput probe for the benchmarks' "% of peak": each thread
// runs 12 independent chains of vector multiply-adds (enough to cover latency
// x pipes on current cores) for a fixed count. One probe per SIMD level, so
// a kernel's % of peak is always against the peak of the level it ran at.
#pragma once
#include <cstdint>

#include "core/cpu_features.h"

namespace pdg {

// GFLOP/s of all pdg threads together at simd_level() (the CPU's best level,
// capped by PDG_SIMD / set_simd_level).
double fma_peak_gflops(int64_t iters);

namespace baseline {
double fma_peak_gflops(int64_t iters);  // 4-wide SSE2 multiply + add (no FMA)
}
#if PDG_X86_SIMD
namespace avx2 {
double fma_peak_gflops(int64_t iters);  // 8-wide FMA
}
namespace avx512 {
double fma_peak_gflops(int64_t iters);  // 16-wide FMA
}
#endif

}  // namespace pdg
