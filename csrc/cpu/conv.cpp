// 2-D convolution (forward, backward-input, backward-weight/bias) and the
// transposed convolution built from the same three pieces. See conv.h.
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
//
// Fast rung (02_im2col), per image n and group g:
//   forward     out[n,g] (OCg x P)  = W[g] (OCg x K) @ col(x[n,g]) (K x P)
//   bwd-input   dcol (K x P)        = W[g]^T @ dout[n,g];  dx[n,g] = col2im(dcol)
//   bwd-weight  dW[g] (OCg x K)    += dout[n,g] @ col(x[n,g])^T
// with K = C/G*KH*KW and P = OH*OW. Images are split into one contiguous
// chunk per thread (each with its own col workspace and, for dW, its own
// partial sum, so the result does not depend on scheduling); with fewer
// images than threads the loop is serial and pdg::gemm threads itself.
// Workspaces come from the caching allocator, so steady-state training does
// not page-fault.
#include "cpu/conv.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "core/cpu_features.h"
#include "core/dtype.h"
#include "core/parallel.h"
#if PDG_X86_SIMD
#include "cpu/conv_avx512.h"
#endif
#include "cpu/gemm/gemm.h"

namespace pdg {

std::string ConvGeom::str() const {
    return pdg::str("input ", shape_str({N, C, H, W}), ", weight ", shape_str({OC, Cg(), KH, KW}),
                    ", output ", shape_str({N, OC, OH, OW}), ", stride (", sh, ", ", sw,
                    "), padding (", ph, ", ", pw, "), dilation (", dh, ", ", dw, "), groups ", G);
}

ConvGeom make_conv_geom(const std::string& op, int64_t N, int64_t C, int64_t H, int64_t W,
                        int64_t OC, int64_t KH, int64_t KW, int64_t OH, int64_t OW, int64_t sh,
                        int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw, int64_t G) {
    ConvGeom g;
    g.op = op;
    g.N = N, g.C = C, g.H = H, g.W = W, g.OC = OC, g.KH = KH, g.KW = KW, g.OH = OH, g.OW = OW;
    g.sh = sh, g.sw = sw, g.ph = ph, g.pw = pw, g.dh = dh, g.dw = dw, g.G = std::max<int64_t>(G, 1);
    PDG_CHECK(G >= 1, op, ": groups must be positive, got ", G);
    PDG_CHECK(N >= 0 && H >= 0 && W >= 0, op, ": negative input size ", shape_str({N, C, H, W}));
    PDG_CHECK(C >= 1 && OC >= 1, op, ": channels must be positive, got in ", C, ", out ", OC);
    PDG_CHECK(C % G == 0 && OC % G == 0, op, ": channels (in ", C, ", out ", OC,
              ") must be divisible by groups ", G);
    PDG_CHECK(KH >= 1 && KW >= 1, op, ": kernel size must be positive, got (", KH, ", ", KW, ")");
    PDG_CHECK(sh >= 1 && sw >= 1, op, ": stride must be positive, got (", sh, ", ", sw, ")");
    PDG_CHECK(dh >= 1 && dw >= 1, op, ": dilation must be positive, got (", dh, ", ", dw, ")");
    PDG_CHECK(ph >= 0 && pw >= 0, op, ": padding must be non-negative, got (", ph, ", ", pw, ")");
    PDG_CHECK(OH >= 1 && OW >= 1, op, ": output size (", OH, ", ", OW,
              ") is too small: ", g.str());
    return g;
}

namespace {

enum class Variant { Reference, Im2col, Batched, Avx512 };

std::string& forced_variant() {
    static std::string v = "auto";
    return v;
}

Variant resolve(const std::string& requested) {
    const std::string& v = requested.empty() ? forced_variant() : requested;
    if (v == "auto") return cpu_has_avx512() ? Variant::Avx512 : Variant::Batched;
    if (v == "04_im2col_avx512") {
        if (!cpu_has_avx512())
            throw ValueError(str("conv: variant '04_im2col_avx512' is not supported: ",
                                 simd_level_explained()));
        return Variant::Avx512;
    }
    if (v == "03_im2col_batched") return Variant::Batched;
    if (v == "02_im2col") return Variant::Im2col;
    if (v == "01_reference") return Variant::Reference;
    throw ValueError(str("conv: unknown variant '", v,
                         "' (known: auto, 01_reference, 02_im2col, 03_im2col_batched, 04_im2col_avx512)"));
}

// Chunks of images: one per thread when there are at least as many images
// as threads, else one chunk (and the GEMMs thread themselves).
int num_chunks(int64_t N) {
    const int nt = get_num_threads();
    return (nt > 1 && N >= nt) ? nt : 1;
}

// f(chunk, begin, end) over `chunks` contiguous ranges of [0, n).
template <class F>
void for_each_chunk(int64_t n, int chunks, const F& f) {
    const int64_t per = (n + chunks - 1) / std::max(chunks, 1);
#ifdef PDG_WITH_OPENMP
    if (chunks > 1) {
#pragma omp parallel for num_threads(chunks) schedule(static, 1)
        for (int t = 0; t < chunks; ++t) {
            const int64_t b = t * per, e = std::min(n, b + per);
            if (b < e) f(t, b, e);
        }
        return;
    }
#endif
    if (n > 0) f(0, int64_t(0), n);
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Output columns [ow0, ow1) whose input column ow*sw + off lies in [0, W).
void valid_cols(int64_t off, int64_t W, int64_t sw, int64_t OW, int64_t& ow0, int64_t& ow1) {
    ow0 = off >= 0 ? 0 : ceil_div(-off, sw);
    ow1 = (W - 1 - off) < 0 ? 0 : (W - 1 - off) / sw + 1;
    ow1 = std::min(ow1, OW);
    ow0 = std::min(ow0, ow1);
}

// dst[0, n) = src[0, n). Rows of small images (LeNet c2: 8 floats) are far
// too short for a memcpy call, so short rows copy in inlined 4-element blocks.
template <class T>
inline void copy_row(T* dst, const T* src, int64_t n) {
    if (n >= 16) {
        std::memcpy(dst, src, size_t(n) * sizeof(T));
        return;
    }
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) std::memcpy(dst + i, src + i, 4 * sizeof(T));
    for (; i < n; ++i) dst[i] = src[i];
}

// col (K x P, rows ld apart) <- patches of x (Cg, H, W); zero where the
// window hits padding. ld > P lays several images' columns side by side.
template <class T>
void im2col(const T* x, T* col, const ConvGeom& g, int64_t ld) {
    const int64_t P = ld;
    for (int64_t c = 0; c < g.Cg(); ++c) {
        const T* xc = x + c * g.H * g.W;
        for (int64_t kh = 0; kh < g.KH; ++kh) {
            for (int64_t kw = 0; kw < g.KW; ++kw) {
                T* row = col + ((c * g.KH + kh) * g.KW + kw) * P;
                const int64_t off_w = kw * g.dw - g.pw;
                int64_t ow0, ow1;
                valid_cols(off_w, g.W, g.sw, g.OW, ow0, ow1);
                for (int64_t oh = 0; oh < g.OH; ++oh) {
                    T* r = row + oh * g.OW;
                    const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
                    if (ih < 0 || ih >= g.H) {
                        std::fill(r, r + g.OW, T(0));
                        continue;
                    }
                    const T* xr = xc + ih * g.W + off_w;
                    std::fill(r, r + ow0, T(0));
                    if (g.sw == 1) {
                        copy_row(r + ow0, xr + ow0, ow1 - ow0);
                    } else if (g.sw == 2) {  // constant stride: an interleaved load the compiler vectorises
                        for (int64_t ow = ow0; ow < ow1; ++ow) r[ow] = xr[2 * ow];
                    } else {
                        for (int64_t ow = ow0; ow < ow1; ++ow) r[ow] = xr[ow * g.sw];
                    }
                    std::fill(r + ow1, r + g.OW, T(0));
                }
            }
        }
    }
}

// x (Cg, H, W) += scatter of col (K x P, rows ld apart); the inverse wiring of im2col.
template <class T>
void col2im_add(const T* col, T* x, const ConvGeom& g, int64_t ld) {
    const int64_t P = ld;
    for (int64_t c = 0; c < g.Cg(); ++c) {
        T* xc = x + c * g.H * g.W;
        for (int64_t kh = 0; kh < g.KH; ++kh) {
            for (int64_t kw = 0; kw < g.KW; ++kw) {
                const T* row = col + ((c * g.KH + kh) * g.KW + kw) * P;
                const int64_t off_w = kw * g.dw - g.pw;
                int64_t ow0, ow1;
                valid_cols(off_w, g.W, g.sw, g.OW, ow0, ow1);
                for (int64_t oh = 0; oh < g.OH; ++oh) {
                    const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
                    if (ih < 0 || ih >= g.H) continue;
                    const T* r = row + oh * g.OW;
                    T* xr = xc + ih * g.W + off_w;
                    if (g.sw == 1) {
                        for (int64_t ow = ow0; ow < ow1; ++ow) xr[ow] += r[ow];
                    } else if (g.sw == 2) {
                        for (int64_t ow = ow0; ow < ow1; ++ow) xr[2 * ow] += r[ow];
                    } else {
                        for (int64_t ow = ow0; ow < ow1; ++ow) xr[ow * g.sw] += r[ow];
                    }
                }
            }
        }
    }
}

// im2col / col2im_add of the rung: 04 moves float32 rows with AVX-512 masked
// vectors (conv_avx512.cpp); float64 and the other rungs use the loops above.
template <class T>
void im2col_v(Variant v, const T* x, T* col, const ConvGeom& g, int64_t ld) {
#if PDG_X86_SIMD
    if constexpr (std::is_same_v<T, float>) {
        if (v == Variant::Avx512) return avx512::im2col_f32_avx512(x, col, g, ld);
    }
#endif
    im2col(x, col, g, ld);
}

// x (Cg, H, W) = col2im(col), overwritten.
template <class T>
void col2im_v(Variant v, const T* col, T* x, const ConvGeom& g, int64_t ld) {
#if PDG_X86_SIMD
    if constexpr (std::is_same_v<T, float>) {
        if (v == Variant::Avx512) return avx512::col2im_f32_avx512(col, x, g, ld);
    }
#endif
    std::fill(x, x + g.Cg() * g.H * g.W, T(0));
    col2im_add(col, x, g, ld);
}

// A 1x1 stride-1 unpadded conv reads x[n,g] as its col matrix directly.
bool is_pointwise(const ConvGeom& g) {
    return g.KH == 1 && g.KW == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 &&
           g.OH == g.H && g.OW == g.W;
}

template <class T>
Buffer workspace(int64_t n) {
    return Buffer::empty(std::max<int64_t>(n, 1), dtype_of<T>::value);
}

// ---------------------------------------------------------------- 02_im2col
// One output pixel per image (P == 1, groups == 1: a DCGAN generator's first
// layer seen as a conv, a discriminator's last): per-image GEMMs would be
// matrix-vector products that re-pack W for every image, so the whole batch
// becomes one GEMM over an (N x K) matrix of patches instead.
bool batch_as_one_gemm(const ConvGeom& g) { return g.P() == 1 && g.G == 1; }

template <class T>
void im2col_batch(const T* x, T* cols, const ConvGeom& g) {
    parallel_for(g.N, std::max<int64_t>(1, 4096 / std::max<int64_t>(g.K(), 1)),
                 [&](int64_t b, int64_t e) {
                     for (int64_t n = b; n < e; ++n)
                         im2col(x + n * g.C * g.H * g.W, cols + n * g.K(), g, g.P());
                 });
}

// The window covers the whole unpadded image (a DCGAN generator's first
// layer, a discriminator's last): image n's patch row is x[n] itself, in
// col order (c, kh, kw) = (c, h, w), so no im2col / col2im is needed.
bool window_is_image(const ConvGeom& g) {
    return g.OH == 1 && g.OW == 1 && g.KH == g.H && g.KW == g.W && g.ph == 0 && g.pw == 0 &&
           g.dh == 1 && g.dw == 1;
}

template <class T>
void forward_one_pixel(T* out, const T* x, const T* w, const T* bias, const ConvGeom& g) {
    const int64_t K = g.K();
    const bool whole = window_is_image(g);
    Buffer ws = workspace<T>(whole ? 0 : g.N * K);
    const T* cols = x;
    if (!whole) {
        im2col_batch(x, ws.data<T>(), g);
        cols = ws.data<T>();
    }
    if (bias)
        for (int64_t n = 0; n < g.N; ++n) std::copy(bias, bias + g.OC, out + n * g.OC);
    // out (N x OC) = cols (N x K) @ W^T
    gemm<T>(false, true, g.N, g.OC, K, T(1), cols, K, w, K, T(bias ? 1 : 0), out, g.OC);
}

template <class T>
void backward_input_one_pixel(T* dx, const T* dy, const T* w, const ConvGeom& g) {
    const int64_t K = g.K(), img = g.C * g.H * g.W;
    if (window_is_image(g)) {  // dx (N x K) = dy (N x OC) @ W (OC x K)
        gemm<T>(false, false, g.N, K, g.OC, T(1), dy, g.OC, w, K, T(0), dx, K);
        return;
    }
    Buffer ws = workspace<T>(g.N * K);
    T* dcols = ws.data<T>();
    // dcols (N x K) = dy (N x OC) @ W (OC x K), then scatter each image's row
    gemm<T>(false, false, g.N, K, g.OC, T(1), dy, g.OC, w, K, T(0), dcols, K);
    parallel_for(g.N, std::max<int64_t>(1, 4096 / std::max<int64_t>(K, 1)),
                 [&](int64_t b, int64_t e) {
                     for (int64_t n = b; n < e; ++n) {
                         std::fill(dx + n * img, dx + (n + 1) * img, T(0));
                         col2im_add(dcols + n * K, dx + n * img, g, g.P());
                     }
                 });
}

template <class T>
void backward_weight_one_pixel(T* dw, const T* dy, const T* x, const ConvGeom& g) {
    const int64_t K = g.K();
    const bool whole = window_is_image(g);
    Buffer ws = workspace<T>(whole ? 0 : g.N * K);
    const T* cols = x;
    if (!whole) {
        im2col_batch(x, ws.data<T>(), g);
        cols = ws.data<T>();
    }
    // dW (OC x K) = dy^T (OC x N) @ cols (N x K)
    gemm<T>(true, false, g.OC, K, g.N, T(1), dy, g.OC, cols, K, T(0), dw, K);
}

// Images per GEMM. With few output pixels per image (P) the per-image GEMMs
// are skinny (N = P, or K = P for dW): packing, edge tiles and, for dW, the
// read-modify-write of the whole dW per image dominate. 03_im2col_batched
// lays `B` images' columns side by side (N = B*P, ~kTargetCols) at the cost
// of gathering/scattering the (OCg x B*P) GEMM operand that is not NCHW.
// 02_im2col is B = 1 (no copies). The col workspace stays under kMaxWs.
constexpr int64_t kTargetCols = 512;
constexpr int64_t kMaxWs = int64_t(1) << 21;  // elements (8 MiB of float32)

int64_t images_per_gemm(Variant v, const ConvGeom& g, int64_t chunk) {
    if (v == Variant::Im2col || is_pointwise(g)) return 1;
    const int64_t P = std::max<int64_t>(g.P(), 1);
    int64_t B = (kTargetCols + P - 1) / P;
    B = std::min(B, std::max<int64_t>(1, kMaxWs / std::max<int64_t>(g.K() * P, 1)));
    return std::max<int64_t>(1, std::min(B, chunk));
}

// The largest chunk of images one thread gets.
int64_t chunk_len(int64_t N, int chunks) { return (N + chunks - 1) / std::max(chunks, 1); }

// tmp (OCg x nb*P) <- dy[n0 .. n0+nb, group grp] (each image's block is OCg x P).
template <class T>
void gather_images(T* tmp, const T* dy, int64_t n0, int64_t nb, int64_t grp, const ConvGeom& g) {
    const int64_t P = g.P(), OCg = g.OCg(), ld = nb * P;
    for (int64_t i = 0; i < nb; ++i) {
        const T* src = dy + ((n0 + i) * g.OC + grp * OCg) * P;
        for (int64_t oc = 0; oc < OCg; ++oc)
            std::memcpy(tmp + oc * ld + i * P, src + oc * P, size_t(P) * sizeof(T));
    }
}

// How the im2col passes cut the batch: `chunks` ranges of images (one per thread), B
// images per GEMM, and per chunk a workspace of `cs` elements of patch columns (none
// for pointwise convs, which read the input directly) plus `ts` elements of GEMM output
// staging (only when several images share one GEMM). Shared by all three passes.
struct Im2colPlan {
    bool direct;
    int chunks;
    int64_t B, cs, ts;
    Im2colPlan(Variant v, const ConvGeom& g)
        : direct(is_pointwise(g)),
          chunks(num_chunks(g.N)),
          B(images_per_gemm(v, g, chunk_len(g.N, chunks))),
          cs(direct ? 0 : g.K() * B * g.P()),
          ts(B > 1 ? g.OCg() * B * g.P() : 0) {}
    int64_t per_chunk() const { return cs + ts; }
};

template <class T>
void forward_im2col(Variant v, T* out, const T* x, const T* w, const T* bias,
                    const ConvGeom& g) {
    if (batch_as_one_gemm(g)) return forward_one_pixel(out, x, w, bias, g);
#if PDG_X86_SIMD
    if constexpr (std::is_same_v<T, float>) {
        if (v == Variant::Avx512 && avx512::conv_implicit_f32_supported(g))
            return avx512::conv2d_forward_implicit_f32_avx512(out, x, w, bias, g);
    }
#endif
    const int64_t K = g.K(), P = g.P(), Cg = g.Cg(), OCg = g.OCg();
    const Im2colPlan plan(v, g);
    const bool direct = plan.direct;
    const int chunks = plan.chunks;
    const int64_t B = plan.B, cs = plan.cs, ts = plan.ts;
    Buffer ws = workspace<T>(chunks * (cs + ts));
    for_each_chunk(g.N, chunks, [&](int t, int64_t b, int64_t e) {
        T* col = ws.data<T>() + t * (cs + ts);
        T* tmp = col + cs;
        for (int64_t n0 = b; n0 < e; n0 += B) {
            const int64_t nb = std::min(B, e - n0), ld = nb * P;
            for (int64_t grp = 0; grp < g.G; ++grp) {
                const T* B_ = x + (n0 * g.C + grp * Cg) * g.H * g.W;
                if (!direct) {
                    for (int64_t i = 0; i < nb; ++i)
                        im2col_v(v, x + ((n0 + i) * g.C + grp * Cg) * g.H * g.W, col + i * P, g, ld);
                    B_ = col;
                }
                if (nb == 1) {  // straight into out[n0, group]
                    T* og = out + (n0 * g.OC + grp * OCg) * P;
                    T beta = 0;
                    if (bias) {
                        for (int64_t oc = 0; oc < OCg; ++oc)
                            std::fill(og + oc * P, og + (oc + 1) * P, bias[grp * OCg + oc]);
                        beta = 1;
                    }
                    gemm<T>(false, false, OCg, P, K, T(1), w + grp * OCg * K, K, B_, P, beta, og, P);
                    continue;
                }
                gemm<T>(false, false, OCg, ld, K, T(1), w + grp * OCg * K, K, B_, ld, T(0), tmp, ld);
                for (int64_t i = 0; i < nb; ++i) {
                    T* og = out + ((n0 + i) * g.OC + grp * OCg) * P;
                    for (int64_t oc = 0; oc < OCg; ++oc) {
                        const T* src = tmp + oc * ld + i * P;
                        T* dst = og + oc * P;
                        if (bias) {
                            const T bc = bias[grp * OCg + oc];
                            for (int64_t p = 0; p < P; ++p) dst[p] = src[p] + bc;
                        } else {
                            std::memcpy(dst, src, size_t(P) * sizeof(T));
                        }
                    }
                }
            }
        }
    });
}

template <class T>
void backward_input_im2col(Variant v, T* dx, const T* dy, const T* w, const ConvGeom& g) {
    if (batch_as_one_gemm(g)) return backward_input_one_pixel(dx, dy, w, g);
    const int64_t K = g.K(), P = g.P(), Cg = g.Cg(), OCg = g.OCg();
    const Im2colPlan plan(v, g);
    const bool direct = plan.direct;
    const int chunks = plan.chunks;
    const int64_t B = plan.B, cs = plan.cs, ts = plan.ts;
    Buffer ws = workspace<T>(chunks * (cs + ts));
    for_each_chunk(g.N, chunks, [&](int t, int64_t b, int64_t e) {
        T* dcol = ws.data<T>() + t * (cs + ts);
        T* tmp = dcol + cs;
        for (int64_t n0 = b; n0 < e; n0 += B) {
            const int64_t nb = std::min(B, e - n0), ld = nb * P;
            for (int64_t grp = 0; grp < g.G; ++grp) {
                const T* wg = w + grp * OCg * K;
                const T* dyg = dy + (n0 * g.OC + grp * OCg) * P;
                if (nb > 1) {
                    gather_images(tmp, dy, n0, nb, grp, g);
                    dyg = tmp;
                }
                if (direct) {  // nb == 1 here
                    T* dxg = dx + (n0 * g.C + grp * Cg) * g.H * g.W;
                    gemm<T>(true, false, K, P, OCg, T(1), wg, K, dyg, P, T(0), dxg, P);
                    continue;
                }
                gemm<T>(true, false, K, ld, OCg, T(1), wg, K, dyg, ld, T(0), dcol, ld);
                for (int64_t i = 0; i < nb; ++i) {
                    T* dxg = dx + ((n0 + i) * g.C + grp * Cg) * g.H * g.W;
                    col2im_v(v, dcol + i * P, dxg, g, ld);
                }
            }
        }
    });
}

// Sum of t (N, Ch, HW) over N and HW into out (Ch,), accumulated in double.
template <class T>
void channel_sum(T* out, const T* t, int64_t N, int64_t Ch, int64_t HW) {
    parallel_for(Ch, 16, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) {
            double acc = 0;
            for (int64_t n = 0; n < N; ++n) {
                const T* p = t + (n * Ch + c) * HW;
                // 8 independent partial sums: one chain would cost an add latency per element
                T s[8] = {};
                int64_t i = 0;
                for (; i + 8 <= HW; i += 8)
                    for (int j = 0; j < 8; ++j) s[j] += p[i + j];
                for (; i < HW; ++i) s[0] += p[i];
                acc += double((s[0] + s[4]) + (s[1] + s[5])) + double((s[2] + s[6]) + (s[3] + s[7]));
            }
            out[c] = T(acc);
        }
    });
}

