// The BLIS-style packed GEMM driver shared by rungs 03 (AVX2) and 04 (AVX-512).
//
// Only the micro-kernel differs between the rungs; it comes in as a template
// argument `Kern` (a RegKernel below, instantiated by each rung file) with:
//   using T;  MR, NR           the register tile (MR rows x NR columns of C)
//   MC, KC, NC                 cache blocks (MC % MR == 0, NC % NR == 0)
//   full(kc, Ap, Bp, C, ldc, alpha, beta)
//                              C[0:MR, 0:NR] = alpha * Ap @ Bp + beta * C
//                              (beta == 0: C is not read)
//
// The loops, outermost first (C row-major, op(A) M x K, op(B) K x N):
//   jc  over N in NC columns
//   pc  over K in KC       pack op(B)[pc, jc] into KC x NC, NR-wide panels,
//                          all threads together (shared; L2/L3)
//   ic  over M in MC rows  pack op(A)[ic, pc] into MR-tall panels (per
//                          thread; MC x KC stays in L2)
//   jr  over NC in NR      one B micro-panel (KC x NR) is reused by ...
//   ir  over MC in MR      ... MC/MR micro-kernel calls, one per A panel
// With the measured blocks of rung 04 (6 x 64 tile, MC 48, KC 512) the B
// micro-panel (128 KiB) and the A block (96 KiB) both live in the 1 MiB L2;
// per k the kernel needs 256 B of B and 24 B of A for 24 FMAs, which L2
// sustains, and the long KC means C is read and written only K/512 times.
// Packing is where transposes and leading dimensions are absorbed: the
// micro-kernel only ever sees two contiguous, zero-padded panels. Edge tiles
// (M % MR, N % NR) run the same micro-kernel into a small tile on the stack
// and copy the valid part out.
//
// This header is included only by the *_avx2.cpp / *_avx512.cpp rung files,
// each compiled with its own instruction set; everything here sits in the
// including file's ISA namespace (PDG_ISA) and an anonymous namespace, so the
// copies can never be merged by the linker (docs/architecture.md).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>

#include <immintrin.h>

#include "core/parallel.h"

#ifndef PDG_ISA
#error "PDG_ISA (avx2, avx512) is set by CMakeLists.txt for every source file"
#endif

