// Dense layer forward/backward on the GEMM ladder (cpu/gemm/gemm.h).
// Kernels overwrite their outputs; only autograd accumulates gradients.
#include "cpu/dense.h"

#include <algorithm>
#include <cstring>

#include "core/parallel.h"
#include "cpu/gemm/gemm.h"

namespace pdg {
namespace {

void check_sizes(const char* op, int64_t B, int64_t C, int64_t OC) {
    PDG_CHECK(B >= 0 && C >= 0 && OC >= 0, op, ": negative size (B=", B, ", C=", C, ", OC=", OC,
              ")");
}

}  // namespace

void dense_forward(Buffer& out, const Buffer& inp, const Buffer& weight, const Buffer* bias,
                   int64_t B, int64_t C, int64_t OC) {
    const char* op = "dense_forward";
    check_sizes(op, B, C, OC);
    check_cpu(op, out); check_cpu(op, inp); check_cpu(op, weight);
    check_same_dtype(op, inp, weight);
    check_buffer(op, "inp (B, C)", inp, B * C);
    check_buffer(op, "weight (OC, C)", weight, OC * C);
    check_buffer(op, "out (B, OC)", out, B * OC, inp.dtype());
    if (bias) {
        check_cpu(op, *bias);
        check_buffer(op, "bias (OC,)", *bias, OC, inp.dtype());
    }
    PDG_DISPATCH_FLOATING(inp.dtype(), op, [&] {
        using T = scalar_t;
        T* y = out.data<T>();
        if (B == 0 || OC == 0) return;
        const GemmFn<T> gemm_fn = gemm_function<T>();
        T beta = T(0);
        if (bias) {
            const T* b = bias->data<T>();
            parallel_for(B, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(OC, 1)),
                         [&](int64_t r0, int64_t r1) {
                             for (int64_t r = r0; r < r1; ++r)
                                 std::memcpy(y + r * OC, b, sizeof(T) * size_t(OC));
                         });
            beta = T(1);
        }
        // out (B x OC) = inp (B x C) @ weight^T (C x OC) + beta * out: NT.
        gemm_fn(false, true, B, OC, C, T(1), inp.data<T>(), C, weight.data<T>(), C, beta, y, OC);
    });
}

void dense_backward(Buffer* dinp, Buffer* dweight, Buffer* dbias, const Buffer& dout,
                    const Buffer& inp, const Buffer& weight, int64_t B, int64_t C, int64_t OC) {
    const char* op = "dense_backward";
    check_sizes(op, B, C, OC);
    check_cpu(op, dout); check_cpu(op, inp); check_cpu(op, weight);
    check_same_dtype(op, inp, weight);
    check_buffer(op, "dout (B, OC)", dout, B * OC, inp.dtype());
    check_buffer(op, "inp (B, C)", inp, B * C);
    check_buffer(op, "weight (OC, C)", weight, OC * C);
    if (dinp) { check_cpu(op, *dinp); check_buffer(op, "dinp (B, C)", *dinp, B * C, inp.dtype()); }
    if (dweight) { check_cpu(op, *dweight); check_buffer(op, "dweight (OC, C)", *dweight, OC * C, inp.dtype()); }
    if (dbias) { check_cpu(op, *dbias); check_buffer(op, "dbias (OC,)", *dbias, OC, inp.dtype()); }
    PDG_DISPATCH_FLOATING(inp.dtype(), op, [&] {
        using T = scalar_t;
        const GemmFn<T> gemm_fn = gemm_function<T>();
        const T* g = dout.data<T>();
        // dinp (B x C) = dout (B x OC) @ weight (OC x C): NN; K = OC = 0 gives zeros.
        auto do_dinp = [&] {
            gemm_fn(false, false, B, C, OC, T(1), g, OC, weight.data<T>(), C, T(0),
                    dinp->data<T>(), C);
        };
        // dweight (OC x C) = dout^T (OC x B) @ inp (B x C): TN; B = 0 gives zeros.
        auto do_dweight = [&] {
            gemm_fn(true, false, OC, C, B, T(1), g, OC, inp.data<T>(), C, T(0),
                    dweight->data<T>(), C);
        };
        // dbias = column sums of dout: threads own disjoint column ranges and
        // walk the rows in order (unit stride, vectorised, deterministic).
        auto do_dbias = [&] {
            T* db = dbias->data<T>();
            parallel_for(OC, std::max<int64_t>(64, kElementwiseGrain / std::max<int64_t>(B, 1)),
                         [&](int64_t c0, int64_t c1) {
                             for (int64_t c = c0; c < c1; ++c) db[c] = T(0);
                             for (int64_t r = 0; r < B; ++r) {
                                 const T* row = g + r * OC;
                                 for (int64_t c = c0; c < c1; ++c) db[c] += row[c];
                             }
                         });
        };
        // Small layers: each GEMM is too small to split (gemm stays on one
        // thread below ~4 MFLOP), so run the two products side by side instead.
        const double flops = 2.0 * double(B) * double(C) * double(OC);
        // (Tiny layers stay on one thread: a fork/join costs more than their work.)
        if (dinp && dweight && flops >= 2.0e5 && flops < 4.0e6 && get_num_threads() > 1) {
            parallel_for(2, 1, [&](int64_t t0, int64_t t1) {
                for (int64_t t = t0; t < t1; ++t) {
                    if (t == 0) {
                        do_dinp();
                    } else {
                        do_dweight();
                        if (dbias) do_dbias();
                    }
                }
            });
            return;
        }
        if (dinp) do_dinp();
        if (dweight) do_dweight();
        if (dbias) do_dbias();
    });
}

}  // namespace pdg