template <class T>
void backward_weight_im2col(Variant v, T* dw, const T* dy, const T* x, const ConvGeom& g) {
    const int64_t K = g.K(), P = g.P(), Cg = g.Cg(), OCg = g.OCg();
    const int64_t wsize = g.OC * K;
    if (g.N == 0) {
        std::fill(dw, dw + wsize, T(0));
        return;
    }
    if (batch_as_one_gemm(g)) return backward_weight_one_pixel(dw, dy, x, g);
    const Im2colPlan plan(v, g);
    const bool direct = plan.direct;
    const int chunks = plan.chunks;
    const int64_t B = plan.B, cs = plan.cs, ts = plan.ts;
    // Chunk 0 writes dw itself; the others write partial sums summed below.
    Buffer ws = workspace<T>(chunks * (cs + ts));
    Buffer parts = workspace<T>((chunks - 1) * wsize);
    for_each_chunk(g.N, chunks, [&](int t, int64_t b, int64_t e) {
        T* col = ws.data<T>() + t * (cs + ts);
        T* tmp = col + cs;
        T* dwt = t == 0 ? dw : parts.data<T>() + (t - 1) * wsize;
        for (int64_t n0 = b; n0 < e; n0 += B) {
            const int64_t nb = std::min(B, e - n0), ld = nb * P;
            for (int64_t grp = 0; grp < g.G; ++grp) {
                const T* xg = x + (n0 * g.C + grp * Cg) * g.H * g.W;
                const T* B_ = xg;
                if (!direct) {
                    for (int64_t i = 0; i < nb; ++i)
                        im2col_v(v, x + ((n0 + i) * g.C + grp * Cg) * g.H * g.W, col + i * P, g, ld);
                    B_ = col;
                }
                const T* dyg = dy + (n0 * g.OC + grp * OCg) * P;
                if (nb > 1) {
                    gather_images(tmp, dy, n0, nb, grp, g);
                    dyg = tmp;
                }
                // dW[g] (OCg x K) (+)= dy (OCg x nb*P) @ col^T (nb*P x K)
                gemm<T>(false, true, OCg, K, ld, T(1), dyg, ld, B_, ld, T(n0 == b ? 0 : 1),
                        dwt + grp * OCg * K, K);
            }
        }
    });
    for (int t = 1; t < chunks; ++t) {
        if ((t * ((g.N + chunks - 1) / chunks)) >= g.N) break;  // chunk t was empty
        const T* p = parts.data<T>() + (t - 1) * wsize;
        for (int64_t i = 0; i < wsize; ++i) dw[i] += p[i];
    }
}

