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
// Only call after cpu_has_avx512() (conv.cpp checks).
#pragma once
#include <cstdint>

#include "cpu/conv.h"

namespace pdg {

// col (K x P of one image, rows ld apart) <- patches of x (Cg, H, W); zeros
// where the window hits padding.
void im2col_f32_avx512(const float* x, float* col, const ConvGeom& g, int64_t ld);

// x (Cg, H, W) = col2im(col): every x element is overwritten with the sum of
// the col entries that im2col would copy it to (zero when none).
void col2im_f32_avx512(const float* col, float* x, const ConvGeom& g, int64_t ld);

}  // namespace pdg
