// GEMM: C = alpha * op(A) @ op(B) + beta * C, row-major.
//
// The ladder of variants lives in this folder, one file per rung
// (01_naive.cpp, ...). gemm.cpp holds the table of rungs and the run-time
// choice: "auto" picks the fastest rung this CPU supports.
//
// Args (all variants share them):
//   trans_a, trans_b  op(X) = X^T when set; op(A) is M x K, op(B) is K x N.
//                     A is stored M x K (lda >= K) or, transposed, K x M
//                     (lda >= M); likewise B.
//   M, N, K           sizes (any value >= 0)
//   alpha, beta       scalars; beta == 0 means C is not read (NaN-safe)
//   C                 M x N, ldc >= N; written
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/cpu_features.h"

namespace pdg {

template <class T>
using GemmFn = void (*)(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
                        const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C,
                        int64_t ldc);

struct GemmVariant {
    std::string name;         // "01_naive", ...
    std::string description;  // one line for pdg.kernels.list()
    bool (*supported)();      // can this CPU run it?
    GemmFn<float> f32;        // may be null: falls back to the best rung that has one
    GemmFn<double> f64;
};

const std::vector<GemmVariant>& gemm_variants();
// "auto" or a rung name; raises ValueError for unknown or unsupported names.
void set_gemm_variant(const std::string& name);
std::string get_gemm_variant();  // the name "auto" resolves to, or the forced one

// The function gemm() would call for `variant` ("" = the current choice).
// Validates the name (ValueError), so resolve it before a parallel region.
template <class T>
GemmFn<T> gemm_function(const std::string& variant = "");

// Run with the selected variant, or with `variant` when non-empty.
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc,
          const std::string& variant = "");

// The rungs, one file each (01_naive.cpp, 02_blocked.cpp, ...). 01 is the
// reference every other rung is tested against; 03 and 04 may only be called
// when cpu_has_avx2_fma() / cpu_has_avx512() say so (gemm.cpp checks).
#define PDG_GEMM_RUNG(NAME)                                                                  \
    template <class T>                                                                       \
    void NAME(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, \
              int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc);
PDG_GEMM_RUNG(gemm_01_naive)
PDG_GEMM_RUNG(gemm_02_blocked)
#if PDG_X86_SIMD
namespace avx2 {
PDG_GEMM_RUNG(gemm_03_packed_avx2)
}
namespace avx512 {
PDG_GEMM_RUNG(gemm_04_packed_avx512)
}
#endif
#undef PDG_GEMM_RUNG

}  // namespace pdg
