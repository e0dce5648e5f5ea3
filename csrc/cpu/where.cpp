// The ternary where(cond, a, b) with broadcasting, forward and backward side
// by side. Kernels overwrite their outputs; only autograd accumulates.
// The loop is the strided-row walker of core/strided.h, as in binary.cpp.
#include "cpu/where.h"

#include "core/strided.h"
#include "cpu/copy.h"

namespace pdg {

static std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& shape) {
    std::vector<int64_t> st(shape.size());
    int64_t s = 1;
    for (int d = int(shape.size()) - 1; d >= 0; --d) { st[size_t(d)] = s; s *= shape[size_t(d)]; }
    return st;
}

void where_forward(Buffer& out, const Buffer& cond, const Buffer& a, const Buffer& b,
                   const std::vector<int64_t>& shape, const std::vector<int64_t>& cond_strides,
                   int64_t cond_offset, const std::vector<int64_t>& a_strides, int64_t a_offset,
                   const std::vector<int64_t>& b_strides, int64_t b_offset) {
    const char* op = "where";
    check_cpu(op, out); check_cpu(op, cond); check_cpu(op, a); check_cpu(op, b);
    PDG_CHECK_TYPE(cond.dtype() == DType::Bool, "where: condition must be a bool tensor, got ",
                   dtype_name(cond.dtype()));
    check_same_dtype(op, a, b);
    const int64_t n = checked_numel(op, shape);
    check_buffer(op, "out", out, n, a.dtype());
    check_view(op, cond, shape, cond_strides, cond_offset);
    check_view(op, a, shape, a_strides, a_offset);
    check_view(op, b, shape, b_strides, b_offset);
    auto plan = make_strided_plan<4>(shape, {contiguous_strides(shape), cond_strides, a_strides, b_strides});
    const bool* c = cond.data<bool>() + cond_offset;
    PDG_DISPATCH_ALL(a.dtype(), op, [&] {
        scalar_t* o = out.data<scalar_t>();
        const scalar_t* x = a.data<scalar_t>() + a_offset;
        const scalar_t* y = b.data<scalar_t>() + b_offset;
        for_each_row<4>(plan, [&](const std::array<int64_t, 4>& off, int64_t len,
                                  const std::array<int64_t, 4>& st) {
            scalar_t* op_ = o + off[0];
            const bool* cp = c + off[1];
            const scalar_t* xp = x + off[2];
            const scalar_t* yp = y + off[3];
            for (int64_t i = 0; i < len; ++i)
                op_[i * st[0]] = cp[i * st[1]] ? xp[i * st[2]] : yp[i * st[3]];
        });
    });
}

void where_backward(std::optional<Buffer> da, std::optional<Buffer> db, const Buffer& dout,
                    const Buffer& cond, const std::vector<int64_t>& shape,
                    const std::vector<int64_t>& cond_strides, int64_t cond_offset) {
    const char* op = "where (backward)";
    check_cpu(op, dout); check_cpu(op, cond);
    PDG_CHECK_TYPE(cond.dtype() == DType::Bool, op, ": condition must be bool");
    const int64_t n = checked_numel(op, shape);
    check_buffer(op, "dout", dout, n);
    if (da) check_buffer(op, "da", *da, n, dout.dtype());
    if (db) check_buffer(op, "db", *db, n, dout.dtype());
    check_view(op, cond, shape, cond_strides, cond_offset);
    const std::vector<int64_t> cs = contiguous_strides(shape);
    auto plan = make_strided_plan<2>(shape, {cs, cond_strides});
    const bool* c = cond.data<bool>() + cond_offset;
    PDG_DISPATCH_FLOATING(dout.dtype(), op, [&] {
        const scalar_t* g = dout.data<scalar_t>();
        scalar_t* pa = da ? da->data<scalar_t>() : nullptr;
        scalar_t* pb = db ? db->data<scalar_t>() : nullptr;
        for_each_row<2>(plan, [&](const std::array<int64_t, 2>& off, int64_t len,
                                  const std::array<int64_t, 2>& st) {
            for (int64_t i = 0; i < len; ++i) {
                const int64_t io = off[0] + i * st[0];
                const bool ci = c[off[1] + i * st[1]];
                if (pa) pa[io] = ci ? g[io] : scalar_t(0);
                if (pb) pb[io] = ci ? scalar_t(0) : g[io];
            }
        });
    });
}

}  // namespace pdg
