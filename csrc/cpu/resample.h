// Nearest-neighbour 2-D upsampling and constant padding, float32/float64.
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
#pragma once
#include <vector>

#include "core/buffer.h"

namespace pdg {

// upsample_nearest2d_forward(out, inp, NC, H, W, OH, OW, scale_h, scale_w)
// Args:
//   out  (NC, OH, OW); overwritten: out[oh, ow] = inp[ih, iw] with
//        ih = min(floor(oh * scale_h), H - 1) in float arithmetic (PyTorch's
//        'nearest'); scale_h = 1/scale_factor when given, else H/OH
//   inp  (NC, H, W)
void upsample_nearest2d_forward(Buffer& out, const Buffer& inp, int64_t NC, int64_t H, int64_t W,
                                int64_t OH, int64_t OW, double scale_h, double scale_w);

// upsample_nearest2d_backward(dinp, dout, ...same sizes...)
// Args:
//   dinp (NC, H, W); overwritten: the sum of dout over the outputs that read each input
void upsample_nearest2d_backward(Buffer& dinp, const Buffer& dout, int64_t NC, int64_t H,
                                 int64_t W, int64_t OH, int64_t OW, double scale_h,
                                 double scale_w);

// pad_constant_forward(out, inp, B, in_dims, before, after, value)
// The input is (B, D1, D2, D3) (a tensor with up to three padded trailing dims;
// unpadded dims have size 1 / zero pads). Output dims are
// Oi = Di + before[i] + after[i] >= 0; negative pads crop (PyTorch's F.pad).
// Args:
//   out     (B, O1, O2, O3); overwritten; positions outside the input get `value`
//   inp     (B, D1, D2, D3)
void pad_constant_forward(Buffer& out, const Buffer& inp, int64_t B,
                          const std::vector<int64_t>& in_dims, const std::vector<int64_t>& before,
                          const std::vector<int64_t>& after, double value);

// pad_constant_backward(dinp, dout, B, in_dims, before, after)
// Args:
//   dinp  (B, D1, D2, D3); overwritten: dout at the matching position, 0 for
//         input elements cropped away
void pad_constant_backward(Buffer& dinp, const Buffer& dout, int64_t B,
                           const std::vector<int64_t>& in_dims, const std::vector<int64_t>& before,
                           const std::vector<int64_t>& after);

}  // namespace pdg