// ------------------------------------------------------------ 01_reference
template <class T>
void forward_ref(T* out, const T* x, const T* w, const T* bias, const ConvGeom& g) {
    const int64_t Cg = g.Cg(), OCg = g.OCg();
    for (int64_t n = 0; n < g.N; ++n)
        for (int64_t oc = 0; oc < g.OC; ++oc) {
            const int64_t grp = oc / OCg;
            for (int64_t oh = 0; oh < g.OH; ++oh)
                for (int64_t ow = 0; ow < g.OW; ++ow) {
                    T acc = bias ? bias[oc] : T(0);
                    for (int64_t c = 0; c < Cg; ++c)
                        for (int64_t kh = 0; kh < g.KH; ++kh) {
                            const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
                            if (ih < 0 || ih >= g.H) continue;
                            for (int64_t kw = 0; kw < g.KW; ++kw) {
                                const int64_t iw = ow * g.sw - g.pw + kw * g.dw;
                                if (iw < 0 || iw >= g.W) continue;
                                acc += x[((n * g.C + grp * Cg + c) * g.H + ih) * g.W + iw] *
                                       w[((oc * Cg + c) * g.KH + kh) * g.KW + kw];
                            }
                        }
                    out[((n * g.OC + oc) * g.OH + oh) * g.OW + ow] = acc;
                }
        }
}

