// A tiny FMA-throughput probe for the benchmarks' "% of peak": each thread
// runs 12 independent chains of 512-bit single-precision FMAs (enough to
// cover latency x pipes on current cores) for a fixed count and the probe
// reports GFLOP/s per thread and in total. Only called after cpu_has_avx512().
#include <immintrin.h>

#include <chrono>

#include "core/parallel.h"

namespace pdg {

double fma_peak_gflops_avx512(int64_t iters) {
    auto t0 = std::chrono::steady_clock::now();
    float sink = 0;
#ifdef PDG_WITH_OPENMP
#pragma omp parallel num_threads(get_num_threads()) reduction(+ : sink)
#endif
    {
        const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-7f);
        // Distinct starting values: identical chains would be merged into one.
        __m512 c0 = _mm512_set1_ps(1.00f), c1 = _mm512_set1_ps(1.01f), c2 = _mm512_set1_ps(1.02f);
        __m512 c3 = _mm512_set1_ps(1.03f), c4 = _mm512_set1_ps(1.04f), c5 = _mm512_set1_ps(1.05f);
        __m512 c6 = _mm512_set1_ps(1.06f), c7 = _mm512_set1_ps(1.07f), c8 = _mm512_set1_ps(1.08f);
        __m512 c9 = _mm512_set1_ps(1.09f), c10 = _mm512_set1_ps(1.10f), c11 = _mm512_set1_ps(1.11f);
        for (int64_t i = 0; i < iters; ++i) {
            c0 = _mm512_fmadd_ps(c0, a, b); c1 = _mm512_fmadd_ps(c1, a, b);
            c2 = _mm512_fmadd_ps(c2, a, b); c3 = _mm512_fmadd_ps(c3, a, b);
            c4 = _mm512_fmadd_ps(c4, a, b); c5 = _mm512_fmadd_ps(c5, a, b);
            c6 = _mm512_fmadd_ps(c6, a, b); c7 = _mm512_fmadd_ps(c7, a, b);
            c8 = _mm512_fmadd_ps(c8, a, b); c9 = _mm512_fmadd_ps(c9, a, b);
            c10 = _mm512_fmadd_ps(c10, a, b); c11 = _mm512_fmadd_ps(c11, a, b);
        }
        __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
                                 _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)));
        s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(c10, c11)));
        sink += _mm512_reduce_add_ps(s);
    }
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const int nt = get_num_threads();
    volatile float keep = sink;  // the chains must not be optimised away
    (void)keep;
    return double(iters) * 12.0 * 32.0 * nt / t / 1e9;
}

}  // namespace pdg