namespace pdg::PDG_ISA {
namespace {

// A grow-only, 64-byte aligned scratch block. One per calling thread (see
// packed_buffers), so steady-state calls never allocate.
struct ScratchBlock {
    void* ptr = nullptr;
    size_t cap = 0;
    ~ScratchBlock() { std::free(ptr); }
    void* get(size_t bytes) {
        if (bytes > cap) {
            std::free(ptr);
            cap = (bytes + 4095) / 4096 * 4096;
            ptr = std::aligned_alloc(64, cap);
            if (!ptr) {
                cap = 0;
                throw std::bad_alloc();
            }
        }
        return ptr;
    }
};

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// C[0:m, 0:n] *= beta, with beta == 0 writing zeros without reading C.
template <class T>
void scale_c(int64_t m, int64_t n, T beta, T* C, int64_t ldc) {
    for (int64_t i = 0; i < m; ++i) {
        T* c = C + i * ldc;
        if (beta == T(0)) {
            for (int64_t j = 0; j < n; ++j) c[j] = T(0);
        } else if (beta != T(1)) {
            for (int64_t j = 0; j < n; ++j) c[j] *= beta;
        }
    }
}

#ifdef __AVX512F__
inline void transpose16_avx512(const float* src, int64_t ld, int64_t rows, int64_t kb,
                               float* dst, int64_t dst_ld, int lanes);
#endif

// Pack op(A)[i0:i0+mc, p0:p0+kc] into ceil(mc/MR) panels of MR x kc, stored
// k-major (panel[k*MR + r]); rows past mc are zero.
template <class T, int MR>
void pack_a(bool ta, const T* A, int64_t lda, int64_t i0, int64_t p0, int64_t mc, int64_t kc,
            T* dst) {
#ifdef __AVX512F__
    if constexpr (std::is_same_v<T, float>) {
        if (!ta) {
            // Row-major op(A): a transpose per panel, 16 rows x 16 k at a time
            // in registers, each output k-row stored masked to its MR lanes.
            for (int64_t ir = 0; ir < mc; ir += MR) {
                const int64_t mr = std::min<int64_t>(MR, mc - ir);
                T* d = dst + ir * kc;
                for (int64_t k0 = 0; k0 < kc; k0 += 16)
                    for (int r0 = 0; r0 < MR; r0 += 16) {
                        const int64_t rows = std::max<int64_t>(0, std::min<int64_t>(16, mr - r0));
                        const float* src = rows ? A + (i0 + ir + r0) * lda + p0 + k0 : A;
                        transpose16_avx512(src, lda, rows, std::min<int64_t>(16, kc - k0),
                                           d + k0 * MR + r0, MR, std::min(16, MR - r0));
                    }
            }
            return;
        }
    }
#endif
    for (int64_t ir = 0; ir < mc; ir += MR) {
        const int64_t mr = std::min<int64_t>(MR, mc - ir);
        T* d = dst + ir * kc;
        if (ta) {
            // op(A)[i, p] = A[p * lda + i]: each k reads mr contiguous values.
            const T* s = A + p0 * lda + (i0 + ir);
            for (int64_t k = 0; k < kc; ++k) {
                int64_t r = 0;
                for (; r < mr; ++r) d[k * MR + r] = s[k * lda + r];
                for (; r < MR; ++r) d[k * MR + r] = T(0);
            }
        } else {
            // op(A)[i, p] = A[i * lda + p]: each row is contiguous in k; a
            // transpose, in 16-deep slices of k as in pack_b_panel.
            for (int64_t k0 = 0; k0 < kc; k0 += 16) {
                const int64_t kb = std::min<int64_t>(16, kc - k0);
                for (int64_t r = 0; r < mr; ++r) {
                    const T* s = A + (i0 + ir + r) * lda + p0 + k0;
                    for (int64_t k = 0; k < kb; ++k) d[(k0 + k) * MR + r] = s[k];
                }
                for (int64_t k = 0; k < kb; ++k)
                    for (int64_t r = mr; r < MR; ++r) d[(k0 + k) * MR + r] = T(0);
            }
        }
    }
}

#ifdef __AVX512F__
// 16 x 16 float transpose for packing a transposed op(B) in the AVX-512 rung:
// dst[k * dst_ld + i] = src[i * ld + k] for i < rows, k < kb; rows past
// `rows` become zero (panel padding), only kb rows of dst are written.
// Three shuffle stages: pairs of rows (unpack ps), quads (unpack pd), then
// 128-bit lanes across the four quads (shuffle_f32x4).
// `lanes` (<= 16) limits each stored row of dst to its first `lanes` floats
// (masked store), for MR-wide A panels (pack_a).
inline void transpose16_avx512(const float* src, int64_t ld, int64_t rows, int64_t kb,
                               float* dst, int64_t dst_ld, int lanes = 16) {
    const __mmask16 sm = __mmask16((1u << lanes) - 1u);
    const __mmask16 km = __mmask16((1u << kb) - 1u);
    __m512 r[16], a[16], b[16];
    for (int i = 0; i < 16; ++i)
        r[i] = i < rows ? _mm512_maskz_loadu_ps(km, src + i * ld) : _mm512_setzero_ps();
    for (int i = 0; i < 8; ++i) {
        a[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        a[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int j = 0; j < 4; ++j) {
        const __m512d a0 = _mm512_castps_pd(a[4 * j]), a1 = _mm512_castps_pd(a[4 * j + 1]);
        const __m512d a2 = _mm512_castps_pd(a[4 * j + 2]), a3 = _mm512_castps_pd(a[4 * j + 3]);
        b[4 * j + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, a2));  // k = 0, 4, 8, 12
        b[4 * j + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, a2));  // k = 1, 5, 9, 13
        b[4 * j + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, a3));  // k = 2, 6, 10, 14
        b[4 * j + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, a3));  // k = 3, 7, 11, 15
    }
    for (int m = 0; m < 4; ++m) {
        const __m512 c0 = _mm512_shuffle_f32x4(b[m], b[4 + m], 0x44);
        const __m512 c1 = _mm512_shuffle_f32x4(b[m], b[4 + m], 0xEE);
        const __m512 c2 = _mm512_shuffle_f32x4(b[8 + m], b[12 + m], 0x44);
        const __m512 c3 = _mm512_shuffle_f32x4(b[8 + m], b[12 + m], 0xEE);
        const __m512 out[4] = {_mm512_shuffle_f32x4(c0, c2, 0x88), _mm512_shuffle_f32x4(c0, c2, 0xDD),
                               _mm512_shuffle_f32x4(c1, c3, 0x88), _mm512_shuffle_f32x4(c1, c3, 0xDD)};
        for (int q = 0; q < 4; ++q) {
            const int k = m + 4 * q;
            if (k < kb) _mm512_mask_storeu_ps(dst + k * dst_ld, sm, out[q]);
        }
    }
}
#endif