// Visits every (output pixel, weight tap, input pixel) triple the forward
// multiplies: f(out_index, weight_index, input_index).
template <class F>
void for_each_tap(const ConvGeom& g, const F& f) {
    const int64_t Cg = g.Cg(), OCg = g.OCg();
    for (int64_t n = 0; n < g.N; ++n)
        for (int64_t oc = 0; oc < g.OC; ++oc) {
            const int64_t grp = oc / OCg;
            for (int64_t oh = 0; oh < g.OH; ++oh)
                for (int64_t ow = 0; ow < g.OW; ++ow) {
                    const int64_t o = ((n * g.OC + oc) * g.OH + oh) * g.OW + ow;
                    for (int64_t c = 0; c < Cg; ++c)
                        for (int64_t kh = 0; kh < g.KH; ++kh) {
                            const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
                            if (ih < 0 || ih >= g.H) continue;
                            for (int64_t kw = 0; kw < g.KW; ++kw) {
                                const int64_t iw = ow * g.sw - g.pw + kw * g.dw;
                                if (iw < 0 || iw >= g.W) continue;
                                f(o, ((oc * Cg + c) * g.KH + kh) * g.KW + kw,
                                  ((n * g.C + grp * Cg + c) * g.H + ih) * g.W + iw);
                            }
                        }
                }
        }
}

