#pragma once
#include "core/buffer.h"

namespace pdg {

// Inclusive scans along the middle axis of a contiguous (O, R, I) block.
// Codes shared with pydeepgen/ops/scan.py.
enum class ScanOp : int { Cumsum = 0, Cumprod = 1 };

// scan_forward: out[o, r, i] = x[o, 0, i] (op) ... (op) x[o, r, i].
// Args:
//   out     contiguous (O, R, I), inp's dtype; overwritten
//   inp     contiguous (O, R, I); float32/float64/int64 (Python converts
//           bool/uint8 to int64 first, as PyTorch does)
// Float scans accumulate in double.
void scan_forward(int op, Buffer& out, const Buffer& inp, int64_t O, int64_t R, int64_t I);

// scan_backward: gradient of the scan.
//   cumsum:  dinp[r] = sum_{j >= r} dout[j]                (a reverse cumsum)
//   cumprod: dinp[k] = (prod_{l<k} x[l]) * S_k with
//            S_k = dout[k] + x[k+1] * S_{k+1}, S_{R-1} = dout[R-1],
//            which is exact with zeros in x (no division by x).
// Args:
//   dinp    contiguous (O, R, I), float; overwritten
//   dout    contiguous (O, R, I)
//   inp     the forward's input (cumprod only; may be any same-size buffer for cumsum)
void scan_backward(int op, Buffer& dinp, const Buffer& dout, const Buffer& inp, int64_t O,
                   int64_t R, int64_t I);

}  // namespace pdg