// Pack one NR-wide panel op(B)[p0:p0+kc, j0:j0+nr] as kc x NR (k-major),
// zero-padding columns past nr.
template <class T, int NR>
void pack_b_panel(bool tb, const T* B, int64_t ldb, int64_t p0, int64_t j0, int64_t nr,
                  int64_t kc, T* d) {
    if (!tb) {
        // op(B)[p, j] = B[p * ldb + j]: rows of the panel are contiguous.
        const T* s = B + p0 * ldb + j0;
        for (int64_t k = 0; k < kc; ++k) {
            int64_t c = 0;
            for (; c < nr; ++c) d[k * NR + c] = s[k * ldb + c];
            for (; c < NR; ++c) d[k * NR + c] = T(0);
        }
    } else {
#ifdef __AVX512F__
        if constexpr (std::is_same_v<T, float> && NR % 16 == 0) {
            for (int64_t k0 = 0; k0 < kc; k0 += 16)
                for (int64_t c0 = 0; c0 < NR; c0 += 16) {
                    const int64_t rows = std::max<int64_t>(0, std::min<int64_t>(16, nr - c0));
                    const float* src = rows ? B + (j0 + c0) * ldb + p0 + k0 : B;
                    transpose16_avx512(src, ldb, rows, std::min<int64_t>(16, kc - k0),
                                       d + k0 * NR + c0, NR);
                }
            return;
        }
#endif
        // op(B)[p, j] = B[j * ldb + p]: each column of the panel is contiguous.
        // A transpose: done in 16-deep slices of k so the NR source rows being
        // read (one cache line each) and the slice being written stay in L1;
        // column by column over the whole kc would miss L1 on every write.
        for (int64_t k0 = 0; k0 < kc; k0 += 16) {
            const int64_t kb = std::min<int64_t>(16, kc - k0);
            for (int64_t c = 0; c < nr; ++c) {
                const T* s = B + (j0 + c) * ldb + p0 + k0;
                for (int64_t k = 0; k < kb; ++k) d[(k0 + k) * NR + c] = s[k];
            }
            for (int64_t k = 0; k < kb; ++k)
                for (int64_t c = nr; c < NR; ++c) d[(k0 + k) * NR + c] = T(0);
        }
    }
}

// The register-blocked micro-kernel, written once over a vector-traits type
// `Vec` (load/set1/fma/... on one SIMD register of W lanes) that each rung
// file defines for its instruction set. It keeps an MR x (NV*W) tile of C in
// MR*NV registers for the whole k loop: per k it loads NV vectors of the B
// panel, broadcasts MR values of the A panel and issues MR*NV independent
// FMAs, enough to cover the FMA latency on both pipes.
//   C[0:MR, 0:NR] = alpha * Ap @ Bp + beta * C   (beta == 0: C not read)
template <class Vec, int MR_, int NV, int MC_, int KC_, int NC_>
struct RegKernel {
    using T = typename Vec::T;
    using V = typename Vec::V;
    static constexpr int MR = MR_, NR = NV * Vec::W;
    static constexpr int MC = MC_, KC = KC_, NC = NC_;

