// Batch, layer and group normalization, forward and backward (see norm.h).
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
//
// With xhat = (x - mean) * rstd and dyw = dy * weight, the exact input
// gradient of every normalization here is
//     dx = rstd * (dyw - mean(dyw) - xhat * mean(dyw * xhat))
// over the elements that shared the statistics (a channel across the batch
// for batch norm, a row for layer norm, a (sample, group) for group norm);
// dweight = sum(dy * xhat), dbias = sum(dy) over everything a weight touched.
// Variants (set_norm_variant): 01_plain, the direct loops below (the
// reference; the tests check them against NumPy and PyTorch), and
// 02_avx512, the same loops with their float32 row sums and element-wise row
// passes done 16 lanes at a time (norm_avx512.cpp). "auto" = 02 when the CPU
// has AVX-512, else 01. float64 always runs the plain loops.
#include "cpu/norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <atomic>
#include <string>
#include <type_traits>

#include "core/cpu_features.h"
#include "core/dtype.h"
#include "core/parallel.h"
#if PDG_X86_SIMD
#include "cpu/norm_avx512.h"
#endif

namespace pdg {
namespace {

// "auto" / "01_plain" / "02_avx512", as chosen by set_norm_variant.
std::string& norm_variant_name() {
    static std::string v = "auto";
    return v;
}
// Whether the avx512 rows may be used: false for "01_plain", true for "auto"
// and "02_avx512". fast() also asks the CPU check on every call, so a lowered
// SIMD cap (PDG_SIMD, set_simd_level) takes the plain rows at once.
std::atomic<bool> g_norm_avx512{true};
bool resolve_norm(const std::string& v) {
    if (v == "auto") return true;
    if (v == "01_plain") return false;
    if (v == "02_avx512") {
        PDG_CHECK(cpu_has_avx512(), "norm: variant 02_avx512 is not supported: ",
                  simd_level_explained());
        return true;
    }
    throw ValueError(str("norm: unknown variant '", v, "' (known: auto, 01_plain, 02_avx512)"));
}

template <class T>
bool fast() {
#if PDG_X86_SIMD
    return std::is_same_v<T, float> && g_norm_avx512.load(std::memory_order_relaxed) &&
           cpu_has_avx512();
#else
    return false;
#endif
}

// Returns the avx512 row function's result when fast(); compiled only where
// the x86 rungs exist.
#if PDG_X86_SIMD
#define PDG_NORM_AVX512(call) \
    if (fast<T>()) return avx512::norm::call
#else
#define PDG_NORM_AVX512(call) (void)0
#endif

// Eight independent partial sums: the compiler vectorises these without
// -ffast-math, and the result is more accurate than one running sum.
template <class T>
double sum8(const T* p, int64_t n) {
    if constexpr (std::is_same_v<T, float>)
        PDG_NORM_AVX512(sum(p, n));
    T a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) a[j] += p[i + j];
    double s = 0;
    for (int j = 0; j < 8; ++j) s += a[j];
    for (; i < n; ++i) s += p[i];
    return s;
}

// sum (p - m)^2
template <class T>
double sqdev8(const T* p, int64_t n, T m) {
    if constexpr (std::is_same_v<T, float>)
        PDG_NORM_AVX512(sqdev(p, n, m));
    T a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) a[j] += (p[i + j] - m) * (p[i + j] - m);
    double s = 0;
    for (int j = 0; j < 8; ++j) s += a[j];
    for (; i < n; ++i) s += double(p[i] - m) * double(p[i] - m);
    return s;
}

// sum dy * (x - m)
template <class T>
double dotdev8(const T* dy, const T* x, int64_t n, T m) {
    if constexpr (std::is_same_v<T, float>)
        PDG_NORM_AVX512(dotdev(dy, x, n, m));
    T a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) a[j] += dy[i + j] * (x[i + j] - m);
    double s = 0;
    for (int j = 0; j < 8; ++j) s += a[j];
    for (; i < n; ++i) s += double(dy[i]) * double(x[i] - m);
    return s;
}

// sum dy and sum dy * (x - m) of one row
template <class T>
void sum_dotdev(const T* dy, const T* x, int64_t n, T m, double* a, double* b) {
    if constexpr (std::is_same_v<T, float>) {
        PDG_NORM_AVX512(sum_dotdev(dy, x, n, m, a, b));
    }
    *a = sum8(dy, n);
    *b = dotdev8(dy, x, n, m);
}

