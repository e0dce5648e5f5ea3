// Advanced indexing: gather by index arrays and its scatter-add backward,
// index_put, torch.gather/scatter, nonzero.
// Kernels overwrite their outputs; only autograd accumulates gradients. The
// exceptions are index_put and scatter_forward, which by definition write
// into an existing tensor in place (said in their Args blocks).
//
// Every index is validated in a first pass (row_indices), so a bad index
// raises before any output element is written.
#include "cpu/index.h"

#include <cstring>

#include "core/parallel.h"

namespace pdg {
namespace {

// Rows of the middle axis picked by m broadcast index buffers (see index.h).
std::vector<int64_t> row_indices(const char* op, const std::vector<Buffer>& idx,
                                 const std::vector<int64_t>& sizes, int64_t K,
                                 const std::vector<int64_t>& dims) {
    const size_t m = idx.size();
    PDG_CHECK(m >= 1 && sizes.size() == m && dims.size() == m, op, ": got ", m,
              " index buffers for ", sizes.size(), " sizes and ", dims.size(), " dims");
    for (size_t j = 0; j < m; ++j) {
        check_cpu(op, idx[j]);
        check_buffer(op, "index", idx[j], K, DType::Int64);
        PDG_CHECK(sizes[j] >= 0, op, ": negative size ", sizes[j]);
    }
    std::vector<int64_t> rows(static_cast<size_t>(K), 0);
    int64_t stride = 1;
    for (size_t jj = m; jj-- > 0;) {
        const int64_t* p = idx[jj].data<int64_t>();
        const int64_t S = sizes[jj];
        for (int64_t k = 0; k < K; ++k) {
            int64_t v = p[k];
            if (v < -S || v >= S)
                throw IndexError(str(op, ": index ", v, " is out of bounds for dimension ",
                                     dims[jj], " with size ", S));
            if (v < 0) v += S;
            rows[size_t(k)] += v * stride;
        }
        stride *= S;
    }
    return rows;
}

int64_t prod(const std::vector<int64_t>& v) {
    int64_t n = 1;
    for (int64_t s : v) n *= s;
    return n;
}

// Validate a torch.gather/scatter index block: every entry in [0, R). Unlike
// x[idx], these ops do not wrap negative indices (PyTorch refuses them too).
std::vector<int64_t> checked_index(const char* op, const Buffer& idx, int64_t n, int64_t R) {
    check_cpu(op, idx);
    check_buffer(op, "index", idx, n, DType::Int64);
    std::vector<int64_t> out(static_cast<size_t>(n));
    const int64_t* p = idx.data<int64_t>();
    for (int64_t k = 0; k < n; ++k) {
        int64_t v = p[k];
        if (v < 0 || v >= R)
            throw IndexError(str(op, ": index ", v, " is out of bounds for dimension with size ", R));
        out[size_t(k)] = v;
    }
    return out;
}

// dst[o, rows[k], :] (op)= src[o, k, :], serial in k so that repeated rows
// accumulate (or last-write-wins) deterministically; parallel over o, or over
// chunks of the inner axis when O == 1.
template <class T, bool Accumulate>
void scatter_rows(T* dst, const T* src, const std::vector<int64_t>& rows, int64_t O, int64_t R,
                  int64_t I, int64_t K) {
    auto body = [&](int64_t o0, int64_t o1, int64_t i0, int64_t i1) {
        for (int64_t o = o0; o < o1; ++o)
            for (int64_t k = 0; k < K; ++k) {
                T* d = dst + (o * R + rows[size_t(k)]) * I;
                const T* s = src + (o * K + k) * I;
                for (int64_t i = i0; i < i1; ++i) {
                    if constexpr (Accumulate) d[i] = T(d[i] + s[i]);
                    else d[i] = s[i];
                }
            }
    };
    if (O > 1) {
        parallel_for(O, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, K * I)),
                     [&](int64_t b, int64_t e) { body(b, e, 0, I); });
    } else {
        parallel_for(I, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, K)),
                     [&](int64_t b, int64_t e) { body(0, O, b, e); });
    }
}

}  // namespace

void index_gather_forward(Buffer& out, const Buffer& inp, const std::vector<Buffer>& idx,
                          int64_t O, const std::vector<int64_t>& sizes, int64_t I, int64_t K,
                          const std::vector<int64_t>& dims) {
    const char* op = "index";
    check_cpu(op, out);
    check_cpu(op, inp);
    const int64_t R = prod(sizes);
    check_buffer(op, "inp", inp, checked_numel(op, {O, R, I}));
    check_buffer(op, "out", out, checked_numel(op, {O, K, I}), inp.dtype());
    const std::vector<int64_t> rows = row_indices(op, idx, sizes, K, dims);
    const size_t isz = itemsize(inp.dtype());
    const char* src = static_cast<const char*>(inp.raw());
    char* dst = static_cast<char*>(out.raw());
    // Each (o, k) row is a memcpy of I elements: dtype-independent.
    parallel_for(O * K, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, I)),
                 [&](int64_t b, int64_t e) {
                     for (int64_t ok = b; ok < e; ++ok) {
                         const int64_t o = ok / K, k = ok % K;
                         std::memcpy(dst + size_t(ok * I) * isz,
                                     src + size_t((o * R + rows[size_t(k)]) * I) * isz,
                                     size_t(I) * isz);
                     }
                 });
}