    static void full(int64_t kc, const T* Ap, const T* Bp, T* C, int64_t ldc, T alpha, T beta) {
        V acc[MR][NV];
#pragma GCC unroll 32
        for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[i][v] = Vec::zero();
#pragma GCC unroll 32
        for (int i = 0; i < MR; ++i) _mm_prefetch(reinterpret_cast<const char*>(C + i * ldc), _MM_HINT_T0);

        for (int64_t k = 0; k < kc; ++k) {
            V b[NV];
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) b[v] = Vec::load(Bp + v * Vec::W);
#pragma GCC unroll 32
            for (int i = 0; i < MR; ++i) {
                const V a = Vec::set1(Ap[i]);
#pragma GCC unroll 4
                for (int v = 0; v < NV; ++v) acc[i][v] = Vec::fma(a, b[v], acc[i][v]);
            }
            Ap += MR;
            Bp += NR;
        }

        const V va = Vec::set1(alpha);
        if (beta == T(0)) {
#pragma GCC unroll 32
            for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
                for (int v = 0; v < NV; ++v)
                    Vec::storeu(C + i * ldc + v * Vec::W, Vec::mul(va, acc[i][v]));
        } else {
            const V vb = Vec::set1(beta);
#pragma GCC unroll 32
            for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
                for (int v = 0; v < NV; ++v) {
                    T* c = C + i * ldc + v * Vec::W;
                    Vec::storeu(c, Vec::fma(va, acc[i][v], Vec::mul(vb, Vec::loadu(c))));
                }
        }
    }
};

// One MR x NR tile of C, possibly partial (m <= MR, n <= NR).
template <class Kern>
inline void run_tile(int64_t m, int64_t n, int64_t kc, const typename Kern::T* Ap,
                     const typename Kern::T* Bp, typename Kern::T* C, int64_t ldc,
                     typename Kern::T alpha, typename Kern::T beta) {
    using T = typename Kern::T;
    if (m == Kern::MR && n == Kern::NR) {
        Kern::full(kc, Ap, Bp, C, ldc, alpha, beta);
        return;
    }
    alignas(64) T tile[Kern::MR * Kern::NR];
    Kern::full(kc, Ap, Bp, tile, Kern::NR, T(1), T(0));
    for (int64_t i = 0; i < m; ++i) {
        T* c = C + i * ldc;
        const T* t = tile + i * Kern::NR;
        if (beta == T(0)) {
            for (int64_t j = 0; j < n; ++j) c[j] = alpha * t[j];
        } else {
            for (int64_t j = 0; j < n; ++j) c[j] = alpha * t[j] + beta * c[j];
        }
    }
}

// Threads worth using for 2*M*N*K flops: below ~4 MFLOP a fork/join and
// the shared-B barrier cost more than they save.
inline int gemm_threads(int64_t M, int64_t N, int64_t K) {
    int nt = get_num_threads();
#ifdef PDG_WITH_OPENMP
    if (omp_in_parallel()) return 1;
#endif
    const double flops = 2.0 * double(M) * double(N) * double(K);
    const int useful = int(std::max(1.0, flops / 2.0e6));
    return std::max(1, std::min(nt, useful));
}

