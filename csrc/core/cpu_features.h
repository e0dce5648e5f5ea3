// Run-time CPU feature detection. The build never assumes more than x86-64
// baseline (SSE2); kernels compiled for AVX2/AVX-512 (files *_avx2.cpp,
// *_avx512.cpp) are only called when these say the CPU has the instructions.
#pragma once
#include <string>

namespace pdg {

bool cpu_has_avx2_fma();
bool cpu_has_avx512();  // F + BW + VL + DQ
// "avx512", "avx2" or "baseline": the best level this CPU runs.
std::string cpu_simd_level();

}  // namespace pdg
