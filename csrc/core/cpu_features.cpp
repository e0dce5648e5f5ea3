#include "core/cpu_features.h"

namespace pdg {

bool cpu_has_avx2_fma() {
#if defined(__x86_64__) || defined(__i386__)
    static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return ok;
#else
    return false;
#endif
}

bool cpu_has_avx512() {
#if defined(__x86_64__) || defined(__i386__)
    static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                           cpu_has_avx2_fma();
    return ok;
#else
    return false;
#endif
}

std::string cpu_simd_level() {
    if (cpu_has_avx512()) return "avx512";
    if (cpu_has_avx2_fma()) return "avx2";
    return "baseline";
}

}  // namespace pdg
