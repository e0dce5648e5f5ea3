// 2-D convolution and transposed convolution, NCHW, float32/float64.
//
// Kernels overwrite their outputs; only autograd accumulates gradients.
//
// All kernels describe the problem with one ConvGeom: the geometry of a
// *forward convolution* from an (N, C, H, W) input to an (N, OC, OH, OW)
// output with an (OC, C/G, KH, KW) weight. A transposed convolution is the
// backward-input of such a convolution, so conv_transpose2d_* receive the
// geometry of the convolution they are the transpose of: its "input" (C, H, W)
// is the transposed conv's output and its "output" (OC, OH, OW) the transposed
// conv's input; the weight layout (OC, C/G, KH, KW) is then exactly PyTorch's
// ConvTranspose2d weight (in_channels, out_channels/groups, KH, KW).
//
// Variants (numbered rungs, selectable at run time with set_conv_variant):
//   01_reference  direct nested loops, one thread: the oracle of the tests
//   02_im2col     im2col / col2im per image and group + pdg::gemm, images
//                 spread over threads (each thread's GEMM then runs on one
//                 core); a 1x1/stride-1/no-pad conv skips im2col entirely
//               (a batch with one output pixel per image is one GEMM)
//   03_im2col_batched  02 with B images' columns side by side in one GEMM
//                 when an image has few output pixels
//   04_im2col_avx512   03 with float32 im2col/col2im rows moved by AVX-512
//                 masked vectors (conv_avx512.cpp; col2im as a per-input-row
//                 gather) and, for K >= 16, an implicit-GEMM forward (B panels
//                 packed straight from x, no col matrix, bias fused into the
//                 NCHW write); float64 runs 03's loops. Needs cpu_has_avx512().
// "auto" = 04_im2col_avx512 on AVX-512 CPUs, else 03_im2col_batched.
#pragma once
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/buffer.h"

namespace pdg {

struct ConvGeom {
    int64_t N = 0, C = 0, H = 0, W = 0;  // input (N, C, H, W)
    int64_t OC = 0, KH = 0, KW = 0;      // weight (OC, C/G, KH, KW)
    int64_t OH = 0, OW = 0;              // output (N, OC, OH, OW)
    int64_t sh = 1, sw = 1;              // stride
    int64_t ph = 0, pw = 0;              // top/left zero padding (bottom/right is implied by OH/OW)
    int64_t dh = 1, dw = 1;              // dilation
    int64_t G = 1;                       // groups
    std::string op = "conv2d";           // name used in error messages

    int64_t Cg() const { return C / G; }
    int64_t OCg() const { return OC / G; }
    int64_t K() const { return Cg() * KH * KW; }  // GEMM reduction length
    int64_t P() const { return OH * OW; }         // output pixels per image
    std::string str() const;                      // "input (N, C, H, W), weight ..., output ..."
};

// Validates every size (ValueError naming `op` and the shapes): positive
// kernel, stride and dilation, non-negative padding, C and OC divisible by
// groups, OH/OW >= 1. OH/OW are given by the caller (Python computes them
// from the padding rule, output_padding etc.); the kernels read input pixels
// only inside [0, H) x [0, W), so any OH/OW is memory-safe.
ConvGeom make_conv_geom(const std::string& op, int64_t N, int64_t C, int64_t H, int64_t W,
                        int64_t OC, int64_t KH, int64_t KW, int64_t OH, int64_t OW, int64_t sh,
                        int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw, int64_t G);

// conv2d_forward(out, inp, weight, bias, g)
// Args:
//   out     (N, OC, OH, OW) contiguous; overwritten
//   inp     (N, C, H, W) contiguous
//   weight  (OC, C/G, KH, KW) contiguous
//   bias    (OC,) or none
void conv2d_forward(Buffer& out, const Buffer& inp, const Buffer& weight,
                    const std::optional<Buffer>& bias, const ConvGeom& g,
                    const std::string& variant = "");

// conv2d_backward(dinp, dweight, dbias, dout, inp, weight, g)
// Args:
//   dinp     (N, C, H, W) or none; overwritten
//   dweight  (OC, C/G, KH, KW) or none; overwritten
//   dbias    (OC,) or none; overwritten
//   dout     (N, OC, OH, OW) contiguous
//   inp      (N, C, H, W) (read when dweight is wanted)
//   weight   (OC, C/G, KH, KW) (read when dinp is wanted)
void conv2d_backward(std::optional<Buffer> dinp, std::optional<Buffer> dweight,
                     std::optional<Buffer> dbias, const Buffer& dout, const Buffer& inp,
                     const Buffer& weight, const ConvGeom& g, const std::string& variant = "");

// conv_transpose2d_forward(out, inp, weight, bias, g)   g: see the file header
// Args:
//   out     (N, C, H, W) contiguous; overwritten (the transposed conv's output)
//   inp     (N, OC, OH, OW) contiguous (the transposed conv's input)
//   weight  (OC, C/G, KH, KW)
//   bias    (C,) or none
void conv_transpose2d_forward(Buffer& out, const Buffer& inp, const Buffer& weight,
                              const std::optional<Buffer>& bias, const ConvGeom& g,
                              const std::string& variant = "");

// conv_transpose2d_backward(dinp, dweight, dbias, dout, inp, weight, g)
// Args:
//   dinp     (N, OC, OH, OW) or none; overwritten
//   dweight  (OC, C/G, KH, KW) or none; overwritten
//   dbias    (C,) or none; overwritten
//   dout     (N, C, H, W) contiguous: gradient of the transposed conv's output
//   inp      (N, OC, OH, OW): the transposed conv's input
void conv_transpose2d_backward(std::optional<Buffer> dinp, std::optional<Buffer> dweight,
                               std::optional<Buffer> dbias, const Buffer& dout,
                               const Buffer& inp, const Buffer& weight, const ConvGeom& g,
                               const std::string& variant = "");

// Variant table: (name, description, supported), slowest first.
std::vector<std::tuple<std::string, std::string, bool>> conv_variants();
void set_conv_variant(const std::string& name);  // "auto" or a name; ValueError otherwise
std::string get_conv_variant();                  // "auto" resolved

}  // namespace pdg