template <class Kern>
void gemm_packed(bool ta, bool tb, int64_t M, int64_t N, int64_t K, typename Kern::T alpha,
                 const typename Kern::T* A, int64_t lda, const typename Kern::T* B, int64_t ldb,
                 typename Kern::T beta, typename Kern::T* C, int64_t ldc) {
    using T = typename Kern::T;
    constexpr int MR = Kern::MR, NR = Kern::NR;
    constexpr int64_t MC = Kern::MC, KC = Kern::KC, NC = Kern::NC;
    static_assert(MC % MR == 0 && NC % NR == 0, "cache blocks must hold whole tiles");
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == T(0)) {
        scale_c(M, N, beta, C, ldc);
        return;
    }

    const int nt = gemm_threads(M, N, K);

    // Split the work between threads either by rows of C (each thread packs
    // its own A, no duplicated work) or by NR panels of C's columns (every
    // thread packs the same A block): take whichever wastes fewer tile slots
    // on partial edge tiles. Small M (the skinny training shapes) goes by
    // columns.
    const int64_t m_tiles = ceil_div(M, MR), n_tiles = ceil_div(N, NR);
    const int64_t cost_rows = ceil_div(m_tiles, nt) * n_tiles;
    const int64_t cost_cols = m_tiles * ceil_div(std::min<int64_t>(n_tiles, NC / NR), nt) *
                              ceil_div(N, NC);
    const bool split_rows = nt == 1 || cost_rows <= cost_cols;

    // All scratch is taken here, in the calling thread, before any OpenMP
    // region: a throw inside one would terminate the process.
    thread_local ScratchBlock b_scratch, a_scratch;
    const int64_t nc_max = std::min<int64_t>(NC, ceil_div(N, NR) * NR);
    const int64_t kc_max = std::min<int64_t>(KC, K);
    const int64_t mc_max = std::min<int64_t>(MC, ceil_div(M, MR) * MR);
    T* bpack = static_cast<T*>(b_scratch.get(sizeof(T) * size_t(kc_max * nc_max)));
    const size_t a_elems = size_t((mc_max * kc_max + 63) / 64 * 64);
    T* apack_all = static_cast<T*>(a_scratch.get(sizeof(T) * a_elems * size_t(nt)));

    auto body = [&](int tid, int nth) {
        T* apack = apack_all + size_t(tid) * a_elems;
        // From the team size OpenMP actually gave (it may give fewer than nt).
        const int64_t rows_per_thread = ceil_div(m_tiles, nth) * MR;
        for (int64_t jc = 0; jc < N; jc += NC) {
            const int64_t nc = std::min<int64_t>(NC, N - jc);
            const int64_t npanels = ceil_div(nc, NR);
            for (int64_t pc = 0; pc < K; pc += KC) {
                const int64_t kc = std::min<int64_t>(KC, K - pc);
                const T beta_eff = pc == 0 ? beta : T(1);

                // Pack B together: thread t packs panels [b0, b1).
                {
                    const int64_t per = ceil_div(npanels, nth);
                    const int64_t b0 = std::min(npanels, tid * per);
                    const int64_t b1 = std::min(npanels, b0 + per);
                    for (int64_t p = b0; p < b1; ++p)
                        pack_b_panel<T, NR>(tb, B, ldb, pc, jc + p * NR,
                                            std::min<int64_t>(NR, nc - p * NR), kc,
                                            bpack + p * NR * kc);
                }
#ifdef PDG_WITH_OPENMP
                if (nth > 1) {
#pragma omp barrier
                }
#endif
                int64_t r0 = 0, r1 = M, q0 = 0, q1 = npanels;
                if (split_rows) {
                    r0 = std::min(M, tid * rows_per_thread);
                    r1 = std::min(M, r0 + rows_per_thread);
                } else {
                    const int64_t per = ceil_div(npanels, nth);
                    q0 = std::min(npanels, tid * per);
                    q1 = std::min(npanels, q0 + per);
                }
                if (q0 < q1) {
                    for (int64_t ic = r0; ic < r1; ic += MC) {
                        const int64_t mc = std::min<int64_t>(MC, r1 - ic);
                        pack_a<T, MR>(ta, A, lda, ic, pc, mc, kc, apack);
                        for (int64_t q = q0; q < q1; ++q) {
                            const int64_t n = std::min<int64_t>(NR, nc - q * NR);
                            const T* bp = bpack + q * NR * kc;
                            T* cq = C + ic * ldc + jc + q * NR;
                            for (int64_t ir = 0; ir < mc; ir += MR) {
                                run_tile<Kern>(std::min<int64_t>(MR, mc - ir), n, kc,
                                               apack + ir * kc, bp, cq + ir * ldc, ldc, alpha,
                                               beta_eff);
                            }
                        }
                    }
                }
#ifdef PDG_WITH_OPENMP
                if (nth > 1) {
#pragma omp barrier
                }
#endif
            }
        }
    };

#ifdef PDG_WITH_OPENMP
    if (nt > 1) {
#pragma omp parallel num_threads(nt)
        body(omp_get_thread_num(), omp_get_num_threads());
        return;
    }
#endif
    body(0, 1);
}


// ---- pre-packed B (gemm_prepacked, prepacked.h) ----------------------------------
//
// The whole of op(B) (K x N) packed once for Kern, to be reused by many GEMMs
// with the same B (the recurrent weight of an RNN, one product per time
// step). Layout: K blocks of KC rows; block pc starts at pc * Np (Np = N
// rounded up to NR) and holds ceil(N / NR) panels of kc x NR, panel q at
// q * NR * kc: exactly the bpack of gemm_packed for one (jc, pc) with NC = Np.
template <class Kern>
int64_t packed_b_elems(int64_t K, int64_t N) {
    return K * ceil_div(N, Kern::NR) * Kern::NR;
}

