// Inverted dropout (see dropout.h).
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
#include "cpu/dropout.h"

#include "core/dtype.h"
#include "core/parallel.h"
#include "cpu/random.h"

namespace pdg {
namespace {

template <class T>
void scale_by_mask(T* out, const T* in, const T* mask, int64_t n, T scale) {
    parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) out[i] = in[i] * mask[i] * scale;
    });
}

double keep_scale(double p) { return p >= 1.0 ? 0.0 : 1.0 / (1.0 - p); }

}  // namespace

void dropout_forward(Buffer& out, Buffer& mask, const Buffer& inp, double p, Generator& gen) {
    const char* op = "dropout";
    PDG_CHECK(p >= 0.0 && p <= 1.0, op, ": probability has to be between 0 and 1, but got ", p);
    check_cpu(op, inp);
    const int64_t n = inp.numel();
    check_buffer(op, "out", out, n, inp.dtype());
    check_buffer(op, "mask", mask, n, inp.dtype());
    bernoulli_fill(mask, 1.0 - p, gen);
    PDG_DISPATCH_FLOATING(inp.dtype(), op, [&] {
        using T = scalar_t;
        scale_by_mask<T>(out.data<T>(), inp.data<T>(), mask.data<T>(), n, T(keep_scale(p)));
    });
}

void dropout_backward(Buffer& dinp, const Buffer& dout, const Buffer& mask, double p) {
    const char* op = "dropout_backward";
    PDG_CHECK(p >= 0.0 && p <= 1.0, op, ": probability has to be between 0 and 1, but got ", p);
    check_cpu(op, dout);
    const int64_t n = dout.numel();
    check_buffer(op, "dinp", dinp, n, dout.dtype());
    check_buffer(op, "mask", mask, n, dout.dtype());
    PDG_DISPATCH_FLOATING(dout.dtype(), op, [&] {
        using T = scalar_t;
        scale_by_mask<T>(dinp.data<T>(), dout.data<T>(), mask.data<T>(), n, T(keep_scale(p)));
    });
}

}  // namespace pdg
