#include "core/cpu_features.h"

#include <atomic>

#include "core/error.h"

namespace pdg {
namespace {

SimdLevel detect() {
#if defined(__x86_64__) || defined(__i386__)
    // __builtin_cpu_supports also checks that the OS saves the wide registers.
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") &&
                        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                        __builtin_cpu_supports("avx512dq");
    return avx512 ? SimdLevel::AVX512 : avx2 ? SimdLevel::AVX2 : SimdLevel::Baseline;
#else
    return SimdLevel::Baseline;  // no x86 rungs are compiled on other processors
#endif
}

std::atomic<int>& cap() {
    static std::atomic<int> c{int(SimdLevel::AVX512)};
    return c;
}

}  // namespace

SimdLevel cpu_simd_detected() {
    static const SimdLevel level = detect();
    return level;
}

SimdLevel simd_level() {
    const int c = cap().load(std::memory_order_relaxed);
    const int d = int(cpu_simd_detected());
    return SimdLevel(c < d ? c : d);
}

void set_simd_level(SimdLevel level) {
    PDG_CHECK(int(level) <= int(cpu_simd_detected()), "set_simd_level: this CPU cannot run ",
              simd_level_name(level), " kernels (it supports up to ",
              simd_level_name(cpu_simd_detected()), ")");
    cap().store(int(level), std::memory_order_relaxed);
}

void set_simd_level(const std::string& name) {
    if (name == "auto") return set_simd_level(cpu_simd_detected());
    if (name == "baseline") return set_simd_level(SimdLevel::Baseline);
    if (name == "avx2") return set_simd_level(SimdLevel::AVX2);
    if (name == "avx512") return set_simd_level(SimdLevel::AVX512);
    throw ValueError(str("set_simd_level: unknown level '", name,
                         "' (expected auto, baseline, avx2 or avx512)"));
}

bool cpu_has_avx2_fma() { return int(simd_level()) >= int(SimdLevel::AVX2); }
bool cpu_has_avx512() { return int(simd_level()) >= int(SimdLevel::AVX512); }

const char* simd_level_name(SimdLevel level) {
    switch (level) {
        case SimdLevel::AVX512: return "avx512";
        case SimdLevel::AVX2: return "avx2";
        default: return "baseline";
    }
}

std::string cpu_simd_level() { return simd_level_name(simd_level()); }

std::string simd_level_explained() {
    const SimdLevel now = simd_level(), cpu = cpu_simd_detected();
    if (now == cpu)
        return str("the SIMD level in use is ", simd_level_name(now),
                   ", the best this CPU supports");
    return str("the SIMD level in use is ", simd_level_name(now), " (this CPU supports ",
               simd_level_name(cpu), "; capped by PDG_SIMD or pdg.set_simd_level)");
}

}  // namespace pdg