template <class T>
void backward_input_ref(T* dx, const T* dy, const T* w, const ConvGeom& g) {
    std::fill(dx, dx + g.N * g.C * g.H * g.W, T(0));
    for_each_tap(g, [&](int64_t o, int64_t k, int64_t i) { dx[i] += dy[o] * w[k]; });
}

template <class T>
void backward_weight_ref(T* dw, const T* dy, const T* x, const ConvGeom& g) {
    std::fill(dw, dw + g.OC * g.K(), T(0));
    for_each_tap(g, [&](int64_t o, int64_t k, int64_t i) { dw[k] += dy[o] * x[i]; });
}

// ------------------------------------------------------------ dispatch
template <class T>
void run_forward(Variant v, T* out, const T* x, const T* w, const T* b, const ConvGeom& g) {
    if (v == Variant::Reference) forward_ref(out, x, w, b, g);
    else forward_im2col(v, out, x, w, b, g);
}
template <class T>
void run_backward_input(Variant v, T* dx, const T* dy, const T* w, const ConvGeom& g) {
    if (v == Variant::Reference) backward_input_ref(dx, dy, w, g);
    else backward_input_im2col(v, dx, dy, w, g);
}
template <class T>
void run_backward_weight(Variant v, T* dw, const T* dy, const T* x, const ConvGeom& g) {
    if (v == Variant::Reference) backward_weight_ref(dw, dy, x, g);
    else backward_weight_im2col(v, dw, dy, x, g);
}

