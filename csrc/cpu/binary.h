#pragma once
#include <optional>
#include <string>
#include <tuple>
#include <vector>
#include "core/buffer.h"
#include "core/cpu_features.h"

namespace pdg {

// Codes shared with pydeepgen/ops/elementwise.py (BINARY_OPS).
enum class BinaryOp : int {
    Add = 0, Sub, Mul, Div, Pow, Maximum, Minimum,         // arithmetic, differentiable
    Eq, Ne, Lt, Le, Gt, Ge,                                // comparisons -> bool
    LogicalAnd, LogicalOr, LogicalXor,                     // -> bool
    FloorDiv, Remainder,                                   // no gradient
};

// The variants of the family for pdg.kernels: (name, description, supported).
// "01_scalar" forces the plain loops; "02_avx2" (and "auto" on an AVX2 CPU) sends
// contiguous float rows to the AVX2 build; the results are identical (IEEE ops).
std::vector<std::tuple<std::string, std::string, bool>> binary_variants();
void set_binary_variant(const std::string& name);
std::string get_binary_variant();

// binary_forward: out = a (op) b with broadcasting.
// Args:
//   out            contiguous, numel = prod(shape); dtype = a's dtype, or bool
//                  for comparisons and logical ops. Overwritten. May alias a or
//                  b when that operand is not broadcast (in-place ops).
//   a, b           same dtype (Python promotes first)
//   shape          broadcast result shape
//   a_strides      a's element strides over `shape` (0 on broadcast dims), with
//   a_offset       the offset of its first element; same for b
void binary_forward(int op, Buffer& out, const Buffer& a, const Buffer& b,
                    const std::vector<int64_t>& shape, const std::vector<int64_t>& a_strides,
                    int64_t a_offset, const std::vector<int64_t>& b_strides, int64_t b_offset);

// binary_contiguous: the fast path of binary_forward for two contiguous operands
// of n elements each (no broadcasting); allocates and returns `out`.
// Args:
//   a, b           a[a_offset .. a_offset+n), b[b_offset .. b_offset+n); same dtype
Buffer binary_contiguous(int op, const Buffer& a, int64_t a_offset, const Buffer& b,
                         int64_t b_offset, int64_t n);

// binary_backward: gradients of out = a (op) b before broadcast reduction.
// Args:
//   da, db         optional, contiguous over `shape` (the unreduced gradient);
//                  overwritten. Python sums them down to a's and b's shapes.
//   dout           contiguous over `shape`
//   a, b, out      the forward's inputs (strided as in the forward) and result
// Only Add..Minimum have gradients; ties of maximum/minimum split the gradient
// in half between a and b, as PyTorch does.
void binary_backward(int op, std::optional<Buffer> da, std::optional<Buffer> db,
                     const Buffer& dout, const Buffer& a, const Buffer& b, const Buffer& out,
                     const std::vector<int64_t>& shape, const std::vector<int64_t>& a_strides,
                     int64_t a_offset, const std::vector<int64_t>& b_strides, int64_t b_offset);

// The AVX2 build of the contiguous rows (binary_avx2.cpp, binary_loops.h):
// false when the op has no such loop. Call only after cpu_has_avx2_fma().
#if PDG_X86_SIMD
namespace avx2 {
bool binary_row_f32(int op, float* o, const float* a, const float* b, int64_t n, int mode);
bool binary_row_f64(int op, double* o, const double* a, const double* b, int64_t n, int mode);
}  // namespace avx2
#endif

}  // namespace pdg