// o = x * scale + shift
template <class T>
void affine_row(T* o, const T* x, int64_t n, T scale, T shift) {
    if constexpr (std::is_same_v<T, float>) {
        PDG_NORM_AVX512(affine(o, x, n, scale, shift));
    }
    for (int64_t i = 0; i < n; ++i) o[i] = x[i] * scale + shift;
}

// dx = c1 * dy + (x - m) * c2 + c3
template <class T>
void dx_row(T* dx, const T* dy, const T* x, int64_t n, T c1, T m, T c2, T c3) {
    if constexpr (std::is_same_v<T, float>) {
        PDG_NORM_AVX512(dx_row(dx, dy, x, n, c1, m, c2, c3));
    }
    for (int64_t i = 0; i < n; ++i) dx[i] = c1 * dy[i] + (x[i] - m) * c2 + c3;
}

// batch norm's dx = k * (dy - a - (x - m) * bc); the avx512 rung evaluates it
// as k*dy + (x - m)*(-k*bc) + (-k*a)
template <class T>
void bn_dx_row(T* dx, const T* dy, const T* x, int64_t n, T k, T a, T m, T bc) {
    if constexpr (std::is_same_v<T, float>) {
        PDG_NORM_AVX512(dx_row(dx, dy, x, n, k, m, -k * bc, -k * a));
    }
    for (int64_t i = 0; i < n; ++i) dx[i] = k * (dy[i] - a - (x[i] - m) * bc);
}

// Items per parallel chunk so a chunk holds at least ~32k elements.
int64_t grain_for(int64_t elems_per_item) {
    return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(elems_per_item, 1));
}

template <class T>
const T* ptr_or_null(const std::optional<Buffer>& b) {
    return b ? b->data<T>() : nullptr;
}

void check_opt(const char* op, const char* name, const std::optional<Buffer>& b, int64_t n,
               DType dt) {
    if (b) {
        check_cpu(op, *b);
        check_buffer(op, name, *b, n, dt);
    }
}

}  // namespace

// ------------------------------------------------------------ batch norm
void batchnorm_forward(Buffer& out, Buffer& save_mean, Buffer& save_invstd,
                       std::optional<Buffer> running_mean, std::optional<Buffer> running_var,
                       const Buffer& inp, const std::optional<Buffer>& weight,
                       const std::optional<Buffer>& bias, int64_t N, int64_t C, int64_t HW,
                       bool training, double momentum, double eps) {
    const char* op = "batch_norm";
    PDG_CHECK(N >= 0 && C >= 1 && HW >= 0, op, ": bad sizes (N, C, HW) = ", shape_str({N, C, HW}));
    const int64_t M = N * HW;
    PDG_CHECK(!training || M > 1, op, ": expected more than 1 value per channel when training, got "
              "input of size ", shape_str({N, C, HW}));
    PDG_CHECK(training || (running_mean && running_var), op,
              ": running_mean and running_var are required in eval mode");
    const DType dt = inp.dtype();
    check_cpu(op, inp);
    check_buffer(op, "input", inp, N * C * HW, dt);
    check_buffer(op, "out", out, N * C * HW, dt);
    check_buffer(op, "save_mean", save_mean, C, dt);
    check_buffer(op, "save_invstd", save_invstd, C, dt);
    check_opt(op, "running_mean", running_mean, C, dt);
    check_opt(op, "running_var", running_var, C, dt);
    check_opt(op, "weight", weight, C, dt);
    check_opt(op, "bias", bias, C, dt);
    PDG_DISPATCH_FLOATING(dt, op, [&] {
        using T = scalar_t;
        const T* x = inp.data<T>();
        T* o = out.data<T>();
        const T* w = ptr_or_null<T>(weight);
        const T* b = ptr_or_null<T>(bias);
        T* rm = running_mean ? running_mean->data<T>() : nullptr;
        T* rv = running_var ? running_var->data<T>() : nullptr;
        T* sm = save_mean.data<T>();
        T* si = save_invstd.data<T>();
        parallel_for(C, grain_for(M), [&](int64_t cb, int64_t ce) {
            for (int64_t c = cb; c < ce; ++c) {
                double mean, invstd;
                if (training) {
                    double s = 0;
                    for (int64_t n = 0; n < N; ++n) s += sum8(x + (n * C + c) * HW, HW);
                    mean = s / double(M);
                    double v = 0;
                    for (int64_t n = 0; n < N; ++n) v += sqdev8(x + (n * C + c) * HW, HW, T(mean));
                    const double var = v / double(M);
                    invstd = 1.0 / std::sqrt(var + eps);
                    if (rm) rm[c] = T((1 - momentum) * double(rm[c]) + momentum * mean);
                    if (rv)
                        rv[c] = T((1 - momentum) * double(rv[c]) +
                                  momentum * var * double(M) / double(M - 1));
                } else {
                    mean = double(rm[c]);
                    invstd = 1.0 / std::sqrt(double(rv[c]) + eps);
                }
                sm[c] = T(mean);
                si[c] = T(invstd);
                const T scale = T((w ? double(w[c]) : 1.0) * invstd);
                const T shift = T((b ? double(b[c]) : 0.0) - mean * double(scale));
                for (int64_t n = 0; n < N; ++n) {
                    const T* xp = x + (n * C + c) * HW;
                    T* op_ = o + (n * C + c) * HW;
                    affine_row(op_, xp, HW, scale, shift);
                }
            }
        });
    });
}