void check(const ConvGeom& g, const char* name, const Buffer& b, int64_t numel, DType dt) {
    check_cpu(g.op.c_str(), b);
    check_buffer(g.op.c_str(), name, b, numel, dt);
}

}  // namespace

// ------------------------------------------------------------ entry points
void conv2d_forward(Buffer& out, const Buffer& inp, const Buffer& weight,
                    const std::optional<Buffer>& bias, const ConvGeom& g,
                    const std::string& variant) {
    const DType dt = inp.dtype();
    check(g, "input", inp, g.N * g.C * g.H * g.W, dt);
    check(g, "weight", weight, g.OC * g.K(), dt);
    check(g, "out", out, g.N * g.OC * g.P(), dt);
    if (bias) check(g, "bias", *bias, g.OC, dt);
    const Variant v = resolve(variant);
    PDG_DISPATCH_FLOATING(dt, g.op.c_str(), [&] {
        run_forward<scalar_t>(v, out.data<scalar_t>(), inp.data<scalar_t>(),
                              weight.data<scalar_t>(), bias ? bias->data<scalar_t>() : nullptr, g);
    });
}

void conv2d_backward(std::optional<Buffer> dinp, std::optional<Buffer> dweight,
                     std::optional<Buffer> dbias, const Buffer& dout, const Buffer& inp,
                     const Buffer& weight, const ConvGeom& g, const std::string& variant) {
    const DType dt = dout.dtype();
    check(g, "dout", dout, g.N * g.OC * g.P(), dt);
    check(g, "input", inp, g.N * g.C * g.H * g.W, dt);
    check(g, "weight", weight, g.OC * g.K(), dt);
    if (dinp) check(g, "dinp", *dinp, g.N * g.C * g.H * g.W, dt);
    if (dweight) check(g, "dweight", *dweight, g.OC * g.K(), dt);
    if (dbias) check(g, "dbias", *dbias, g.OC, dt);
    const Variant v = resolve(variant);
    PDG_DISPATCH_FLOATING(dt, g.op.c_str(), [&] {
        using T = scalar_t;
        if (dinp) run_backward_input<T>(v, dinp->data<T>(), dout.data<T>(), weight.data<T>(), g);
        if (dweight) run_backward_weight<T>(v, dweight->data<T>(), dout.data<T>(), inp.data<T>(), g);
        if (dbias) channel_sum<T>(dbias->data<T>(), dout.data<T>(), g.N, g.OC, g.P());
    });
}