void index_gather_backward(Buffer& dinp, const Buffer& dout, const std::vector<Buffer>& idx,
                           int64_t O, const std::vector<int64_t>& sizes, int64_t I, int64_t K,
                           const std::vector<int64_t>& dims) {
    const char* op = "index (backward)";
    check_cpu(op, dinp);
    check_cpu(op, dout);
    const int64_t R = prod(sizes);
    check_buffer(op, "dinp", dinp, checked_numel(op, {O, R, I}));
    check_buffer(op, "dout", dout, checked_numel(op, {O, K, I}), dinp.dtype());
    const std::vector<int64_t> rows = row_indices(op, idx, sizes, K, dims);
    PDG_DISPATCH_FLOATING(dinp.dtype(), op, [&] {
        scalar_t* d = dinp.data<scalar_t>();
        std::fill(d, d + O * R * I, scalar_t(0));
        scatter_rows<scalar_t, true>(d, dout.data<scalar_t>(), rows, O, R, I, K);
    });
}

void index_put(Buffer& out, const Buffer& values, const std::vector<Buffer>& idx, int64_t O,
               const std::vector<int64_t>& sizes, int64_t I, int64_t K,
               const std::vector<int64_t>& dims, bool accumulate) {
    const char* op = "index_put";
    check_cpu(op, out);
    check_cpu(op, values);
    const int64_t R = prod(sizes);
    check_buffer(op, "out", out, checked_numel(op, {O, R, I}));
    check_buffer(op, "values", values, checked_numel(op, {O, K, I}), out.dtype());
    const std::vector<int64_t> rows = row_indices(op, idx, sizes, K, dims);
    PDG_DISPATCH_ALL(out.dtype(), op, [&] {
        if constexpr (std::is_same_v<scalar_t, bool>) {
            // bool "+=" is logical or; last write wins otherwise
            if (accumulate) throw TypeError("index_put: accumulate=True is not supported for bool tensors");
            scatter_rows<scalar_t, false>(out.data<scalar_t>(), values.data<scalar_t>(), rows, O, R, I, K);
        } else if (accumulate) {
            scatter_rows<scalar_t, true>(out.data<scalar_t>(), values.data<scalar_t>(), rows, O, R, I, K);
        } else {
            scatter_rows<scalar_t, false>(out.data<scalar_t>(), values.data<scalar_t>(), rows, O, R, I, K);
        }
    });
}

void gather_forward(Buffer& out, const Buffer& inp, const Buffer& idx, int64_t O, int64_t R,
                    int64_t I, int64_t K) {
    const char* op = "gather";
    check_cpu(op, out);
    check_cpu(op, inp);
    const int64_t n = checked_numel(op, {O, K, I});
    check_buffer(op, "inp", inp, checked_numel(op, {O, R, I}));
    check_buffer(op, "out", out, n, inp.dtype());
    const std::vector<int64_t> ix = checked_index(op, idx, n, R);
    PDG_DISPATCH_ALL(inp.dtype(), op, [&] {
        const scalar_t* x = inp.data<scalar_t>();
        scalar_t* y = out.data<scalar_t>();
        parallel_for(O * K, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, I)),
                     [&](int64_t b, int64_t e) {
                         for (int64_t ok = b; ok < e; ++ok) {
                             const int64_t o = ok / K;
                             for (int64_t i = 0; i < I; ++i)
                                 y[ok * I + i] = x[(o * R + ix[size_t(ok * I + i)]) * I + i];
                         }
                     });
    });
}

void gather_backward(Buffer& dinp, const Buffer& dout, const Buffer& idx, int64_t O, int64_t R,
                     int64_t I, int64_t K) {
    const char* op = "gather (backward)";
    check_cpu(op, dinp);
    check_cpu(op, dout);
    const int64_t n = checked_numel(op, {O, K, I});
    check_buffer(op, "dinp", dinp, checked_numel(op, {O, R, I}));
    check_buffer(op, "dout", dout, n, dinp.dtype());
    const std::vector<int64_t> ix = checked_index(op, idx, n, R);
    PDG_DISPATCH_FLOATING(dinp.dtype(), op, [&] {
        scalar_t* d = dinp.data<scalar_t>();
        const scalar_t* g = dout.data<scalar_t>();
        std::fill(d, d + O * R * I, scalar_t(0));
        // parallel over o: the o-slabs of dinp are disjoint
        parallel_for(O, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, K * I)),
                     [&](int64_t b, int64_t e) {
                         for (int64_t o = b; o < e; ++o)
                             for (int64_t k = 0; k < K; ++k)
                                 for (int64_t i = 0; i < I; ++i) {
                                     const int64_t src = (o * K + k) * I + i;
                                     d[(o * R + ix[size_t(src)]) * I + i] += g[src];
                                 }
                     });
    });
}

