// 2-D pooling, NCHW, float32/float64: max, average, adaptive average/max.
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
//
// Every kernel sees its input as NC = N*C independent planes of H x W and is
// parallel over planes. Output sizes (ceil_mode etc.) are computed by the
// caller (pydeepgen/ops/pool.py) and checked here for consistency with the
// window: a window must start inside the padded input.
// Windows follow PyTorch: max pooling's window for output (oh, ow) covers rows
// oh*sh - ph + kh*dh (kh < KH) clipped to [0, H); average pooling's divisor is
// the window area clipped to the padded input (count_include_pad) or to the
// input, or divisor_override when > 0; adaptive pooling's rows are
// [floor(oh*H/OH), ceil((oh+1)*H/OH)).
#pragma once
#include "core/buffer.h"

namespace pdg {

// maxpool2d_forward(out, indices, inp, NC, H, W, OH, OW, KH, KW, sh, sw, ph, pw, dh, dw)
// Args:
//   out      (NC, OH, OW); overwritten with the window maxima (NaN wins, as in PyTorch)
//   indices  (NC, OH, OW) int64; overwritten with the argmax's flat index ih*W + iw
//            inside its plane (PyTorch's return_indices convention)
//   inp      (NC, H, W) contiguous
void maxpool2d_forward(Buffer& out, Buffer& indices, const Buffer& inp, int64_t NC, int64_t H,
                       int64_t W, int64_t OH, int64_t OW, int64_t KH, int64_t KW, int64_t sh,
                       int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw);

// maxpool2d_backward(dinp, dout, indices, NC, H, W, OH, OW)
// Args:
//   dinp     (NC, H, W); overwritten: zero, plus dout routed to each argmax
//   dout     (NC, OH, OW)
//   indices  (NC, OH, OW) int64 from maxpool2d_forward / adaptive_maxpool2d_forward;
//            an index outside [0, H*W) raises IndexError before anything is written
void maxpool2d_backward(Buffer& dinp, const Buffer& dout, const Buffer& indices, int64_t NC,
                        int64_t H, int64_t W, int64_t OH, int64_t OW);

// avgpool2d_forward(out, inp, NC, H, W, OH, OW, KH, KW, sh, sw, ph, pw,
//                   count_include_pad, divisor_override)
// Args:
//   out   (NC, OH, OW); overwritten
//   inp   (NC, H, W)
//   divisor_override  > 0 replaces the divisor; 0 means none
void avgpool2d_forward(Buffer& out, const Buffer& inp, int64_t NC, int64_t H, int64_t W,
                       int64_t OH, int64_t OW, int64_t KH, int64_t KW, int64_t sh, int64_t sw,
                       int64_t ph, int64_t pw, bool count_include_pad, int64_t divisor_override);

// avgpool2d_backward(dinp, dout, ...same sizes...)
// Args:
//   dinp  (NC, H, W); overwritten
//   dout  (NC, OH, OW)
void avgpool2d_backward(Buffer& dinp, const Buffer& dout, int64_t NC, int64_t H, int64_t W,
                        int64_t OH, int64_t OW, int64_t KH, int64_t KW, int64_t sh, int64_t sw,
                        int64_t ph, int64_t pw, bool count_include_pad, int64_t divisor_override);

// adaptive_avgpool2d_forward(out, inp, NC, H, W, OH, OW)
// Args:
//   out  (NC, OH, OW); overwritten   inp (NC, H, W)
void adaptive_avgpool2d_forward(Buffer& out, const Buffer& inp, int64_t NC, int64_t H, int64_t W,
                                int64_t OH, int64_t OW);
// adaptive_avgpool2d_backward(dinp, dout, NC, H, W, OH, OW)
// Args:
//   dinp (NC, H, W); overwritten      dout (NC, OH, OW)
void adaptive_avgpool2d_backward(Buffer& dinp, const Buffer& dout, int64_t NC, int64_t H,
                                 int64_t W, int64_t OH, int64_t OW);

// adaptive_maxpool2d_forward(out, indices, inp, NC, H, W, OH, OW)
// Args: as maxpool2d_forward; the backward is maxpool2d_backward.
void adaptive_maxpool2d_forward(Buffer& out, Buffer& indices, const Buffer& inp, int64_t NC,
                                int64_t H, int64_t W, int64_t OH, int64_t OW);

}  // namespace pdg
