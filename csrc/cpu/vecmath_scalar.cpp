// The scalar rung of vecmath.h (std:: calls, the reference) and the run-time
// dispatch between the scalar, AVX2 and AVX-512 rungs.
#include "cpu/vecmath.h"

#include <atomic>
#include <cmath>

#include "core/cpu_features.h"
#include "core/error.h"

namespace pdg {
namespace {

// -1 = auto; otherwise a MathLevel the user asked for.
std::atomic<int> g_requested{-1};

// Asked on every call: the SIMD cap (PDG_SIMD, set_simd_level) may change.
MathLevel best_level() {
    return cpu_has_avx512()     ? MathLevel::AVX512
           : cpu_has_avx2_fma() ? MathLevel::AVX2
                                : MathLevel::Scalar;
}

}  // namespace

void set_math_variant(const std::string& name) {
    if (name == "auto") g_requested = -1;
    else if (name == "scalar") g_requested = int(MathLevel::Scalar);
    else if (name == "avx2") g_requested = int(MathLevel::AVX2);
    else if (name == "avx512") g_requested = int(MathLevel::AVX512);
    else throw ValueError(str("set_math_variant: unknown variant '", name,
                              "' (expected auto, scalar, avx2 or avx512)"));
}

MathLevel math_level() {
    const int req = g_requested.load(std::memory_order_relaxed);
    const MathLevel best = best_level();
    if (req < 0) return best;
    return MathLevel(std::min(req, int(best)));  // never run instructions the CPU lacks
}

std::string get_math_variant() {
    switch (math_level()) {
        case MathLevel::AVX512: return "avx512";
        case MathLevel::AVX2: return "avx2";
        default: return "scalar";
    }
}

void vexp(float* out, const float* in, int64_t n) {
    switch (math_level()) {
#if PDG_X86_SIMD
        case MathLevel::AVX512: return avx512::vexp(out, in, n);
        case MathLevel::AVX2: return avx2::vexp(out, in, n);
#endif
        default: for (int64_t i = 0; i < n; ++i) out[i] = std::exp(in[i]);
    }
}

void vlog(float* out, const float* in, int64_t n) {
    switch (math_level()) {
#if PDG_X86_SIMD
        case MathLevel::AVX512: return avx512::vlog(out, in, n);
        case MathLevel::AVX2: return avx2::vlog(out, in, n);
#endif
        default: for (int64_t i = 0; i < n; ++i) out[i] = std::log(in[i]);
    }
}

void vtanh(float* out, const float* in, int64_t n) {
    switch (math_level()) {
#if PDG_X86_SIMD
        case MathLevel::AVX512: return avx512::vtanh(out, in, n);
        case MathLevel::AVX2: return avx2::vtanh(out, in, n);
#endif
        default: for (int64_t i = 0; i < n; ++i) out[i] = std::tanh(in[i]);
    }
}

void vsigmoid(float* out, const float* in, int64_t n) {
    switch (math_level()) {
#if PDG_X86_SIMD
        case MathLevel::AVX512: return avx512::vsigmoid(out, in, n);
        case MathLevel::AVX2: return avx2::vsigmoid(out, in, n);
#endif
        default:
            for (int64_t i = 0; i < n; ++i) {
                // exp(-|x|) never overflows; the negative branch keeps tiny results exact.
                const float e = std::exp(-std::fabs(in[i]));
                const float s = 1.0f / (1.0f + e);
                out[i] = in[i] >= 0.0f ? s : e * s;
            }
    }
}

}  // namespace pdg