void scatter_forward(Buffer& out, const Buffer& src, const Buffer& idx, int64_t O, int64_t R,
                     int64_t I, int64_t K, bool accumulate) {
    const char* op = accumulate ? "scatter_add" : "scatter";
    check_cpu(op, out);
    check_cpu(op, src);
    const int64_t n = checked_numel(op, {O, K, I});
    check_buffer(op, "out", out, checked_numel(op, {O, R, I}));
    check_buffer(op, "src", src, n, out.dtype());
    const std::vector<int64_t> ix = checked_index(op, idx, n, R);
    PDG_DISPATCH_NUMERIC(out.dtype(), op, [&] {
        scalar_t* y = out.data<scalar_t>();
        const scalar_t* s = src.data<scalar_t>();
        for (int64_t o = 0; o < O; ++o)
            for (int64_t k = 0; k < K; ++k)
                for (int64_t i = 0; i < I; ++i) {
                    const int64_t q = (o * K + k) * I + i;
                    scalar_t& dst = y[(o * R + ix[size_t(q)]) * I + i];
                    dst = accumulate ? scalar_t(dst + s[q]) : s[q];
                }
    });
}

void scatter_backward(Buffer* dinp, Buffer* dsrc, const Buffer& dout, const Buffer& idx,
                      int64_t O, int64_t R, int64_t I, int64_t K, bool accumulate) {
    const char* op = accumulate ? "scatter_add (backward)" : "scatter (backward)";
    check_cpu(op, dout);
    const int64_t n = checked_numel(op, {O, K, I});
    const int64_t nin = checked_numel(op, {O, R, I});
    check_buffer(op, "dout", dout, nin);
    if (dinp) check_buffer(op, "dinp", *dinp, nin, dout.dtype());
    if (dsrc) check_buffer(op, "dsrc", *dsrc, n, dout.dtype());
    const std::vector<int64_t> ix = checked_index(op, idx, n, R);
    PDG_DISPATCH_FLOATING(dout.dtype(), op, [&] {
        const scalar_t* g = dout.data<scalar_t>();
        if (dinp) {
            scalar_t* d = dinp->data<scalar_t>();
            std::copy(g, g + nin, d);
            if (!accumulate)
                for (int64_t q = 0; q < n; ++q) {
                    const int64_t o = q / (K * I), i = q % I;
                    d[(o * R + ix[size_t(q)]) * I + i] = scalar_t(0);
                }
        }
        if (dsrc) {
            // scatter: with repeated indices only the last writer (the serial
            // forward's winner) reaches the output, so only it gets a gradient.
            std::vector<int64_t> owner;
            if (!accumulate) {
                owner.assign(static_cast<size_t>(nin), -1);
                for (int64_t q = 0; q < n; ++q) {
                    const int64_t o = q / (K * I), i = q % I;
                    owner[size_t((o * R + ix[size_t(q)]) * I + i)] = q;
                }
            }
            scalar_t* d = dsrc->data<scalar_t>();
            for (int64_t q = 0; q < n; ++q) {
                const int64_t o = q / (K * I), i = q % I;
                const int64_t pos = (o * R + ix[size_t(q)]) * I + i;
                d[q] = (accumulate || owner[size_t(pos)] == q) ? g[pos] : scalar_t(0);
            }
        }
    });
}

int64_t nonzero_count(const Buffer& inp) {
    check_cpu("nonzero", inp);
    int64_t count = 0;
    PDG_DISPATCH_ALL(inp.dtype(), "nonzero", [&] {
        const scalar_t* x = inp.data<scalar_t>();
        for (int64_t k = 0; k < inp.numel(); ++k) count += (x[k] != scalar_t(0));
    });
    return count;
}

void nonzero_forward(Buffer& out, const Buffer& inp, const std::vector<int64_t>& shape) {
    const char* op = "nonzero";
    check_cpu(op, out);
    check_cpu(op, inp);
    const int64_t n = checked_numel(op, shape);
    check_buffer(op, "inp", inp, n);
    const int64_t N = nonzero_count(inp);
    const int64_t nd = int64_t(shape.size());
    check_buffer(op, "out", out, N * nd, DType::Int64);
    int64_t* y = out.data<int64_t>();
    PDG_DISPATCH_ALL(inp.dtype(), op, [&] {
        const scalar_t* x = inp.data<scalar_t>();
        std::vector<int64_t> mi(static_cast<size_t>(nd), 0);  // running multi-index of element k
        int64_t row = 0;
        for (int64_t k = 0; k < n; ++k) {
            if (x[k] != scalar_t(0)) {
                for (int64_t d = 0; d < nd; ++d) y[row * nd + d] = mi[size_t(d)];
                ++row;
            }
            for (int64_t d = nd - 1; d >= 0; --d) {
                if (++mi[size_t(d)] < shape[size_t(d)]) break;
                mi[size_t(d)] = 0;
            }
        }
    });
}

}  // namespace pdg
