// The contiguous binary arithmetic loops compiled for AVX2 (see binary_loops.h).
// Only called after cpu_has_avx2_fma(). Bandwidth-bound: wider loads and stores
// matter once the operands live in L2/L3 rather than DRAM.
#include "cpu/binary.h"
#include "cpu/binary_loops.h"

namespace pdg::avx2 {

bool binary_row_f32(int op, float* o, const float* a, const float* b, int64_t n, int mode) {
    return binary_row<float>(op, o, a, b, n, mode);
}
bool binary_row_f64(int op, double* o, const double* a, const double* b, int64_t n, int mode) {
    return binary_row<double>(op, o, a, b, n, mode);
}

}  // namespace pdg::avx2
