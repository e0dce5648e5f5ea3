// GEMM with a pre-packed B: pack op(B) once, multiply it by many A's.
//
// For products that reuse one B many times (an RNN's recurrent weight W_hh:
// one small product per time step), gemm() would pack B again on every call;
// for the LSTM backward at B=64, H=128 that repacking was most of the
// per-step time outside the FMAs. pack_b() packs op(B) into the panel layout
// of the packed rungs (03, 04) once; gemm_prepacked() then only packs A.
//
//   PackedB<float> wp = pack_b<float>(/*trans_b=*/true, H, 4 * H, w_hh, H);
//   for each step: gemm_prepacked<float>(false, b, 1.f, h, H, wp, 1.f, G, 4 * H);
//
// Rungs without packing (01, 02) and float64 (whose gradchecks want the
// plain code path) get a fallback PackedB that keeps the caller's B pointer
// and calls the rung's ordinary gemm: same results, no speed-up. The rung is
// the one gemm() would use at pack time (or `variant`).
#pragma once
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "cpu/gemm/gemm.h"

namespace pdg {

template <class T>
struct PackedB {
    // C = alpha * op(A) @ Bp + beta * C over a packed block (M x N, depth K).
    using RunFn = void (*)(bool trans_a, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                           int64_t lda, const T* Bp, T beta, T* C, int64_t ldc);
    struct Free {
        void operator()(T* p) const { std::free(p); }
    };

    int64_t K = 0, N = 0;  // op(B) is K x N
    // Packed path (run != nullptr): the panels, owned here.
    std::unique_ptr<T, Free> data;
    RunFn run = nullptr;
    // Fallback path: the caller's B, which must outlive this object.
    bool trans_b = false;
    const T* B = nullptr;
    int64_t ldb = 0;
    GemmFn<T> fn = nullptr;

    bool packed() const { return run != nullptr; }
};

// Pack op(B) (K x N; B stored K x N with ldb >= N, or transposed N x K with
// ldb >= K) for the rung `variant` ("" = current choice).
// Args:
//   trans_b   op(B) = B^T when set
//   K, N      op(B) is K x N (any value >= 0)
//   B, ldb    as in gemm(); read now when packed, kept as a pointer (and read
//             at every gemm_prepacked call) in the fallback
//   m_hint    the typical M of the products (picks the register tile, as
//             gemm() does from M and N; 0 = unknown, assume 64)
// Returns a PackedB valid until destroyed (owns its panels; may allocate,
// std::bad_alloc -> MemoryError).
template <class T>
PackedB<T> pack_b(bool trans_b, int64_t K, int64_t N, const T* B, int64_t ldb,
                  int64_t m_hint = 0, const std::string& variant = "");

// C = alpha * op(A) @ op(B) + beta * C with op(B) from pack_b (K x N).
// Args:
//   trans_a   op(A) = A^T when set; op(A) is M x Bp.K (A stored M x K with
//             lda >= K, or K x M with lda >= M)
//   M         rows of C (any value >= 0)
//   alpha, beta  as gemm(): beta == 0 means C is not read
//   C, ldc    M x Bp.N, ldc >= N; written
// Safe to call from several threads at once on the same Bp (read only).
template <class T>
void gemm_prepacked(bool trans_a, int64_t M, T alpha, const T* A, int64_t lda,
                    const PackedB<T>& Bp, T beta, T* C, int64_t ldc);

// Checked entry point on flat buffers (tests, benchmarks): packs b, then
// runs `repeat` products into c (beta applies to each, so repeat > 1 only
// makes sense for timing or beta == 0). Arguments as _C.gemm's.
class Buffer;
void gemm_prepacked_buffers(Buffer& c, const Buffer& a, const Buffer& b, int64_t M, int64_t N,
                            int64_t K, bool trans_a, bool trans_b, double alpha, double beta,
                            int64_t lda, int64_t ldb, int64_t ldc, int64_t repeat,
                            const std::string& variant);

// What a rung's packing hook hands back: panels from std::aligned_alloc (the
// caller takes ownership) and the function that multiplies by them. Plain
// data, so the hooks, compiled for AVX2/AVX-512, instantiate no baseline
// template (no unique_ptr member runs in their files).
struct PackedPanelsF32 {
    float* data;
    PackedB<float>::RunFn run;
};

// The packing hooks of the rungs that have one (float32 only); they throw
// std::bad_alloc. Call only when the CPU supports the rung.
#if PDG_X86_SIMD
namespace avx2 {
PackedPanelsF32 gemm_03_pack_b_f32(bool trans_b, int64_t K, int64_t N, const float* B,
                                   int64_t ldb, int64_t m_hint);
}
namespace avx512 {
PackedPanelsF32 gemm_04_pack_b_f32(bool trans_b, int64_t K, int64_t N, const float* B,
                                   int64_t ldb, int64_t m_hint);
}
#endif

}  // namespace pdg
