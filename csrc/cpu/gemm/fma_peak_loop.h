// The body of the FMA-peak probe (fma_peak.h), instantiated once per SIMD
// level with that level's vector traits: V vector type, W floats a vector,
// set1, fma(a, b, c) = a * b + c, add, and sum (horizontal). Everything sits
// in the including file's ISA namespace (PDG_ISA).
#pragma once
#include <chrono>
#include <cstdint>

#include "core/parallel.h"

#ifndef PDG_ISA
#error "PDG_ISA is set by CMakeLists.txt for every source file"
#endif

namespace pdg::PDG_ISA {
namespace {

template <class Vec>
double fma_peak_probe(int64_t iters) {
    using V = typename Vec::V;
    const auto t0 = std::chrono::steady_clock::now();
    float sink = 0;
#ifdef PDG_WITH_OPENMP
#pragma omp parallel num_threads(get_num_threads()) reduction(+ : sink)
#endif
    {
        const V a = Vec::set1(0.999f), b = Vec::set1(1e-7f);
        // Distinct starting values: identical chains would be merged into one.
        V c[12];
#pragma GCC unroll 12
        for (int j = 0; j < 12; ++j) c[j] = Vec::set1(1.0f + 0.01f * float(j));
        for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
            for (int j = 0; j < 12; ++j) c[j] = Vec::fma(c[j], a, b);
        }
        V s = c[0];
#pragma GCC unroll 12
        for (int j = 1; j < 12; ++j) s = Vec::add(s, c[j]);
        sink += Vec::sum(s);
    }
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    volatile float keep = sink;  // the chains must not be optimised away
    (void)keep;
    return double(iters) * 12.0 * 2.0 * Vec::W * get_num_threads() / t / 1e9;
}

}  // namespace
}  // namespace pdg::PDG_ISA
