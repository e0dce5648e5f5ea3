// Rung 04: the packed driver of rung 03 (packed.h) with an AVX-512 micro-kernel.
// What it adds: 32 zmm registers hold a 6 x 64 float tile of C (24
// accumulators + 4 B vectors + 1 broadcast), half of rung 03's instructions
// per flop; narrow C gets a 28 x 16 tile; transposed B is packed with
// 16 x 16 register transposes. B panels are packed once per KC block, shared.
// Narrow float C (N <= 48, not a multiple of 16) is computed as C^T =
// op(B)^T op(A)^T and transposed out (gemm_04_transposed_c_f32).
// Preconditions: cpu_has_avx512() (gemm.cpp checks before calling).
// Speed: 104-108 GFLOP/s at 1024-2048, 1 thread, quiet Zen 4 (90-93% of the
// measured 116 GFLOP/s peak; OpenBLAS's AVX-512 sgemm 96-104 in the same run).
// Kernels overwrite their outputs; only autograd accumulates gradients.
#include <immintrin.h>


#include "cpu/gemm/gemm.h"
#include "cpu/gemm/packed.h"
#include "cpu/gemm/prepacked.h"
#include "cpu/gemm/zmm_traits_avx512.h"

namespace pdg::avx512 {
namespace {

struct Zmm64 {
    using T = double;
    using V = __m512d;
    static constexpr int W = 8;
    static V load(const T* p) { return _mm512_load_pd(p); }
    static V loadu(const T* p) { return _mm512_loadu_pd(p); }
    static void storeu(T* p, V v) { _mm512_storeu_pd(p, v); }
    static V set1(T x) { return _mm512_set1_pd(x); }
    static V zero() { return _mm512_setzero_pd(); }
    static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
    static V mul(V a, V b) { return _mm512_mul_pd(a, b); }
};

// Tile and blocks measured on the 2-core Zen 4 test machine (docs/gemm.md):
// 6 x 64 and 14 x 32 tiles tie within noise; a long KC (512) halves the
// passes over C and beat KC = 128..256 by 5-15% at 1024^3. The B
// micro-panel (KC x 64 floats = 128 KiB) streams from L2 and the 6 x KC A
// micro-panel (12 KiB) stays in L1.
using KernF32 = RegKernel<Zmm32, 6, 4, 48, 512, 1024>;
using KernF64 = RegKernel<Zmm64, 6, 4, 48, 256, 1024>;
// Narrow C (e.g. a 10-class output layer) would waste most of a 64-wide tile
// on zero padding: a taller, narrower tile keeps the FMAs useful.
using KernF32N16 = RegKernel<Zmm32, 28, 1, 112, 512, 1024>;
using KernF64N8 = RegKernel<Zmm64, 28, 1, 112, 256, 1024>;
using KernF64N16 = RegKernel<Zmm64, 14, 2, 56, 256, 1024>;

// Elements of C computed when M x N is covered by whole MR x NR tiles.
double padded_area(int64_t M, int64_t N, int64_t mr, int64_t nr) {
    return double(ceil_div(M, mr) * mr) * double(ceil_div(N, nr) * nr);
}

}  // namespace

// The float product as laid out by the caller: pick the tile and run.
static void gemm_04_direct_f32(bool ta, bool tb, int64_t M, int64_t N, int64_t K,
                               float alpha, const float* A, int64_t lda, const float* B,
                               int64_t ldb, float beta, float* C, int64_t ldc) {
    // 6 x 64 unless the 28 x 16 tile pads at least 4% less of C: narrow
    // outputs (N = 10: 6 x 64 computes 6.4x the useful lanes) and sizes like
    // 128 x 400 (28 x 16 pads 9%, 6 x 64 16%; measured 95 vs 92 GFLOP/s).
    // 28 x 16 is otherwise ~20% slower (1 B load per 28 FMAs, more C traffic).
    if (padded_area(M, N, 28, 16) < 0.96 * padded_area(M, N, 6, 64))
        gemm_packed<KernF32N16>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    else
        gemm_packed<KernF32>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

// Narrow C whose width the 16-lane tiles would pad (N <= 48, N % 16 != 0,
// M >= 16, K <= 1024): compute C^T = op(B)^T op(A)^T (N x M) into a scratch
// block and transpose it out. The narrow side becomes M (rows of the 6 x 64
// tile, padded to 6 instead of 16), and the big operand op(A) is packed as
// a B panel. Measured 1 thread, us, direct -> transposed (after the SIMD
// pack_a): 64x256@256x10 9.4 -> 7.0 (OpenBLAS ~6), 64x256@256x20 15.8 ->
// 12.0, 64x256@256x1 9.1 -> 4.7, 128x784@784x40 (NT) 105 -> 90,
// 1000x100@100x10 40 -> 36. Not taken where it lost: N a multiple of 16
// (64x256@256x32 15.0 vs 16.2, 3200x512@512x32 1190 vs 1408), M < 16
// (8x256@256x10 4.1 vs 4.6), K > 1024 (512x3200@3200x32 8% slower).
static bool gemm_04_transposed_c_f32(bool ta, bool tb, int64_t M, int64_t N, int64_t K,
                                     float alpha, const float* A, int64_t lda, const float* B,
                                     int64_t ldb, float beta, float* C, int64_t ldc) {
    if (!(N <= 48 && N % 16 != 0 && M >= 16 && K > 0 && K <= 1024 && M * N <= (int64_t(1) << 20) &&
          alpha != 0.0f))
        return false;
    thread_local ScratchBlock ct_scratch;
    float* ct = static_cast<float*>(ct_scratch.get(sizeof(float) * size_t(M * N)));
    // op'(A') = op(B)^T: B itself, transposed unless tb; op'(B') = op(A)^T likewise.
    gemm_04_direct_f32(!tb, !ta, N, M, K, alpha, B, ldb, A, lda, 0.0f, ct, M);
    for (int64_t i = 0; i < M; ++i) {
        float* c = C + i * ldc;
        if (beta == 0.0f) {
            for (int64_t j = 0; j < N; ++j) c[j] = ct[j * M + i];
        } else {
            for (int64_t j = 0; j < N; ++j) c[j] = ct[j * M + i] + beta * c[j];
        }
    }
    return true;
}

template <class T>
void gemm_04_packed_avx512(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                           int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
    if constexpr (std::is_same_v<T, float>) {
        if (!gemm_04_transposed_c_f32(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc))
            gemm_04_direct_f32(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    } else {
        if (N <= 8)
            gemm_packed<KernF64N8>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        else if (N <= 16)
            gemm_packed<KernF64N16>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        else
            gemm_packed<KernF64>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    }
}

template void gemm_04_packed_avx512<float>(bool, bool, int64_t, int64_t, int64_t, float,
                                           const float*, int64_t, const float*, int64_t, float,
                                           float*, int64_t);
template void gemm_04_packed_avx512<double>(bool, bool, int64_t, int64_t, int64_t, double,
                                            const double*, int64_t, const double*, int64_t,
                                            double, double*, int64_t);


namespace {
template <class Kern>
PackedPanelsF32 pack_b_with(bool trans_b, int64_t K, int64_t N, const float* B, int64_t ldb) {
    const size_t bytes = sizeof(float) * size_t(std::max<int64_t>(packed_b_elems<Kern>(K, N), 16));
    float* p = static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
    if (!p) throw std::bad_alloc();
    pack_b_all<Kern>(trans_b, K, N, B, ldb, p);
    return {p, gemm_prepacked_run<Kern>};
}
}  // namespace

// Pre-packed B (prepacked.h): the tile gemm_04_packed_avx512 would pick for
// an M = m_hint product.
PackedPanelsF32 gemm_04_pack_b_f32(bool trans_b, int64_t K, int64_t N, const float* B,
                                   int64_t ldb, int64_t m_hint) {
    const int64_t m = m_hint > 0 ? m_hint : 64;
    if (padded_area(m, N, 28, 16) < 0.96 * padded_area(m, N, 6, 64))
        return pack_b_with<KernF32N16>(trans_b, K, N, B, ldb);
    return pack_b_with<KernF32>(trans_b, K, N, B, ldb);
}

}  // namespace pdg::avx512