void batchnorm_backward(std::optional<Buffer> dinp, std::optional<Buffer> dweight,
                        std::optional<Buffer> dbias, const Buffer& dout, const Buffer& inp,
                        const std::optional<Buffer>& weight, const Buffer& save_mean,
                        const Buffer& save_invstd, int64_t N, int64_t C, int64_t HW,
                        bool training) {
    const char* op = "batch_norm_backward";
    PDG_CHECK(N >= 0 && C >= 1 && HW >= 0, op, ": bad sizes (N, C, HW) = ", shape_str({N, C, HW}));
    const DType dt = dout.dtype();
    check_cpu(op, dout);
    check_buffer(op, "dout", dout, N * C * HW, dt);
    check_buffer(op, "input", inp, N * C * HW, dt);
    check_buffer(op, "save_mean", save_mean, C, dt);
    check_buffer(op, "save_invstd", save_invstd, C, dt);
    check_opt(op, "weight", weight, C, dt);
    check_opt(op, "dinp", dinp, N * C * HW, dt);
    check_opt(op, "dweight", dweight, C, dt);
    check_opt(op, "dbias", dbias, C, dt);
    const int64_t M = N * HW;
    PDG_DISPATCH_FLOATING(dt, op, [&] {
        using T = scalar_t;
        const T* dy = dout.data<T>();
        const T* x = inp.data<T>();
        const T* w = ptr_or_null<T>(weight);
        const T* sm = save_mean.data<T>();
        const T* si = save_invstd.data<T>();
        T* dx = dinp ? dinp->data<T>() : nullptr;
        T* dw = dweight ? dweight->data<T>() : nullptr;
        T* db = dbias ? dbias->data<T>() : nullptr;
        parallel_for(C, grain_for(M), [&](int64_t cb, int64_t ce) {
            for (int64_t c = cb; c < ce; ++c) {
                const T mean = sm[c];
                const double invstd = double(si[c]);
                double sdy = 0, sdyx = 0;  // sum dy, sum dy * (x - mean)
                for (int64_t n = 0; n < N; ++n) {
                    const int64_t off = (n * C + c) * HW;
                    sdy += sum8(dy + off, HW);
                    sdyx += dotdev8(dy + off, x + off, HW, mean);
                }
                if (db) db[c] = T(sdy);
                if (dw) dw[c] = T(sdyx * invstd);
                if (!dx) continue;
                const double wc = w ? double(w[c]) : 1.0;
                const T k = T(wc * invstd);
                // training: dx = k * (dy - sdy/M - (x - mean) * sdyx * invstd^2 / M)
                const T a = training && M > 0 ? T(sdy / double(M)) : T(0);
                const T bc = training && M > 0 ? T(sdyx * invstd * invstd / double(M)) : T(0);
                for (int64_t n = 0; n < N; ++n) {
                    const int64_t off = (n * C + c) * HW;
                    bn_dx_row(dx + off, dy + off, x + off, HW, k, a, mean, bc);
                }
            }
        });
    });
}

