// Run-time CPU feature detection and the cap on the SIMD level in use.
//
// The build never assumes more than the baseline of its target (SSE2 on
// x86-64, the base ISA elsewhere). Kernels compiled for AVX2/AVX-512 (files
// *_avx2.cpp, *_avx512.cpp, namespaces pdg::avx2 / pdg::avx512) are reached
// only through function pointers that baseline dispatch code hands out after
// cpu_has_avx2_fma() / cpu_has_avx512() said yes (docs/architecture.md,
// "SIMD dispatch").
//
// Those two answer "may the kernels use this level now?": the CPU must have
// the instructions AND the cap (PDG_SIMD, pdg.set_simd_level) must allow
// them. The cap can only lower the level, so a test run on an AVX-512 machine
// can exercise the AVX2 and baseline paths too. Every dispatch site asks on
// each call (a relaxed atomic load), so changing the cap takes effect at once.
#pragma once
#include <string>

// 1 when the x86 rungs (*_avx2.cpp, *_avx512.cpp) are compiled in; CMake sets
// it from the target processor. Baseline code names pdg::avx2 / pdg::avx512
// only under #if PDG_X86_SIMD.
#ifndef PDG_X86_SIMD
#error "PDG_X86_SIMD is set by CMakeLists.txt"
#endif

namespace pdg {

enum class SimdLevel : int { Baseline = 0, AVX2 = 1, AVX512 = 2 };

SimdLevel cpu_simd_detected();  // the best level this CPU runs (ignores the cap)
SimdLevel simd_level();         // the level kernels use: min(detected, cap)
// Caps the level; raises ValueError when the CPU lacks `level` (the cap only
// ever lowers what the CPU supports). Baseline is accepted everywhere.
void set_simd_level(SimdLevel level);
void set_simd_level(const std::string& name);  // "baseline" | "avx2" | "avx512" | "auto"

bool cpu_has_avx2_fma();  // simd_level() >= AVX2
bool cpu_has_avx512();    // simd_level() >= AVX512 (F + BW + VL + DQ)

const char* simd_level_name(SimdLevel level);  // "baseline", "avx2", "avx512"
// For error messages: "the SIMD level in use is avx2 (this CPU supports avx512;
// capped by PDG_SIMD or pdg.set_simd_level)".
std::string simd_level_explained();
std::string cpu_simd_level();                  // simd_level_name(simd_level())

}  // namespace pdg
