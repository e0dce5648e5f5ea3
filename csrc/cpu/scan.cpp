// Inclusive scans (cumsum, cumprod) along the middle axis of an (O, R, I)
// block, forward and backward side by side.
// Kernels overwrite their outputs; only autograd accumulates gradients.
//
// Work is split over the O outer slabs; inside a slab the loop runs r outer,
// i inner, so the inner loop is contiguous for I > 1, with one running
// accumulator per i.
#include "cpu/scan.h"

#include <vector>

#include "core/parallel.h"

namespace pdg {
namespace {

template <class T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

const char* scan_name(int op) { return op == int(ScanOp::Cumprod) ? "cumprod" : "cumsum"; }

int64_t slab_grain(int64_t R, int64_t I) {
    return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, R * I));
}

template <class T>
void scan_fwd(bool is_prod, T* y, const T* x, int64_t O, int64_t R, int64_t I) {
    parallel_for(O, slab_grain(R, I), [&](int64_t b, int64_t e) {
        std::vector<Acc<T>> acc(static_cast<size_t>(I));
        for (int64_t o = b; o < e; ++o) {
            std::fill(acc.begin(), acc.end(), Acc<T>(is_prod ? 1 : 0));
            for (int64_t r = 0; r < R; ++r) {
                const T* xr = x + (o * R + r) * I;
                T* yr = y + (o * R + r) * I;
                for (int64_t i = 0; i < I; ++i) {
                    if (is_prod) acc[size_t(i)] *= Acc<T>(xr[i]);
                    else acc[size_t(i)] += Acc<T>(xr[i]);
                    yr[i] = T(acc[size_t(i)]);
                }
            }
        }
    });
}

template <class T>
void cumsum_bwd(T* dx, const T* g, int64_t O, int64_t R, int64_t I) {
    parallel_for(O, slab_grain(R, I), [&](int64_t b, int64_t e) {
        std::vector<double> acc(static_cast<size_t>(I));
        for (int64_t o = b; o < e; ++o) {
            std::fill(acc.begin(), acc.end(), 0.0);
            for (int64_t r = R - 1; r >= 0; --r) {
                const int64_t base = (o * R + r) * I;
                for (int64_t i = 0; i < I; ++i) {
                    acc[size_t(i)] += double(g[base + i]);
                    dx[base + i] = T(acc[size_t(i)]);
                }
            }
        }
    });
}

template <class T>
void cumprod_bwd(T* dx, const T* g, const T* x, int64_t O, int64_t R, int64_t I) {
    parallel_for(O, slab_grain(R, I), [&](int64_t b, int64_t e) {
        std::vector<double> s(static_cast<size_t>(I)), p(static_cast<size_t>(I));
        for (int64_t o = b; o < e; ++o) {
            // pass 1 (backward in r): dx[r] = S_r, S_r = g[r] + x[r+1] * S_{r+1}
            std::fill(s.begin(), s.end(), 0.0);
            for (int64_t r = R - 1; r >= 0; --r) {
                const int64_t base = (o * R + r) * I;
                for (int64_t i = 0; i < I; ++i) {
                    const double next_x = (r + 1 < R) ? double(x[base + I + i]) : 0.0;
                    s[size_t(i)] = double(g[base + i]) + next_x * s[size_t(i)];
                    dx[base + i] = T(s[size_t(i)]);
                }
            }
            // pass 2 (forward in r): multiply by the exclusive prefix product
            std::fill(p.begin(), p.end(), 1.0);
            for (int64_t r = 0; r < R; ++r) {
                const int64_t base = (o * R + r) * I;
                for (int64_t i = 0; i < I; ++i) {
                    dx[base + i] = T(double(dx[base + i]) * p[size_t(i)]);
                    p[size_t(i)] *= double(x[base + i]);
                }
            }
        }
    });
}

}  // namespace

void scan_forward(int op, Buffer& out, const Buffer& inp, int64_t O, int64_t R, int64_t I) {
    PDG_CHECK(op == 0 || op == 1, "scan_forward: unknown op code ", op);
    const char* name = scan_name(op);
    check_cpu(name, out);
    check_cpu(name, inp);
    const int64_t n = checked_numel(name, {O, R, I});
    check_buffer(name, "inp", inp, n);
    check_buffer(name, "out", out, n, inp.dtype());
    switch (inp.dtype()) {
        case DType::Float32: return scan_fwd(op == 1, out.data<float>(), inp.data<float>(), O, R, I);
        case DType::Float64: return scan_fwd(op == 1, out.data<double>(), inp.data<double>(), O, R, I);
        case DType::Int64: return scan_fwd(op == 1, out.data<int64_t>(), inp.data<int64_t>(), O, R, I);
        default:
            throw TypeError(str(name, ": expected a float32, float64 or int64 tensor, got ",
                                dtype_name(inp.dtype())));
    }
}

void scan_backward(int op, Buffer& dinp, const Buffer& dout, const Buffer& inp, int64_t O,
                   int64_t R, int64_t I) {
    PDG_CHECK(op == 0 || op == 1, "scan_backward: unknown op code ", op);
    const char* name = scan_name(op);
    check_cpu(name, dinp);
    check_cpu(name, dout);
    const int64_t n = checked_numel(name, {O, R, I});
    check_buffer(name, "dinp", dinp, n);
    check_buffer(name, "dout", dout, n, dinp.dtype());
    if (op == 1) check_buffer(name, "inp", inp, n, dinp.dtype());
    PDG_DISPATCH_FLOATING(dinp.dtype(), name, [&] {
        if (op == 0) cumsum_bwd(dinp.data<scalar_t>(), dout.data<scalar_t>(), O, R, I);
        else cumprod_bwd(dinp.data<scalar_t>(), dout.data<scalar_t>(), inp.data<scalar_t>(), O, R, I);
    });
}

}  // namespace pdg