// ------------------------------------------------------------ layer norm
void layernorm_forward(Buffer& out, Buffer& mean, Buffer& rstd, const Buffer& inp,
                       const std::optional<Buffer>& weight, const std::optional<Buffer>& bias,
                       int64_t M, int64_t D, double eps) {
    const char* op = "layer_norm";
    PDG_CHECK(M >= 0 && D >= 1, op, ": bad sizes (rows, normalized) = ", shape_str({M, D}));
    const DType dt = inp.dtype();
    check_cpu(op, inp);
    check_buffer(op, "input", inp, M * D, dt);
    check_buffer(op, "out", out, M * D, dt);
    check_buffer(op, "mean", mean, M, dt);
    check_buffer(op, "rstd", rstd, M, dt);
    check_opt(op, "weight", weight, D, dt);
    check_opt(op, "bias", bias, D, dt);
    PDG_DISPATCH_FLOATING(dt, op, [&] {
        using T = scalar_t;
        const T* x = inp.data<T>();
        T* o = out.data<T>();
        const T* w = ptr_or_null<T>(weight);
        const T* b = ptr_or_null<T>(bias);
        T* mp = mean.data<T>();
        T* rp = rstd.data<T>();
        parallel_for(M, grain_for(D), [&](int64_t rb, int64_t re) {
            for (int64_t r = rb; r < re; ++r) {
                const T* xr = x + r * D;
                T* orow = o + r * D;
                const T m = T(sum8(xr, D) / double(D));
                const T rs = T(1.0 / std::sqrt(sqdev8(xr, D, m) / double(D) + eps));
                mp[r] = m;
                rp[r] = rs;
                for (int64_t d = 0; d < D; ++d) {
                    T v = (xr[d] - m) * rs;
                    if (w) v *= w[d];
                    if (b) v += b[d];
                    orow[d] = v;
                }
            }
        });
    });
}

void layernorm_backward(std::optional<Buffer> dinp, std::optional<Buffer> dweight,
                        std::optional<Buffer> dbias, const Buffer& dout, const Buffer& inp,
                        const std::optional<Buffer>& weight, const Buffer& mean,
                        const Buffer& rstd, int64_t M, int64_t D) {
    const char* op = "layer_norm_backward";
    PDG_CHECK(M >= 0 && D >= 1, op, ": bad sizes (rows, normalized) = ", shape_str({M, D}));
    const DType dt = dout.dtype();
    check_cpu(op, dout);
    check_buffer(op, "dout", dout, M * D, dt);
    check_buffer(op, "input", inp, M * D, dt);
    check_buffer(op, "mean", mean, M, dt);
    check_buffer(op, "rstd", rstd, M, dt);
    check_opt(op, "weight", weight, D, dt);
    check_opt(op, "dinp", dinp, M * D, dt);
    check_opt(op, "dweight", dweight, D, dt);
    check_opt(op, "dbias", dbias, D, dt);
    PDG_DISPATCH_FLOATING(dt, op, [&] {
        using T = scalar_t;
        const T* dy = dout.data<T>();
        const T* x = inp.data<T>();
        const T* w = ptr_or_null<T>(weight);
        const T* mp = mean.data<T>();
        const T* rp = rstd.data<T>();
        if (dinp) {
            T* dx = dinp->data<T>();
            parallel_for(M, grain_for(D), [&](int64_t rb, int64_t re) {
                for (int64_t r = rb; r < re; ++r) {
                    const T* dyr = dy + r * D;
                    const T* xr = x + r * D;
                    T* dxr = dx + r * D;
                    const double m = mp[r], rs = rp[r];
                    double s1 = 0, s2 = 0;  // sum dyw, sum dyw * xhat
                    for (int64_t d = 0; d < D; ++d) {
                        const double dyw = double(dyr[d]) * (w ? double(w[d]) : 1.0);
                        s1 += dyw;
                        s2 += dyw * (double(xr[d]) - m) * rs;
                    }
                    const double a = s1 / double(D), bb = s2 / double(D);
                    for (int64_t d = 0; d < D; ++d) {
                        const double dyw = double(dyr[d]) * (w ? double(w[d]) : 1.0);
                        dxr[d] = T(rs * (dyw - a - (double(xr[d]) - m) * rs * bb));
                    }
                }
            });
        }
        if (dweight || dbias) {
            // Column blocks: each thread sums its columns over all rows.
            constexpr int64_t BLK = 64;
            T* dw = dweight ? dweight->data<T>() : nullptr;
            T* db = dbias ? dbias->data<T>() : nullptr;
            parallel_for((D + BLK - 1) / BLK, 1, [&](int64_t bb, int64_t be) {
                for (int64_t blk = bb; blk < be; ++blk) {
                    const int64_t d0 = blk * BLK, d1 = std::min(D, d0 + BLK);
                    double aw[BLK] = {0}, ab[BLK] = {0};
                    for (int64_t r = 0; r < M; ++r) {
                        const double m = mp[r], rs = rp[r];
                        for (int64_t d = d0; d < d1; ++d) {
                            const double g = dy[r * D + d];
                            aw[d - d0] += g * (double(x[r * D + d]) - m) * rs;
                            ab[d - d0] += g;
                        }
                    }
                    for (int64_t d = d0; d < d1; ++d) {
                        if (dw) dw[d] = T(aw[d - d0]);
                        if (db) db[d] = T(ab[d - d0]);
                    }
                }
            });
        }
    });
}

