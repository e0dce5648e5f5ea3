// AVX-512 im2col / col2im for the conv rung 04_im2col_avx512 (conv.cpp).
//
// Same wiring as conv.cpp's scalar im2col / col2im_add, float32 only: one
// output row segment (OW values of one (c, kh, kw) col row at one oh) is
// moved with masked 16-lane loads and stores instead of element loops and
// fill calls. Stride 1 is a masked load; stride 2 loads the 32-float input
// span and keeps the even lanes with one two-source permute. Other strides
// fall back to the scalar loop. col2im gathers per input row instead of
// scattering per col row (see col2im_gather). Masked-off lanes are never accessed, so
// windows that hang over the padding read nothing outside [0, H) x [0, W).
//
// Only call after cpu_has_avx512() (conv.cpp checks); x86-64 builds only.
#pragma once
#include <cstdint>

#include "cpu/conv.h"

namespace pdg::avx512 {

// col (K x P of one image, rows ld apart) <- patches of x (Cg, H, W); zeros
// where the window hits padding.
void im2col_f32_avx512(const float* x, float* col, const ConvGeom& g, int64_t ld);

// x (Cg, H, W) = col2im(col): every x element is overwritten with the sum of
// the col entries that im2col would copy it to (zero when none).
void col2im_f32_avx512(const float* col, float* x, const ConvGeom& g, int64_t ld);

// Forward convolution as an implicit GEMM: per group, out (OCg x N*P) = W (OCg x K)
// @ col, where col is never materialised: each 64-column B panel (K x 64 flat
// output pixels, possibly spanning images) is packed straight from x into the
// GEMM's panel layout and multiplied by the weight (packed once per group) with
// GEMM rung 04's 6 x 64 micro-kernel; the tile is then written into NCHW with the
// bias added. Panels are split between threads (each output by exactly one).
// Args: out (N, OC, OH, OW) overwritten; x (N, C, H, W); w (OC, C/G, KH, KW);
// bias (OC,) or null. Only when conv_implicit_f32_supported(g).
bool conv_implicit_f32_supported(const ConvGeom& g);
void conv2d_forward_implicit_f32_avx512(float* out, const float* x, const float* w,
                                        const float* bias, const ConvGeom& g);

}  // namespace pdg::avx512