template <class Kern>
void pack_b_all(bool tb, int64_t K, int64_t N, const typename Kern::T* B, int64_t ldb,
                typename Kern::T* dst) {
    constexpr int NR = Kern::NR;
    constexpr int64_t KC = Kern::KC;
    const int64_t Np = ceil_div(N, NR) * NR;
    for (int64_t pc = 0; pc < K; pc += KC) {
        const int64_t kc = std::min<int64_t>(KC, K - pc);
        for (int64_t q = 0; q * NR < N; ++q)
            pack_b_panel<typename Kern::T, NR>(tb, B, ldb, pc, q * NR,
                                               std::min<int64_t>(NR, N - q * NR), kc,
                                               dst + pc * Np + q * NR * kc);
    }
}

// C = alpha * op(A) @ Bp + beta * C with Bp from pack_b_all<Kern>. Same loops
// as gemm_packed minus the jc loop and the B packing; big products split C's
// rows between threads (each packs its own A), small ones (and calls from
// inside a parallel region, as in the RNN kernels) run on the calling thread.
template <class Kern>
void gemm_prepacked_run(bool ta, int64_t M, int64_t N, int64_t K, typename Kern::T alpha,
                        const typename Kern::T* A, int64_t lda, const typename Kern::T* Bp,
                        typename Kern::T beta, typename Kern::T* C, int64_t ldc) {
    using T = typename Kern::T;
    constexpr int MR = Kern::MR, NR = Kern::NR;
    constexpr int64_t MC = Kern::MC, KC = Kern::KC;
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == T(0)) {
        scale_c(M, N, beta, C, ldc);
        return;
    }
    const int64_t Np = ceil_div(N, NR) * NR;
    const int64_t m_tiles = ceil_div(M, MR);
    const int nt = int(std::min<int64_t>(gemm_threads(M, N, K), m_tiles));

    thread_local ScratchBlock a_scratch;
    const int64_t kc_max = std::min<int64_t>(KC, K);
    const int64_t mc_max = std::min<int64_t>(MC, m_tiles * MR);
    const size_t a_elems = size_t((mc_max * kc_max + 63) / 64 * 64);
    T* apack_all = static_cast<T*>(a_scratch.get(sizeof(T) * a_elems * size_t(nt)));

    auto body = [&](int tid, int nth) {
        T* apack = apack_all + size_t(tid) * a_elems;
        const int64_t rows_per_thread = ceil_div(m_tiles, nth) * MR;
        const int64_t r0 = std::min(M, tid * rows_per_thread);
        const int64_t r1 = std::min(M, r0 + rows_per_thread);
        for (int64_t pc = 0; pc < K; pc += KC) {
            const int64_t kc = std::min<int64_t>(KC, K - pc);
            const T beta_eff = pc == 0 ? beta : T(1);
            const T* bblock = Bp + pc * Np;
            for (int64_t ic = r0; ic < r1; ic += MC) {
                const int64_t mc = std::min<int64_t>(MC, r1 - ic);
                pack_a<T, MR>(ta, A, lda, ic, pc, mc, kc, apack);
                for (int64_t q = 0; q * NR < N; ++q) {
                    const int64_t n = std::min<int64_t>(NR, N - q * NR);
                    const T* bp = bblock + q * NR * kc;
                    T* cq = C + ic * ldc + q * NR;
                    for (int64_t ir = 0; ir < mc; ir += MR)
                        run_tile<Kern>(std::min<int64_t>(MR, mc - ir), n, kc, apack + ir * kc,
                                       bp, cq + ir * ldc, ldc, alpha, beta_eff);
                }
            }
        }
    };
#ifdef PDG_WITH_OPENMP
    if (nt > 1) {
#pragma omp parallel num_threads(nt)
        body(omp_get_thread_num(), omp_get_num_threads());
        return;
    }
#endif
    body(0, 1);
}

}  // namespace
}  // namespace pdg::PDG_ISA