void conv_transpose2d_forward(Buffer& out, const Buffer& inp, const Buffer& weight,
                              const std::optional<Buffer>& bias, const ConvGeom& g,
                              const std::string& variant) {
    const DType dt = inp.dtype();
    check(g, "input", inp, g.N * g.OC * g.P(), dt);
    check(g, "weight", weight, g.OC * g.K(), dt);
    check(g, "out", out, g.N * g.C * g.H * g.W, dt);
    if (bias) check(g, "bias", *bias, g.C, dt);
    const Variant v = resolve(variant);
    PDG_DISPATCH_FLOATING(dt, g.op.c_str(), [&] {
        using T = scalar_t;
        T* o = out.data<T>();
        run_backward_input<T>(v, o, inp.data<T>(), weight.data<T>(), g);
        if (bias) {
            const T* b = bias->data<T>();
            const int64_t HW = g.H * g.W;
            parallel_for(g.N * g.C, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(HW, 1)),
                         [&](int64_t s, int64_t e) {
                             for (int64_t i = s; i < e; ++i) {
                                 const T bc = b[i % g.C];
                                 for (int64_t j = 0; j < HW; ++j) o[i * HW + j] += bc;
                             }
                         });
        }
    });
}

void conv_transpose2d_backward(std::optional<Buffer> dinp, std::optional<Buffer> dweight,
                               std::optional<Buffer> dbias, const Buffer& dout,
                               const Buffer& inp, const Buffer& weight, const ConvGeom& g,
                               const std::string& variant) {
    const DType dt = dout.dtype();
    check(g, "dout", dout, g.N * g.C * g.H * g.W, dt);
    check(g, "input", inp, g.N * g.OC * g.P(), dt);
    check(g, "weight", weight, g.OC * g.K(), dt);
    if (dinp) check(g, "dinp", *dinp, g.N * g.OC * g.P(), dt);
    if (dweight) check(g, "dweight", *dweight, g.OC * g.K(), dt);
    if (dbias) check(g, "dbias", *dbias, g.C, dt);
    const Variant v = resolve(variant);
    PDG_DISPATCH_FLOATING(dt, g.op.c_str(), [&] {
        using T = scalar_t;
        // y = conv2d^T(x, w)  =>  dx = conv2d(dy, w), dw = conv2d's dW with the roles of
        // its input (dy) and output gradient (x) taken by the transposed conv's tensors.
        if (dinp) run_forward<T>(v, dinp->data<T>(), dout.data<T>(), weight.data<T>(), nullptr, g);
        if (dweight) run_backward_weight<T>(v, dweight->data<T>(), inp.data<T>(), dout.data<T>(), g);
        if (dbias) channel_sum<T>(dbias->data<T>(), dout.data<T>(), g.N, g.C, g.H * g.W);
    });
}

std::vector<std::tuple<std::string, std::string, bool>> conv_variants() {
    return {{"01_reference", "direct nested loops, one thread (the test oracle)", true},
            {"02_im2col", "im2col/col2im + pdg::gemm per image and group, images over threads",
             true},
            {"03_im2col_batched",
             "02 with several images' columns in one GEMM when an image has few output pixels",
             true},
            {"04_im2col_avx512", "03 with AVX-512 masked-vector im2col/col2im rows (float32)",
             cpu_has_avx512()}};
}

void set_conv_variant(const std::string& name) {
    resolve(name.empty() ? "auto" : name);  // validates
    forced_variant() = name.empty() ? "auto" : name;
}

std::string get_conv_variant() {
    switch (resolve("")) {
        case Variant::Reference: return "01_reference";
        case Variant::Im2col: return "02_im2col";
        case Variant::Batched: return "03_im2col_batched";
        default: return "04_im2col_avx512";
    }
}

}  // namespace pdg