// ------------------------------------------------------------ group norm
void groupnorm_forward(Buffer& out, Buffer& mean, Buffer& rstd, const Buffer& inp,
                       const std::optional<Buffer>& weight, const std::optional<Buffer>& bias,
                       int64_t N, int64_t C, int64_t HW, int64_t G, double eps) {
    const char* op = "group_norm";
    PDG_CHECK(N >= 0 && C >= 1 && HW >= 0 && G >= 1 && C % G == 0, op,
              ": bad sizes: input (N, C, HW) = ", shape_str({N, C, HW}), " with ", G,
              " groups (channels must be divisible by groups)");
    const DType dt = inp.dtype();
    check_cpu(op, inp);
    check_buffer(op, "input", inp, N * C * HW, dt);
    check_buffer(op, "out", out, N * C * HW, dt);
    check_buffer(op, "mean", mean, N * G, dt);
    check_buffer(op, "rstd", rstd, N * G, dt);
    check_opt(op, "weight", weight, C, dt);
    check_opt(op, "bias", bias, C, dt);
    const int64_t Cg = C / G, L = Cg * HW;
    PDG_DISPATCH_FLOATING(dt, op, [&] {
        using T = scalar_t;
        const T* x = inp.data<T>();
        T* o = out.data<T>();
        const T* w = ptr_or_null<T>(weight);
        const T* b = ptr_or_null<T>(bias);
        T* mp = mean.data<T>();
        T* rp = rstd.data<T>();
        parallel_for(N * G, grain_for(L), [&](int64_t s, int64_t e) {
            for (int64_t ng = s; ng < e; ++ng) {
                const T* xg = x + ng * L;  // (n, g) is one contiguous run of Cg*HW
                T* og = o + ng * L;
                const double m = L > 0 ? sum8(xg, L) / double(L) : 0.0;
                const double rs = 1.0 / std::sqrt((L > 0 ? sqdev8(xg, L, T(m)) / double(L) : 0.0) + eps);
                mp[ng] = T(m);
                rp[ng] = T(rs);
                const int64_t c0 = (ng % G) * Cg;
                for (int64_t j = 0; j < Cg; ++j) {
                    const double sc = (w ? double(w[c0 + j]) : 1.0) * rs;
                    const T scale = T(sc), shift = T((b ? double(b[c0 + j]) : 0.0) - m * sc);
                    const T* xp = xg + j * HW;
                    T* op_ = og + j * HW;
                    affine_row(op_, xp, HW, scale, shift);
                }
            }
        });
    });
}

