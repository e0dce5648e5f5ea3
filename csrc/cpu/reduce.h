#pragma once
#include "core/buffer.h"

namespace pdg {

// Codes shared with pydeepgen/ops/reduce.py (REDUCE_OPS).
enum class ReduceOp : int { Sum = 0, Mean, Prod, Max, Min, Argmax, Argmin, LogSumExp, Var, Std };

// Every reduction sees its input as a contiguous (O, R, I) block and reduces
// the middle axis: Python permutes/merges dims so that the reduced dims are
// one middle run (pydeepgen/ops/reduce.py).
//
// reduce_forward(op, out, inp, O, R, I, correction)
// Args:
//   out         contiguous (O, I); dtype = inp's, or int64 for argmax/argmin;
//               overwritten
//   inp         contiguous (O, R, I)
//   correction  Var/Std divide by R - correction (Bessel: 1)
// Float sums accumulate in double. NaN propagates through max/min (and
// argmax/argmin point at the first NaN), as in PyTorch. R = 0: sum 0,
// prod 1, mean/var NaN; max/min/argmax/argmin raise IndexError.
void reduce_forward(int op, Buffer& out, const Buffer& inp, int64_t O, int64_t R, int64_t I,
                    double correction);

// reduce_backward(op, dinp, dout, inp, out, O, R, I, correction)
// Args:
//   dinp        contiguous (O, R, I); overwritten
//   dout, out   (O, I): incoming gradient and the forward's result
// Max/Min send the gradient to every maximal element, split evenly (the
// PyTorch rule for amax/amin and for max() with no dim).
void reduce_backward(int op, Buffer& dinp, const Buffer& dout, const Buffer& inp,
                     const Buffer& out, int64_t O, int64_t R, int64_t I, double correction);

// index_reduce_backward: dinp[o, idx[o,i], i] = dout[o, i], zero elsewhere.
// The backward of max(dim)/min(dim), whose gradient goes to the returned index.
void index_reduce_backward(Buffer& dinp, const Buffer& dout, const Buffer& idx, int64_t O,
                           int64_t R, int64_t I);

}  // namespace pdg