void groupnorm_backward(std::optional<Buffer> dinp, std::optional<Buffer> dweight,
                        std::optional<Buffer> dbias, const Buffer& dout, const Buffer& inp,
                        const std::optional<Buffer>& weight, const Buffer& mean,
                        const Buffer& rstd, int64_t N, int64_t C, int64_t HW, int64_t G) {
    const char* op = "group_norm_backward";
    PDG_CHECK(N >= 0 && C >= 1 && HW >= 0 && G >= 1 && C % G == 0, op,
              ": bad sizes: input (N, C, HW) = ", shape_str({N, C, HW}), " with ", G, " groups");
    const DType dt = dout.dtype();
    check_cpu(op, dout);
    check_buffer(op, "dout", dout, N * C * HW, dt);
    check_buffer(op, "input", inp, N * C * HW, dt);
    check_buffer(op, "mean", mean, N * G, dt);
    check_buffer(op, "rstd", rstd, N * G, dt);
    check_opt(op, "weight", weight, C, dt);
    check_opt(op, "dinp", dinp, N * C * HW, dt);
    check_opt(op, "dweight", dweight, C, dt);
    check_opt(op, "dbias", dbias, C, dt);
    const int64_t Cg = C / G, L = Cg * HW;
    // Per (n, c): sum dy and sum dy * (x - mean[n, g]), then everything else
    // follows from these 2*N*C numbers.
    Buffer sums = Buffer::empty(std::max<int64_t>(2 * N * C, 1), DType::Float64);
    double* sdy = sums.data<double>();
    double* sdyx = sdy + N * C;
    PDG_DISPATCH_FLOATING(dt, op, [&] {
        using T = scalar_t;
        const T* dy = dout.data<T>();
        const T* x = inp.data<T>();
        const T* w = ptr_or_null<T>(weight);
        const T* mp = mean.data<T>();
        const T* rp = rstd.data<T>();
        T* dx = dinp ? dinp->data<T>() : nullptr;
        parallel_for(N * G, grain_for(L), [&](int64_t s, int64_t e) {
            for (int64_t ng = s; ng < e; ++ng) {
                const int64_t n = ng / G, c0 = (ng % G) * Cg;
                const T m = mp[ng];
                const double rs = rp[ng];
                double s1 = 0, s2 = 0;  // sum dyw, sum dyw * (x - mean)
                for (int64_t j = 0; j < Cg; ++j) {
                    const int64_t off = (n * C + c0 + j) * HW;
                    double a, b;
                    sum_dotdev(dy + off, x + off, HW, m, &a, &b);
                    sdy[n * C + c0 + j] = a;
                    sdyx[n * C + c0 + j] = b;
                    const double wc = w ? double(w[c0 + j]) : 1.0;
                    s1 += wc * a;
                    s2 += wc * b;
                }
                if (!dx || L == 0) continue;
                // dx = rs*w*dy - rs*s1/L - (x - m) * rs^3 * s2 / L
                const T c2 = T(-rs * rs * rs * s2 / double(L));
                const T c3 = T(-rs * s1 / double(L));
                for (int64_t j = 0; j < Cg; ++j) {
                    const int64_t off = (n * C + c0 + j) * HW;
                    const T c1 = T(rs * (w ? double(w[c0 + j]) : 1.0));
                    dx_row(dx + off, dy + off, x + off, HW, c1, m, c2, c3);
                }
            }
        });
        if (dweight || dbias) {
            T* dw = dweight ? dweight->data<T>() : nullptr;
            T* db = dbias ? dbias->data<T>() : nullptr;
            for (int64_t c = 0; c < C; ++c) {
                double aw = 0, ab = 0;
                for (int64_t n = 0; n < N; ++n) {
                    aw += sdyx[n * C + c] * double(rp[n * G + c / Cg]);
                    ab += sdy[n * C + c];
                }
                if (dw) dw[c] = T(aw);
                if (db) db[c] = T(ab);
            }
        }
    });
}

std::vector<std::tuple<std::string, std::string, bool>> norm_variants() {
    return {{"01_plain", "direct loops, eight float partial sums (the reference)", true},
            {"02_avx512", "float32 row sums and row passes 16 lanes at a time", cpu_has_avx512()}};
}

void set_norm_variant(const std::string& name) {
    const std::string v = name.empty() ? "auto" : name;
    g_norm_avx512 = resolve_norm(v);  // validates
    norm_variant_name() = v;
}

std::string get_norm_variant() { return fast<float>() ? "02_avx512" : "01_plain"; }

}  // namespace pdg
